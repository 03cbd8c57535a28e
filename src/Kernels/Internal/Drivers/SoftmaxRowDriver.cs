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
    public float ClassWeightSum;
    public float Smoothing;
    public float ZLossWeight;
    public int? IgnoreIndex;
    public float Scale;
    public Span<float> Gradient;
    public Span<float> Losses;
    public Span<float> LogSumExp;
}

/// <summary>
/// Walks the rows of a softmax cross-entropy. Pass 1 reads a row once for its online max/sum statistics
/// (<see cref="OnlineSoftmax"/>); pass 2 reads it again to write the gradient and to sum what needs the final
/// maximum (smoothing and probability-target loss terms, and Σc≠y e^{z_c - m} when the label holds the maximum);
/// it is skipped when nothing needs it. Per-row scalars then finish the loss and the true-class gradient.
/// </summary>
/// <remarks>
/// Two layouts, chosen by C alone so every ISA computes the same bits. Rows of at least
/// <see cref="BlockedSum.LaneCount"/> classes are spread over that many logical lanes (merged by a fixed tree) and
/// finished one at a time. Shorter rows go through a small stack tile, transposed so that each vector lane holds
/// one row and classes are visited in order 0..C-1, and are finished a vector of rows at a time: a row of 10
/// classes would otherwise fill a third of a vector and spend its time in tails and per-row scalar code.
/// Both layouts share the per-element steps and the per-row math (<see cref="RowBlock{T}"/>), written once over lanes.
/// </remarks>
[SkipLocalsInit]
internal static class SoftmaxRowDriver
{
    private const int Lanes = BlockedSum.LaneCount;
    private const int MaxNarrowRows = 16;

    /// <summary>Returns Σ row losses in double, rows added in order.</summary>
    public static double Run(scoped in SoftmaxPass pass)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Run<Lanes512>(pass);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Run<Lanes256>(pass);
        }

        return Vector128.IsHardwareAccelerated ? Run<Lanes128>(pass) : Run<ScalarLanes>(pass);
    }

    private static double Run<T>(scoped in SoftmaxPass pass) where T : struct, ISimdLanes<T> =>
        pass.HasProbabilityTargets ? Run<T, FlagSet>(pass) : Run<T, FlagUnset>(pass);

    private static double Run<T, TProbabilityTargets>(scoped in SoftmaxPass pass)
        where T : struct, ISimdLanes<T>
        where TProbabilityTargets : IStaticFlag =>
        pass.ClassWeights.IsEmpty ? Run<T, TProbabilityTargets, FlagUnset>(pass) : Run<T, TProbabilityTargets, FlagSet>(pass);

    private static double Run<T, TProbabilityTargets, TClassWeights>(scoped in SoftmaxPass pass)
        where T : struct, ISimdLanes<T>
        where TProbabilityTargets : IStaticFlag
        where TClassWeights : IStaticFlag =>
        pass.Gradient.IsEmpty
            ? RunRows<T, Shape<TProbabilityTargets, TClassWeights, FlagUnset>>(pass)
            : RunRows<T, Shape<TProbabilityTargets, TClassWeights, FlagSet>>(pass);

    private static double RunRows<T, TShape>(scoped in SoftmaxPass pass)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount;
        int rows = pass.Logits.Length / classes;
        double total = 0;
        if (classes >= Lanes)
        {
            for (int row = 0; row < rows; row++)
            {
                total += WideRow<T, TShape>(pass, row);
            }

            return total;
        }

        int first = 0;
        for (; first + T.Count <= rows; first += T.Count)
        {
            total += NarrowRows<T, TShape>(pass, first);
        }

        // Leftover rows run the same per-row sequence, one row per lane.
        for (; first < rows; first++)
        {
            total += NarrowRows<ScalarLanes, TShape>(pass, first);
        }

        return total;
    }

    private static double WideRow<T, TShape>(scoped in SoftmaxPass pass, int row)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount;
        ReadOnlySpan<float> logits = pass.Logits.Slice(row * classes, classes);
        ReadOnlySpan<float> targets = TShape.ProbabilityTargets ? pass.Targets.Slice(row * classes, classes) : default;
        Span<float> gradient = TShape.WritesGradient ? pass.Gradient.Slice(row * classes, classes) : default;
        int label = TShape.ProbabilityTargets ? 0 : pass.Labels[row];
        bool ignored = !TShape.ProbabilityTargets && label == pass.IgnoreIndex;

        RowBlock<ScalarLanes> block = default;
        WideStatistics<T, TShape>(pass, logits, targets, ref block);
        if (!TShape.ProbabilityTargets)
        {
            block.Ignored = ScalarLanes.Create(ignored ? BitConverter.Int32BitsToSingle(-1) : 0f);
            block.LabelLogit = ScalarLanes.Create(ignored ? 0f : logits[label]);
            block.LabelWeight = ScalarLanes.Create(ignored ? 0f : ClassWeightAt<TShape>(pass, label));
        }

        block.Plan<TShape>(pass);
        ScalarLanes terms = default, others = default;
        bool needsTerms = NeedsTerms<TShape>(pass);
        if (!ignored && (TShape.WritesGradient || needsTerms || (!TShape.ProbabilityTargets && block.LabelDifference.Value == 0f)))
        {
            WideSecondPass<T, TShape>(pass, logits, targets, gradient, label, block, needsTerms, out terms, out others);
        }

        ScalarLanes loss = block.Finish<TShape>(pass, terms, others, out ScalarLanes labelGradient);
        if (TShape.WritesGradient)
        {
            if (ignored)
            {
                gradient.Clear();
            }
            else if (!TShape.ProbabilityTargets)
            {
                gradient[label] = labelGradient.Value;
            }
        }

        WriteRowOutputs(pass, row, loss, block.LogSumExp);
        return loss.Value;
    }

    private static void WideStatistics<T, TShape>(scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, ref RowBlock<ScalarLanes> block)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        Unsafe.SkipInit(out LaneStates states);
        ref float maxima = ref Unsafe.As<LaneStates, float>(ref states);
        ref float sums = ref Unsafe.Add(ref maxima, Lanes);
        for (int lane = 0; lane < Lanes; lane++)
        {
            Unsafe.Add(ref maxima, lane) = OnlineSoftmax.EmptyMaximum;
            Unsafe.Add(ref sums, lane) = OnlineSoftmax.EmptySum;
        }

        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float t = ref MemoryMarshal.GetReference(targets);
        ref float w = ref MemoryMarshal.GetReference(pass.ClassWeights);
        ElementConstants constants = new(pass);
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
                    nuint at = i + (nuint)lane;
                    StatisticsStep(ref maxima, ref sums, lane, T.Load(ref z, at));
                    if (TShape.ProbabilityTargets)
                    {
                        targetWeight.Add(TargetWeight<T, TShape>(constants, T.Load(ref t, at), ref w, at), lane);
                    }
                }
            }

            for (; i < blockEnd; i++)
            {
                int lane = (int)(i % Lanes);
                StatisticsStep(ref maxima, ref sums, lane, ScalarLanes.Load(ref z, i));
                if (TShape.ProbabilityTargets)
                {
                    targetWeight.Add(TargetWeight<ScalarLanes, TShape>(constants, ScalarLanes.Load(ref t, i), ref w, i), lane);
                }
            }

            targetWeight.FoldBlock();
        }

        // Fixed merge tree over the logical lanes: lane j absorbs lane j + half, for half = 16, 8, 4, 2, 1.
        for (int half = Lanes / 2; half >= 1; half /= 2)
        {
            MergeHalves(ref maxima, ref sums, half);
        }

        block.Maximum = ScalarLanes.Create(maxima);
        block.Sum = ScalarLanes.Create(sums);
        block.TargetWeight = ScalarLanes.Create((float)targetWeight.Total());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StatisticsStep<T>(ref float maxima, ref float sums, int lane, T logit) where T : struct, ISimdLanes<T>
    {
        T maximum = T.Load(ref maxima, (nuint)lane);
        T sum = T.Load(ref sums, (nuint)lane);
        OnlineSoftmax.Merge(ref maximum, ref sum, logit, T.Create(0f));
        T.Store(maximum, ref maxima, (nuint)lane);
        T.Store(sum, ref sums, (nuint)lane);
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

    private static void WideSecondPass<T, TShape>(
        scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, int label,
        in RowBlock<ScalarLanes> block, bool needsTerms, out ScalarLanes termSum, out ScalarLanes otherSum)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float t = ref MemoryMarshal.GetReference(targets);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float w = ref MemoryMarshal.GetReference(pass.ClassWeights);
        ElementConstants constants = new(pass);
        RowConstants<ScalarLanes> tailRow = block.Constants();
        RowConstants<T> row = new(
            T.Create(tailRow.Maximum.Value), T.Create(tailRow.Log1pSum.Value), T.Create(tailRow.Coefficient.Value), T.Create(tailRow.TargetScale.Value));
        T laneIndices = T.Load(ref MemoryMarshal.GetReference(LaneIndices), 0);
        BlockedSum terms = default, others = default;
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
                    T weight = ElementWeight<T, TShape>(constants, ref t, ref w, at);
                    // The label's own e^{z_y - m} is left out of Σ others (only the vector holding it needs a mask).
                    T labelMask = (nuint)(label - (int)at) < (nuint)T.Count ? T.EqualTo(laneIndices, T.Create(label - (int)at)) : default;
                    T term = SecondPassStep<T, TShape>(T.Load(ref z, at), weight, labelMask, row, needsTerms, out T other, out T elementGradient);
                    if (TShape.WritesGradient)
                    {
                        T.Store(elementGradient, ref g, at);
                    }

                    if (needsTerms)
                    {
                        terms.Add(term, lane);
                    }

                    if (!TShape.ProbabilityTargets)
                    {
                        others.Add(other, lane);
                    }
                }
            }

            for (; i < blockEnd; i++)
            {
                ScalarLanes weight = ElementWeight<ScalarLanes, TShape>(constants, ref t, ref w, i);
                ScalarLanes labelMask = ScalarLanes.EqualTo(ScalarLanes.Create(label), ScalarLanes.Create(i));
                ScalarLanes term = SecondPassStep<ScalarLanes, TShape>(ScalarLanes.Load(ref z, i), weight, labelMask, tailRow, needsTerms, out ScalarLanes other, out ScalarLanes elementGradient);
                if (TShape.WritesGradient)
                {
                    ScalarLanes.Store(elementGradient, ref g, i);
                }

                int lane = (int)(i % Lanes);
                if (needsTerms)
                {
                    terms.Add(term, lane);
                }

                if (!TShape.ProbabilityTargets)
                {
                    others.Add(other, lane);
                }
            }

            terms.FoldBlock();
            others.FoldBlock();
        }

        termSum = ScalarLanes.Create((float)terms.Total());
        otherSum = ScalarLanes.Create((float)others.Total());
    }

    /// <summary>
    /// One element of pass 2. Gradient: s·(A'·p_c - a_c) = e^{z - m}·Coefficient - TargetScale·v_c. Loss term:
    /// v_c·((m - z) + log1p(t)) (v_c is a_c up to the constant ε/C for labels). Other: e^{z - m} outside the label.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T SecondPassStep<T, TShape>(T logit, T weight, T labelMask, in RowConstants<T> row, bool needsTerms, out T other, out T gradient)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        T exponential = LossMath.ExpOfDifference(row.Maximum, logit, out T difference);
        gradient = TShape.WritesGradient
            ? T.FusedMultiplyAdd(exponential, row.Coefficient, -(row.TargetScale * weight))
            : default;
        other = TShape.ProbabilityTargets ? default : T.Select(labelMask, T.Create(0f), exponential);
        return needsTerms ? weight * (difference + row.Log1pSum) : default;
    }

    /// <summary>v_c: a_c = w_c·((1-ε)·t_c + ε/C) for probability targets, w_c for labels (ε/C applied per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ElementWeight<T, TShape>(in ElementConstants constants, ref float targets, ref float classWeights, nuint i)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape =>
        TShape.ProbabilityTargets ? TargetWeight<T, TShape>(constants, T.Load(ref targets, i), ref classWeights, i)
        : TShape.ClassWeights ? T.Load(ref classWeights, i)
        : T.Create(1f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T TargetWeight<T, TShape>(in ElementConstants constants, T target, ref float classWeights, nuint classIndex)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        T smoothed = T.FusedMultiplyAdd(T.Create(constants.KeptShare), target, T.Create(constants.SmoothingShare));
        return TShape.ClassWeights ? smoothed * T.Load(ref classWeights, classIndex) : smoothed;
    }

    /// <summary>T.Count rows at once, one row per lane, classes visited in order 0..C-1 (C &lt; 32).</summary>
    private static double NarrowRows<T, TShape>(scoped in SoftmaxPass pass, int firstRow)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount, width = T.Count;
        // Every tile element that is read is written first; skipping the zeroing saves ~7 KB of stores per group.
        Unsafe.SkipInit(out NarrowTile tile);
        ref float logitTile = ref tile.Logits[0];
        ref float targetTile = ref tile.Targets[0];
        ref float gradientTile = ref tile.Gradient[0];
        ref float w = ref MemoryMarshal.GetReference(pass.ClassWeights);
        Transpose(pass.Logits, firstRow, classes, width, ref logitTile);
        if (TShape.ProbabilityTargets)
        {
            Transpose(pass.Targets, firstRow, classes, width, ref targetTile);
        }

        ElementConstants constants = new(pass);
        RowBlock<T> block = default;
        T maximum = T.Create(OnlineSoftmax.EmptyMaximum), sum = T.Create(OnlineSoftmax.EmptySum), targetWeight = T.Create(0f);
        for (int c = 0; c < classes; c++)
        {
            nuint at = (nuint)(c * width);
            OnlineSoftmax.Merge(ref maximum, ref sum, T.Load(ref logitTile, at), T.Create(0f));
            if (TShape.ProbabilityTargets)
            {
                targetWeight += TargetWeight<T, TShape>(constants, T.Load(ref targetTile, at), ref w, (nuint)c);
            }
        }

        block.Maximum = maximum;
        block.Sum = sum;
        block.TargetWeight = targetWeight;
        bool anyActive = true;
        if (!TShape.ProbabilityTargets)
        {
            anyActive = false;
            for (int r = 0; r < width; r++)
            {
                int label = pass.Labels[firstRow + r];
                bool ignored = label == pass.IgnoreIndex;
                anyActive |= !ignored;
                tile.Ignored[r] = ignored ? BitConverter.Int32BitsToSingle(-1) : 0f;
                tile.LabelIndices[r] = ignored ? -1f : label;
                tile.LabelLogits[r] = ignored ? 0f : Unsafe.Add(ref logitTile, label * width + r);
                tile.LabelWeights[r] = ignored ? 0f : ClassWeightAt<TShape>(pass, label);
            }

            block.Ignored = T.Load(ref tile.Ignored[0], 0);
            block.LabelLogit = T.Load(ref tile.LabelLogits[0], 0);
            block.LabelWeight = T.Load(ref tile.LabelWeights[0], 0);
        }

        block.Plan<TShape>(pass);
        bool needsTerms = NeedsTerms<TShape>(pass);
        T terms = default, others = default;
        bool labelHoldsMaximum = !TShape.ProbabilityTargets && T.AnyBitSet(T.EqualTo(block.LabelDifference, T.Create(0f)));
        if (anyActive && (TShape.WritesGradient || needsTerms || labelHoldsMaximum))
        {
            RowConstants<T> row = block.Constants();
            T labels = T.Load(ref tile.LabelIndices[0], 0);
            for (int c = 0; c < classes; c++)
            {
                nuint at = (nuint)(c * width);
                T weight = TShape.ProbabilityTargets ? TargetWeight<T, TShape>(constants, T.Load(ref targetTile, at), ref w, (nuint)c)
                    : T.Create(TShape.ClassWeights ? Unsafe.Add(ref w, c) : 1f);
                T labelMask = TShape.ProbabilityTargets ? default : T.EqualTo(labels, T.Create(c));
                T term = SecondPassStep<T, TShape>(T.Load(ref logitTile, at), weight, labelMask, row, needsTerms, out T other, out T elementGradient);
                if (TShape.WritesGradient)
                {
                    T.Store(elementGradient, ref gradientTile, at);
                }

                terms += term;
                others += other;
            }
        }

        T loss = block.Finish<TShape>(pass, terms, others, out T labelGradient);
        if (TShape.WritesGradient)
        {
            if (!TShape.ProbabilityTargets)
            {
                ref float labelGradients = ref tile.LabelGradients[0];
                T.Store(labelGradient, ref labelGradients, 0);
                for (int r = 0; r < width; r++)
                {
                    int label = pass.Labels[firstRow + r];
                    if (label == pass.IgnoreIndex)
                    {
                        for (int c = 0; c < classes; c++)
                        {
                            Unsafe.Add(ref gradientTile, c * width + r) = 0f;
                        }
                    }
                    else
                    {
                        Unsafe.Add(ref gradientTile, label * width + r) = Unsafe.Add(ref labelGradients, r);
                    }
                }
            }

            TransposeBack(ref gradientTile, pass.Gradient, firstRow, classes, width);
        }

        ref float losses = ref tile.RowLosses[0];
        ref float logSumExps = ref tile.RowLogSumExps[0];
        T.Store(loss, ref losses, 0);
        T.Store(block.LogSumExp, ref logSumExps, 0);
        double total = 0;
        for (int r = 0; r < width; r++)
        {
            WriteRowOutputs(pass, firstRow + r, ScalarLanes.Create(Unsafe.Add(ref losses, r)), ScalarLanes.Create(Unsafe.Add(ref logSumExps, r)));
            total += Unsafe.Add(ref losses, r);
        }

        return total;
    }

    /// <summary>Copies rows firstRow.. (width of them, C each) into the tile as columns: tile[c·width + r].</summary>
    private static void Transpose(ReadOnlySpan<float> source, int firstRow, int classes, int width, ref float tile)
    {
        ref float rows = ref MemoryMarshal.GetReference(source.Slice(firstRow * classes, width * classes));
        for (int r = 0; r < width; r++)
        {
            ref float row = ref Unsafe.Add(ref rows, r * classes);
            for (int c = 0; c < classes; c++)
            {
                Unsafe.Add(ref tile, c * width + r) = Unsafe.Add(ref row, c);
            }
        }
    }

    private static void TransposeBack(ref float tile, Span<float> destination, int firstRow, int classes, int width)
    {
        ref float rows = ref MemoryMarshal.GetReference(destination.Slice(firstRow * classes, width * classes));
        for (int r = 0; r < width; r++)
        {
            ref float row = ref Unsafe.Add(ref rows, r * classes);
            for (int c = 0; c < classes; c++)
            {
                Unsafe.Add(ref row, c) = Unsafe.Add(ref tile, c * width + r);
            }
        }
    }

    private static void WriteRowOutputs(scoped in SoftmaxPass pass, int row, ScalarLanes loss, ScalarLanes logSumExp)
    {
        if (!pass.Losses.IsEmpty)
        {
            pass.Losses[row] = loss.Value;
        }

        if (!pass.LogSumExp.IsEmpty)
        {
            pass.LogSumExp[row] = logSumExp.Value;
        }
    }

    private static float ClassWeightAt<TShape>(scoped in SoftmaxPass pass, int classIndex) where TShape : ISoftmaxShape =>
        TShape.ClassWeights ? pass.ClassWeights[classIndex] : 1f;

    /// <summary>Loss terms Σ v_c·(lse - z_c) are needed for probability targets and for label smoothing.</summary>
    private static bool NeedsTerms<TShape>(scoped in SoftmaxPass pass) where TShape : ISoftmaxShape =>
        TShape.ProbabilityTargets || pass.Smoothing != 0f;

    private static ReadOnlySpan<float> LaneIndices => [0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f];

    /// <summary>Per-call constants used per element.</summary>
    private readonly struct ElementConstants(scoped in SoftmaxPass pass)
    {
        public readonly float KeptShare = 1f - pass.Smoothing;
        public readonly float SmoothingShare = pass.Smoothing / pass.ClassCount;
    }

    /// <summary>
    /// The per-row math of a block of rows (one per lane), written once for the wide layout (one row, scalar lanes)
    /// and the narrow one (a vector of rows).
    /// </summary>
    private struct RowBlock<T> where T : struct, ISimdLanes<T>
    {
        // Inputs: pass-1 statistics and, for labels, the label's logit and weight and the ignored mask.
        public T Maximum, Sum, TargetWeight, LabelLogit, LabelWeight, Ignored;

        // Derived by Plan.
        public T Log1pSum, LogSumExp, LabelDifference, TotalWeight, Coefficient, TargetScale, RowScale;

        /// <summary>
        /// lse = m + log1p(t); A = Σ a_c ((1-ε)·w_y + (ε/C)·Σw for labels); A' = A + 2λ·lse;
        /// Coefficient = s·A'/(1+t); TargetScale = s·ε/C (labels) or s; ignored rows get s = 0.
        /// </summary>
        public void Plan<TShape>(scoped in SoftmaxPass pass) where TShape : ISoftmaxShape
        {
            T one = T.Create(1f);
            Log1pSum = LossMath.Log1p(Sum);
            LogSumExp = Maximum + Log1pSum;
            RowScale = TShape.ProbabilityTargets ? T.Create(pass.Scale) : T.Select(Ignored, T.Create(0f), T.Create(pass.Scale));
            float smoothingShare = pass.Smoothing / pass.ClassCount;
            if (TShape.ProbabilityTargets)
            {
                TotalWeight = TargetWeight;
            }
            else
            {
                LabelDifference = OnlineSoftmax.DifferenceFromMaximum(Maximum, LabelLogit);
                TotalWeight = T.FusedMultiplyAdd(T.Create(1f - pass.Smoothing), LabelWeight, T.Create(smoothingShare * pass.ClassWeightSum));
            }

            if (pass.ZLossWeight != 0f)
            {
                TotalWeight = T.FusedMultiplyAdd(T.Create(2f * pass.ZLossWeight), LogSumExp, TotalWeight);
            }

            Coefficient = RowScale * TotalWeight / (one + Sum);
            TargetScale = TShape.ProbabilityTargets ? RowScale : RowScale * T.Create(smoothingShare);
        }

        public readonly RowConstants<T> Constants() => new(Maximum, Log1pSum, Coefficient, TargetScale);

        /// <summary>
        /// The row loss Σ a_c·(lse - z_c) + λ·lse² and, for labels, the true-class gradient
        /// s·(A'·(p_y - 1) + (ε/C)·(Σw - w_y) + 2λ·lse) with p_y - 1 = -(Σc≠y e^{z_c - m})/(1+t) when the label
        /// holds the maximum (no cancellation), e^{z_y - m}/(1+t) - 1 (≤ -½) otherwise. Ignored rows: loss 0.
        /// </summary>
        public readonly T Finish<TShape>(scoped in SoftmaxPass pass, T terms, T others, out T labelGradient) where TShape : ISoftmaxShape
        {
            T zLoss = pass.ZLossWeight == 0f ? T.Create(0f) : T.Create(pass.ZLossWeight) * LogSumExp * LogSumExp;
            if (TShape.ProbabilityTargets)
            {
                labelGradient = default;
                return terms + zLoss;
            }

            T one = T.Create(1f), zero = T.Create(0f);
            T labelHoldsMaximum = T.EqualTo(LabelDifference, zero);
            T labelLoss = T.Select(labelHoldsMaximum, LossMath.Log1p(others), LabelDifference + Log1pSum);
            float smoothingShare = pass.Smoothing / pass.ClassCount;
            T smoothingLoss = pass.Smoothing == 0f ? zLoss : T.FusedMultiplyAdd(T.Create(smoothingShare), terms, zLoss);
            T loss = T.FusedMultiplyAdd(T.Create(1f - pass.Smoothing) * LabelWeight, labelLoss, smoothingLoss);

            T denominator = one + Sum;
            T labelExponential = LossMath.ExpOfDifference(Maximum, LabelLogit, out _);
            T probabilityMinusOne = T.Select(labelHoldsMaximum, -others / denominator, labelExponential / denominator - one);
            T remainder = T.Create(smoothingShare) * (T.Create(pass.ClassWeightSum) - LabelWeight);
            if (pass.ZLossWeight != 0f)
            {
                remainder = T.FusedMultiplyAdd(T.Create(2f * pass.ZLossWeight), LogSumExp, remainder);
            }

            labelGradient = RowScale * T.FusedMultiplyAdd(TotalWeight, probabilityMinusOne, remainder);
            return T.Select(Ignored, zero, loss);
        }
    }

    private readonly record struct RowConstants<T>(T Maximum, T Log1pSum, T Coefficient, T TargetScale)
        where T : struct, ISimdLanes<T>;

    /// <summary>Which inputs and outputs a call has, as compile-time constants.</summary>
    private interface ISoftmaxShape
    {
        static abstract bool ProbabilityTargets { get; }
        static abstract bool ClassWeights { get; }
        static abstract bool WritesGradient { get; }
    }

    private readonly struct Shape<TProbabilityTargets, TClassWeights, TWritesGradient> : ISoftmaxShape
        where TProbabilityTargets : IStaticFlag
        where TClassWeights : IStaticFlag
        where TWritesGradient : IStaticFlag
    {
        public static bool ProbabilityTargets => TProbabilityTargets.IsSet;
        public static bool ClassWeights => TClassWeights.IsSet;
        public static bool WritesGradient => TWritesGradient.IsSet;
    }

    [InlineArray(2 * Lanes)]
    private struct LaneStates
    {
        private float _element;
    }

    /// <summary>Stack storage of a narrow group: classes × rows tiles (C &lt; 32, rows ≤ 16) and per-row lanes.</summary>
    private struct NarrowTile
    {
        public ClassTile Logits, Targets, Gradient;
        public RowLanes Ignored, LabelIndices, LabelLogits, LabelWeights, LabelGradients, RowLosses, RowLogSumExps;
    }

    [InlineArray(Lanes * MaxNarrowRows)]
    private struct ClassTile
    {
        private float _element;
    }

    [InlineArray(MaxNarrowRows)]
    private struct RowLanes
    {
        private float _element;
    }
}
