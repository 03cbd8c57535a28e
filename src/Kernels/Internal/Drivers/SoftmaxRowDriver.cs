using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Drivers;

/// <summary>
/// Everything one softmax cross-entropy call reads and writes, plus its per-call constants. Exactly one of
/// <see cref="Labels"/> and <see cref="Targets"/> is used; empty outputs are not written. Validated by the caller.
/// </summary>
internal ref struct SoftmaxPass
{
    public ReadOnlySpan<float> Logits;
    public ReadOnlySpan<int> Labels;
    public ReadOnlySpan<float> Targets;
    public bool HasProbabilityTargets;
    public int ClassCount;
    public ReadOnlySpan<float> ClassWeights;
    public double ClassWeightSum;
    public float Smoothing;
    public float ZLossWeight;
    public int? IgnoreIndex;
    public double Scale;
    public Span<float> Gradient;
    public Span<float> Losses;
    public Span<float> LogSumExp;
}

/// <summary>
/// Walks the rows of a softmax cross-entropy: pass 1 reads a row once for the online max/sum statistics
/// (<see cref="OnlineSoftmax"/>), pass 2 reads it again to write the gradient and sum the loss terms that need
/// lse (skipped when neither is needed), then per-row scalars finish the loss and the true-class gradient.
/// </summary>
/// <remarks>
/// Two layouts, chosen by C alone (so every ISA computes the same bits): rows of at least
/// <see cref="BlockedSum.LaneCount"/> classes spread each row over that many logical lanes, merged by a fixed tree;
/// shorter rows are transposed through a small stack tile so that each vector lane holds one row and classes are
/// visited in order — a row of 10 classes would otherwise fill a third of a vector and spend its time in tails.
/// </remarks>
internal static class SoftmaxRowDriver
{
    private const int Lanes = BlockedSum.LaneCount;

    /// <summary>Returns Σ row losses in double (rows in order).</summary>
    public static double Run(scoped in SoftmaxPass pass)
    {
        if (pass.ClassCount >= Lanes)
        {
            return RunWide(pass);
        }

        if (Vector512.IsHardwareAccelerated)
        {
            return RunNarrow<Lanes512>(pass);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return RunNarrow<Lanes256>(pass);
        }

        return Vector128.IsHardwareAccelerated ? RunNarrow<Lanes128>(pass) : RunNarrow<ScalarLanes>(pass);
    }

    private static double RunWide(scoped in SoftmaxPass pass)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return RunWide<Lanes512>(pass);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return RunWide<Lanes256>(pass);
        }

        return Vector128.IsHardwareAccelerated ? RunWide<Lanes128>(pass) : RunWide<ScalarLanes>(pass);
    }

    private static double RunWide<T>(scoped in SoftmaxPass pass) where T : struct, ISimdLanes<T>
    {
        int classes = pass.ClassCount;
        int rows = pass.Logits.Length / classes;
        double total = 0;
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> logits = pass.Logits.Slice(row * classes, classes);
            ReadOnlySpan<float> targets = pass.HasProbabilityTargets ? pass.Targets.Slice(row * classes, classes) : default;
            Span<float> gradient = pass.Gradient.IsEmpty ? default : pass.Gradient.Slice(row * classes, classes);
            bool ignored = IsIgnored(pass, row);
            RowStatistics statistics = ignored && pass.LogSumExp.IsEmpty ? default : WideStatistics<T>(pass, logits, targets);
            RowPlan plan = RowPlan.Create(pass, row, statistics, logits, ignored);
            double termSum = 0;
            if (!ignored && NeedsSecondPass(pass))
            {
                termSum = WideSecondPass<T>(pass, logits, targets, gradient, plan);
            }

            total += FinishRow(pass, row, plan, termSum, gradient, gradientStride: 1);
        }

        return total;
    }

    private static RowStatistics WideStatistics<T>(scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets)
        where T : struct, ISimdLanes<T>
    {
        LaneStates states = default;
        ref float maxima = ref Unsafe.As<LaneStates, float>(ref states);
        ref float sums = ref Unsafe.Add(ref maxima, Lanes);
        for (int lane = 0; lane < Lanes; lane++)
        {
            Unsafe.Add(ref maxima, lane) = OnlineSoftmax.EmptyMaximum;
            Unsafe.Add(ref sums, lane) = OnlineSoftmax.EmptySum;
        }

        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float t = ref MemoryMarshal.GetReference(targets);
        BlockedSum targetWeight = default;
        nuint length = (nuint)logits.Length, i = 0;
        while (i < length)
        {
            nuint blockEnd = nuint.Min(i + BlockedSum.BlockLength, length);
            nuint groupsEnd = i + ((blockEnd - i) & ~(nuint)(Lanes - 1));
            for (; i < groupsEnd; i += Lanes)
            {
                for (int lane = 0; lane < Lanes; lane += T.Count)
                {
                    StatisticsStep<T>(pass, ref z, ref t, i + (nuint)lane, lane, ref maxima, ref sums, ref targetWeight);
                }
            }

            for (; i < blockEnd; i++)
            {
                StatisticsStep<ScalarLanes>(pass, ref z, ref t, i, (int)(i % Lanes), ref maxima, ref sums, ref targetWeight);
            }

            targetWeight.FoldBlock();
        }

        // Fixed merge tree over the logical lanes: lane j absorbs lane j + half, for half = 16, 8, 4, 2, 1.
        for (int half = Lanes / 2; half >= 1; half /= 2)
        {
            MergeHalves(ref maxima, ref sums, half);
        }

        return new RowStatistics(maxima, sums, targetWeight.Total());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StatisticsStep<T>(
        scoped in SoftmaxPass pass, ref float z, ref float t, nuint i, int lane, ref float maxima, ref float sums, ref BlockedSum targetWeight)
        where T : struct, ISimdLanes<T>
    {
        T maximum = T.Load(ref maxima, (nuint)lane);
        T sum = T.Load(ref sums, (nuint)lane);
        OnlineSoftmax.Merge(ref maximum, ref sum, T.Load(ref z, i), T.Create(0f));
        T.Store(maximum, ref maxima, (nuint)lane);
        T.Store(sum, ref sums, (nuint)lane);
        if (pass.HasProbabilityTargets)
        {
            targetWeight.Add(TargetWeight(pass, T.Load(ref t, i), i), lane);
        }
    }

    private static void MergeHalves(ref float maxima, ref float sums, int half)
    {
        // Lane-wise math, so any width gives the same bits; use the widest that fits in `half`.
        if (Vector512.IsHardwareAccelerated && half >= Lanes512.Count)
        {
            MergeHalves<Lanes512>(ref maxima, ref sums, half);
        }
        else if (Vector256.IsHardwareAccelerated && half >= Lanes256.Count)
        {
            MergeHalves<Lanes256>(ref maxima, ref sums, half);
        }
        else if (Vector128.IsHardwareAccelerated && half >= Lanes128.Count)
        {
            MergeHalves<Lanes128>(ref maxima, ref sums, half);
        }
        else
        {
            MergeHalves<ScalarLanes>(ref maxima, ref sums, half);
        }
    }

    private static void MergeHalves<T>(ref float maxima, ref float sums, int half) where T : struct, ISimdLanes<T>
    {
        for (nuint lane = 0; lane < (nuint)half; lane += (nuint)T.Count)
        {
            T maximum = T.Load(ref maxima, lane);
            T sum = T.Load(ref sums, lane);
            OnlineSoftmax.Merge(ref maximum, ref sum, T.Load(ref maxima, lane + (nuint)half), T.Load(ref sums, lane + (nuint)half));
            T.Store(maximum, ref maxima, lane);
            T.Store(sum, ref sums, lane);
        }
    }

    private static double WideSecondPass<T>(
        scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, in RowPlan plan)
        where T : struct, ISimdLanes<T>
    {
        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float t = ref MemoryMarshal.GetReference(targets);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        bool writesGradient = !gradient.IsEmpty;
        BlockedSum terms = default;
        nuint length = (nuint)logits.Length, i = 0;
        while (i < length)
        {
            nuint blockEnd = nuint.Min(i + BlockedSum.BlockLength, length);
            nuint groupsEnd = i + ((blockEnd - i) & ~(nuint)(Lanes - 1));
            for (; i < groupsEnd; i += Lanes)
            {
                for (int lane = 0; lane < Lanes; lane += T.Count)
                {
                    nuint at = i + (nuint)lane;
                    T term = GradientStep(pass, T.Load(ref z, at), ref t, at, plan.Broadcast<T>(), out T elementGradient);
                    if (writesGradient)
                    {
                        T.Store(elementGradient, ref g, at);
                    }

                    terms.Add(term, lane);
                }
            }

            for (; i < blockEnd; i++)
            {
                ScalarLanes term = GradientStep(pass, ScalarLanes.Load(ref z, i), ref t, i, plan.Broadcast<ScalarLanes>(), out ScalarLanes elementGradient);
                if (writesGradient)
                {
                    ScalarLanes.Store(elementGradient, ref g, i);
                }

                terms.Add(term, (int)(i % Lanes));
            }

            terms.FoldBlock();
        }

        return terms.Total();
    }

    /// <summary>
    /// One element of pass 2: gradient s·(A'·p_c - a_c) = e^{z - m}·coef - s·a_c and the loss term
    /// v_c·((m - z) + log1p(t)) (v_c = a_c up to the constant ε/C for labels, whose true class is finished per row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T GradientStep<T>(scoped in SoftmaxPass pass, T logit, ref float targets, nuint i, in RowConstants<T> row, out T gradient)
        where T : struct, ISimdLanes<T>
    {
        T difference = OnlineSoftmax.DifferenceFromMaximum(row.Maximum, logit);
        T exponential = LossMath.ExpNonPositive(-difference);
        T weight = pass.HasProbabilityTargets ? TargetWeight(pass, T.Load(ref targets, i), i) : ClassWeight<T>(pass, i);
        gradient = T.FusedMultiplyAdd(exponential, row.Coefficient, -(row.TargetScale * weight));
        return weight * (difference + row.Log1pSum);
    }

    /// <summary>a_c for probability targets: w_c·((1-ε)·t_c + ε/C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T TargetWeight<T>(scoped in SoftmaxPass pass, T target, nuint i) where T : struct, ISimdLanes<T>
    {
        float smoothing = pass.Smoothing;
        T smoothed = T.FusedMultiplyAdd(T.Create(1f - smoothing), target, T.Create(smoothing / pass.ClassCount));
        return pass.ClassWeights.IsEmpty ? smoothed : smoothed * ClassWeight<T>(pass, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ClassWeight<T>(scoped in SoftmaxPass pass, nuint classIndex) where T : struct, ISimdLanes<T> =>
        pass.ClassWeights.IsEmpty ? T.Create(1f) : T.Load(ref MemoryMarshal.GetReference(pass.ClassWeights), classIndex);

    private static double RunNarrow<T>(scoped in SoftmaxPass pass) where T : struct, ISimdLanes<T>
    {
        int rows = pass.Logits.Length / pass.ClassCount;
        int row = 0;
        double total = 0;
        for (; row + T.Count <= rows; row += T.Count)
        {
            total += NarrowGroup<T>(pass, row);
        }

        // Leftover rows run the same per-row sequence one row per lane.
        for (; row < rows; row++)
        {
            total += NarrowGroup<ScalarLanes>(pass, row);
        }

        return total;
    }

    /// <summary>T.Count rows at once, one row per lane, classes visited in order 0..C-1.</summary>
    private static double NarrowGroup<T>(scoped in SoftmaxPass pass, int firstRow) where T : struct, ISimdLanes<T>
    {
        int classes = pass.ClassCount, width = T.Count;
        NarrowTile tile = default;
        ref float logitTile = ref tile.Logits[0];
        ref float targetTile = ref tile.Targets[0];
        ref float gradientTile = ref tile.Gradient[0];
        Transpose(pass.Logits, firstRow, classes, width, ref logitTile);
        if (pass.HasProbabilityTargets)
        {
            Transpose(pass.Targets, firstRow, classes, width, ref targetTile);
        }

        T maximum = T.Create(OnlineSoftmax.EmptyMaximum), sum = T.Create(OnlineSoftmax.EmptySum), targetWeight = T.Create(0f);
        for (int c = 0; c < classes; c++)
        {
            nuint at = (nuint)(c * width);
            OnlineSoftmax.Merge(ref maximum, ref sum, T.Load(ref logitTile, at), T.Create(0f));
            if (pass.HasProbabilityTargets)
            {
                targetWeight += TargetWeight(pass, T.Load(ref targetTile, at), (nuint)c);
            }
        }

        ref float maxima = ref tile.Maxima[0];
        ref float sums = ref tile.Sums[0];
        ref float targetWeights = ref tile.TargetWeights[0];
        T.Store(maximum, ref maxima, 0);
        T.Store(sum, ref sums, 0);
        T.Store(targetWeight, ref targetWeights, 0);

        RowPlans plans = default;
        bool anyActive = false;
        for (int r = 0; r < width; r++)
        {
            int row = firstRow + r;
            bool ignored = IsIgnored(pass, row);
            anyActive |= !ignored;
            RowStatistics statistics = new(Unsafe.Add(ref maxima, r), Unsafe.Add(ref sums, r), Unsafe.Add(ref targetWeights, r));
            plans[r] = RowPlan.Create(pass, row, statistics, pass.Logits.Slice(row * classes, classes), ignored);
            plans[r].StoreLane(ref tile, r);
        }

        bool secondPass = anyActive && NeedsSecondPass(pass);
        T terms = T.Create(0f);
        if (secondPass)
        {
            RowConstants<T> constants = new(
                T.Load(ref tile.PlanMaxima[0], 0), T.Load(ref tile.PlanLog1pSums[0], 0),
                T.Load(ref tile.PlanCoefficients[0], 0), T.Load(ref tile.PlanTargetScales[0], 0));
            for (int c = 0; c < classes; c++)
            {
                nuint at = (nuint)(c * width);
                T weight = pass.HasProbabilityTargets ? TargetWeight(pass, T.Load(ref targetTile, at), (nuint)c) : T.Create(ClassWeightAt(pass, c));
                T difference = OnlineSoftmax.DifferenceFromMaximum(constants.Maximum, T.Load(ref logitTile, at));
                T exponential = LossMath.ExpNonPositive(-difference);
                T.Store(T.FusedMultiplyAdd(exponential, constants.Coefficient, -(constants.TargetScale * weight)), ref gradientTile, at);
                terms += weight * (difference + constants.Log1pSum);
            }
        }

        ref float termSums = ref tile.TermSums[0];
        T.Store(terms, ref termSums, 0);
        double total = 0;
        Span<float> gradientColumn = MemoryMarshal.CreateSpan(ref gradientTile, classes * width);
        for (int r = 0; r < width; r++)
        {
            total += FinishRow(pass, firstRow + r, plans[r], secondPass ? Unsafe.Add(ref termSums, r) : 0, pass.Gradient.IsEmpty ? default : gradientColumn[r..], gradientStride: width);
        }

        if (!pass.Gradient.IsEmpty)
        {
            TransposeBack(ref gradientTile, pass.Gradient, firstRow, classes, width);
        }

        return total;
    }

    private static void Transpose(ReadOnlySpan<float> source, int firstRow, int classes, int width, ref float tile)
    {
        ReadOnlySpan<float> rows = source.Slice(firstRow * classes, width * classes);
        for (int r = 0; r < width; r++)
        {
            for (int c = 0; c < classes; c++)
            {
                Unsafe.Add(ref tile, c * width + r) = rows[r * classes + c];
            }
        }
    }

    private static void TransposeBack(ref float tile, Span<float> destination, int firstRow, int classes, int width)
    {
        Span<float> rows = destination.Slice(firstRow * classes, width * classes);
        for (int r = 0; r < width; r++)
        {
            for (int c = 0; c < classes; c++)
            {
                rows[r * classes + c] = Unsafe.Add(ref tile, c * width + r);
            }
        }
    }

    private static float ClassWeightAt(scoped in SoftmaxPass pass, int classIndex) =>
        pass.ClassWeights.IsEmpty ? 1f : pass.ClassWeights[classIndex];

    private static bool IsIgnored(scoped in SoftmaxPass pass, int row) =>
        !pass.HasProbabilityTargets && pass.Labels[row] == pass.IgnoreIndex;

    /// <summary>Pass 2 is needed to write the gradient, or for loss terms that need lse (smoothing, probability targets).</summary>
    private static bool NeedsSecondPass(scoped in SoftmaxPass pass) =>
        !pass.Gradient.IsEmpty || pass.HasProbabilityTargets || pass.Smoothing != 0f;

    /// <summary>
    /// Finishes a row from its plan and pass-2 term sum: writes the row's loss and log-sum-exp, writes the
    /// true-class gradient (labels) or a zero row (ignored), and returns the row loss.
    /// </summary>
    private static double FinishRow(scoped in SoftmaxPass pass, int row, in RowPlan plan, double termSum, Span<float> gradient, int gradientStride)
    {
        if (!pass.LogSumExp.IsEmpty)
        {
            pass.LogSumExp[row] = plan.LogSumExp;
        }

        double loss;
        if (plan.Ignored)
        {
            loss = 0;
            for (int c = 0; c < pass.ClassCount && !gradient.IsEmpty; c++)
            {
                gradient[c * gradientStride] = 0f;
            }
        }
        else
        {
            double zLoss = pass.ZLossWeight == 0f ? 0 : pass.ZLossWeight * (double)plan.LogSumExp * plan.LogSumExp;
            if (pass.HasProbabilityTargets)
            {
                loss = termSum + zLoss;
            }
            else
            {
                int label = pass.Labels[row];
                double smoothingShare = (double)pass.Smoothing / pass.ClassCount;
                double labelWeight = ClassWeightAt(pass, label);
                double labelLoss = (double)plan.LabelDifference + plan.Log1pSum;
                loss = (1 - (double)pass.Smoothing) * labelWeight * labelLoss + (pass.Smoothing == 0f ? 0 : smoothingShare * termSum) + zLoss;
                if (!gradient.IsEmpty)
                {
                    // p_y - 1 without cancellation: -t/(1+t) when y holds the maximum, else e^{z_y - m}/(1+t) - 1 (≤ -½).
                    double denominator = 1 + (double)plan.Sum;
                    double probabilityMinusOne = plan.LabelDifference == 0f
                        ? -plan.Sum / denominator
                        : ScalarLanes.Create(LossMath.ExpNonPositive(ScalarLanes.Create(-plan.LabelDifference)).Value).Value / denominator - 1;
                    double remainder = smoothingShare * (pass.ClassWeightSum - labelWeight) + 2 * (double)pass.ZLossWeight * plan.LogSumExp;
                    gradient[label * gradientStride] = (float)(pass.Scale * (plan.TotalWeight * probabilityMinusOne + remainder));
                }
            }
        }

        if (!pass.Losses.IsEmpty)
        {
            pass.Losses[row] = (float)loss;
        }

        return loss;
    }

    /// <summary>A row's statistics after pass 1: (m, t) and, for probability targets, A = Σ a_c.</summary>
    private readonly record struct RowStatistics(float Maximum, float Sum, double TargetWeight);

    /// <summary>The per-row scalars pass 2 and the row's finish need.</summary>
    private readonly struct RowPlan
    {
        public bool Ignored { get; init; }
        public float Maximum { get; init; }
        public float Sum { get; init; }
        public float Log1pSum { get; init; }
        public float LogSumExp { get; init; }
        public float LabelDifference { get; init; }
        /// <summary>A' = Σ a_c + 2λ·lse.</summary>
        public double TotalWeight { get; init; }
        /// <summary>s·A'/(1 + t): the gradient is e^{z - m}·Coefficient - TargetScale·v_c.</summary>
        public float Coefficient { get; init; }
        public float TargetScale { get; init; }

        public static RowPlan Create(scoped in SoftmaxPass pass, int row, RowStatistics statistics, ReadOnlySpan<float> logits, bool ignored)
        {
            float log1pSum = LossMath.Log1p(ScalarLanes.Create(statistics.Sum)).Value;
            float logSumExp = statistics.Maximum + log1pSum;
            if (ignored)
            {
                return new RowPlan { Ignored = true, Maximum = statistics.Maximum, LogSumExp = logSumExp };
            }

            double smoothingShare = (double)pass.Smoothing / pass.ClassCount;
            double targetWeight;
            float labelDifference = 0f;
            if (pass.HasProbabilityTargets)
            {
                targetWeight = statistics.TargetWeight;
            }
            else
            {
                int label = pass.Labels[row];
                labelDifference = OnlineSoftmax.DifferenceFromMaximum(ScalarLanes.Create(statistics.Maximum), ScalarLanes.Create(logits[label])).Value;
                targetWeight = (1 - (double)pass.Smoothing) * ClassWeightAt(pass, label) + smoothingShare * pass.ClassWeightSum;
            }

            double totalWeight = pass.ZLossWeight == 0f ? targetWeight : targetWeight + 2 * (double)pass.ZLossWeight * logSumExp;
            return new RowPlan
            {
                Maximum = statistics.Maximum,
                Sum = statistics.Sum,
                Log1pSum = log1pSum,
                LogSumExp = logSumExp,
                LabelDifference = labelDifference,
                TotalWeight = totalWeight,
                Coefficient = (float)(pass.Scale * totalWeight / (1 + (double)statistics.Sum)),
                TargetScale = (float)(pass.HasProbabilityTargets ? pass.Scale : pass.Scale * smoothingShare),
            };
        }

        public RowConstants<T> Broadcast<T>() where T : struct, ISimdLanes<T> =>
            new(T.Create(Maximum), T.Create(Log1pSum), T.Create(Coefficient), T.Create(TargetScale));

        public void StoreLane(ref NarrowTile tile, int lane)
        {
            tile.PlanMaxima[lane] = Maximum;
            tile.PlanLog1pSums[lane] = Log1pSum;
            tile.PlanCoefficients[lane] = Coefficient;
            tile.PlanTargetScales[lane] = TargetScale;
        }
    }

    private readonly record struct RowConstants<T>(T Maximum, T Log1pSum, T Coefficient, T TargetScale)
        where T : struct, ISimdLanes<T>;

    [InlineArray(2 * Lanes)]
    private struct LaneStates
    {
        private float _element;
    }

    [InlineArray(16)]
    private struct RowPlans
    {
        private RowPlan _element;
    }

    /// <summary>Stack storage of a narrow group: rows × classes tiles (classes &lt; 32, rows ≤ 16) and lane scalars.</summary>
    private struct NarrowTile
    {
        public ClassTile Logits;
        public ClassTile Targets;
        public ClassTile Gradient;
        public LaneScalars Maxima, Sums, TargetWeights, TermSums, PlanMaxima, PlanLog1pSums, PlanCoefficients, PlanTargetScales;
    }

    [InlineArray(Lanes * 16)]
    private struct ClassTile
    {
        private float _element;
    }

    [InlineArray(16)]
    private struct LaneScalars
    {
        private float _element;
    }
}
