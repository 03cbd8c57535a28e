using System.Numerics;
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
    public double ExactScale;
    public Span<float> Gradient;
    public Span<float> Losses;
    public Span<float> LogSumExp;
}

/// <summary>
/// Walks the rows of a softmax cross-entropy: a statistics pass (row maximum m and t = Σ e^{z - m} without the
/// maximum's own 1), then a gradient pass that also sums what needs the final maximum (smoothing and
/// probability-target loss terms, and Σc≠y e^{z_c - m} in double when the label holds the maximum); the second
/// pass is skipped when nothing needs it. Per-row math then finishes the loss and the true-class gradient.
/// </summary>
/// <remarks>
/// Two layouts, chosen by C alone (<see cref="NarrowClassLimit"/>) so every ISA computes the same bits.
/// Wide rows are spread over <see cref="LaneSum.LaneCount"/> logical lanes and finished one at a time: pass 1 takes the row in L1-sized chunks (<see cref="OnlineSoftmax.AddChunk{T}"/>:
/// the chunk's lane maxima, then one exponential per element), lanes merged by a fixed tree; pass 2 writes the
/// gradient. The row is read from memory twice and written once.
/// Narrower rows are taken T.Count at a time into a stack tile, transposed so that each vector lane holds one
/// row and classes are visited in order 0..C-1 (a row of 10 classes would otherwise fill a third of a vector
/// and spend its time in tails and per-row scalar code), and finished a vector of rows at a time. Pass 1 runs on the tile against the rows' final
/// maxima, which already gives the exact Σ others; the gradient is then written straight from the logits in
/// row-major order, each element taking its row's constants by a lane permutation.
/// Both layouts share the per-element steps and the per-row math (<see cref="RowBlock{T}"/>), written once over lanes.
/// </remarks>
[SkipLocalsInit]
internal static class SoftmaxRowDriver
{
    private const int Lanes = LaneSum.LaneCount;
    private const int MaxNarrowRows = 16;

    /// <summary>
    /// Rows of fewer classes take the narrow layout (one row per lane). A wide row pays a fixed cost (lane merge
    /// tree, scalar tails, per-row finishing) of a few hundred ns, so the narrow layout measured faster up to
    /// C ≈ 500 (C = 100: 1.1 against 4.0 ns per element; C = 256: 1.4 against 1.9; C = 1000: 1.8 against 1.4).
    /// 256 bounds the stack a call uses: a 17 KB logit tile and a 16 KB row-index table, plus 16–17 KB each for class
    /// weights and probability targets when given (33–66 KB).
    /// </summary>
    private const int NarrowClassLimit = 256;

    /// <summary>
    /// Elements per pass-1 chunk (8 KB): small enough that the chunk's second visit (its exponentials, after its
    /// maximum) hits L1, large enough that the per-chunk rescale of the lane sums (one exp per lane) is noise.
    /// </summary>
    private const int ChunkLength = 2048;

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
        if (classes >= NarrowClassLimit)
        {
            for (int row = 0; row < rows; row++)
            {
                total += WideRow<T, TShape>(pass, row);
            }

            return total;
        }

        // Element e of a group of rows (row-major) belongs to row e / C and class e % C.
        Span<int> rowOfElement = stackalloc int[NarrowClassLimit * MaxNarrowRows];
        Span<float> classWeightOfElement = stackalloc float[TShape.ClassWeights ? NarrowClassLimit * MaxNarrowRows : 0];
        for (int row = 0, e = 0; row < MaxNarrowRows; row++)
        {
            for (int c = 0; c < classes; c++, e++)
            {
                rowOfElement[e] = row;
                if (TShape.ClassWeights)
                {
                    classWeightOfElement[e] = pass.ClassWeights[c];
                }
            }
        }

        int first = 0;
        for (; first + T.Count <= rows; first += T.Count)
        {
            total += NarrowRows<T, TShape>(pass, first, rowOfElement, classWeightOfElement);
        }

        // Leftover rows run the same per-row sequence, one row per lane.
        for (; first < rows; first++)
        {
            total += NarrowRows<ScalarLanes, TShape>(pass, first, rowOfElement, classWeightOfElement);
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
        SecondPassSums<ScalarLanes> sums = default;
        Unsafe.SkipInit(out DoubleRowLanes othersInDouble);
        othersInDouble[0] = 0;
        bool needsTerms = NeedsTerms<TShape>(pass);
        bool labelHoldsMaximum = !TShape.ProbabilityTargets && block.LabelDifference.Value == 0f;
        if (!ignored && (TShape.WritesGradient || needsTerms || labelHoldsMaximum))
        {
            sums = WideSecondPass<T, TShape>(pass, logits, targets, gradient, block, needsTerms, needsTerms || labelHoldsMaximum, out othersInDouble[0]);
        }

        ScalarLanes loss = block.Finish<TShape>(pass, sums);
        if (TShape.WritesGradient)
        {
            if (ignored)
            {
                gradient.Clear();
            }
            else if (!TShape.ProbabilityTargets)
            {
                othersInDouble[0] += sums.Ties.Value - 1f;
                gradient[label] = block.ExactLabelGradient(pass, ref othersInDouble[0]).Value;
            }
        }

        WriteRowOutputs(pass, row, loss, block.LogSumExp);
        return LossMath.CanonicalNaN(loss.Value);
    }

    private static void WideStatistics<T, TShape>(scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, ref RowBlock<ScalarLanes> block)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        Unsafe.SkipInit(out LaneStates states);
        ref float maxima = ref Unsafe.As<LaneStates, float>(ref states);
        ref float sums = ref Unsafe.Add(ref maxima, Lanes);
        ref float ties = ref Unsafe.Add(ref maxima, 2 * Lanes);
        for (nuint lane = 0; lane < Lanes; lane += (nuint)T.Count)
        {
            T.Store(T.Create(OnlineSoftmax.EmptyMaximum), ref maxima, lane);
            T.Store(T.Create(0f), ref sums, lane);
            T.Store(T.Create(0f), ref ties, lane);
        }

        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float t = ref MemoryMarshal.GetReference(targets);
        ref float w = ref MemoryMarshal.GetReference(pass.ClassWeights);
        ElementConstants constants = new(pass);
        LaneSum targetWeight = default;
        nuint length = (nuint)logits.Length, i = 0;
        nuint groupsEnd = length & ~(nuint)(Lanes - 1);
        for (nuint chunk = 0; chunk < groupsEnd; chunk += ChunkLength)
        {
            i = chunk;
            nuint chunkEnd = nuint.Min(i + ChunkLength, groupsEnd);
            for (int lane = 0; lane < Lanes; lane += T.Count)
            {
                ref float first = ref Unsafe.Add(ref z, i + (nuint)lane);
                nuint count = (chunkEnd - i) / Lanes;
                T maximum = T.Load(ref maxima, (nuint)lane);
                T sum = T.Load(ref sums, (nuint)lane);
                T tieCount = T.Load(ref ties, (nuint)lane);
                OnlineSoftmax.AddChunk(ref maximum, ref sum, ref tieCount, ref first, count, Lanes);
                T.Store(maximum, ref maxima, (nuint)lane);
                T.Store(sum, ref sums, (nuint)lane);
                T.Store(tieCount, ref ties, (nuint)lane);
                if (TShape.ProbabilityTargets)
                {
                    for (nuint at = i + (nuint)lane; at < chunkEnd; at += Lanes)
                    {
                        targetWeight.Add(TargetWeight<T, TShape>(constants, T.Load(ref t, at), ClassWeights<T, TShape>(ref w, at)), lane);
                    }
                }
            }
        }

        for (nuint lane = 0; lane < Lanes; lane += (nuint)T.Count)
        {
            T.Store(OnlineSoftmax.SumExcludingMaximum(T.Load(ref sums, lane), T.Load(ref ties, lane)), ref sums, lane);
        }

        // The C mod 32 last elements fall in lanes 0.. in order; each is merged into its lane as the state (z, 0),
        // a vector of lanes at a time, lanes past the end taking the empty state (-∞, -1), which a merge absorbs
        // exactly (same bits as merging the elements one by one, without a scalar exponential each).
        int tail = (int)(length - groupsEnd);
        if (tail > 0)
        {
            Unsafe.SkipInit(out LaneStates padded);
            ref float tailLogits = ref Unsafe.As<LaneStates, float>(ref padded);
            ref float tailSums = ref Unsafe.Add(ref tailLogits, Lanes);
            for (int lane = 0; lane < Lanes; lane++)
            {
                bool inRow = lane < tail;
                Unsafe.Add(ref tailLogits, lane) = inRow ? Unsafe.Add(ref z, groupsEnd + (nuint)lane) : OnlineSoftmax.EmptyMaximum;
                Unsafe.Add(ref tailSums, lane) = inRow ? 0f : -1f;
            }

            for (nuint lane = 0; lane < (nuint)tail; lane += (nuint)T.Count)
            {
                T maximum = T.Load(ref maxima, lane);
                T sum = T.Load(ref sums, lane);
                OnlineSoftmax.Merge(ref maximum, ref sum, T.Load(ref tailLogits, lane), T.Load(ref tailSums, lane));
                T.Store(maximum, ref maxima, lane);
                T.Store(sum, ref sums, lane);
            }

            if (TShape.ProbabilityTargets)
            {
                for (i = groupsEnd; i < length; i++)
                {
                    targetWeight.Add(TargetWeight<ScalarLanes, TShape>(constants, ScalarLanes.Load(ref t, i), ClassWeights<ScalarLanes, TShape>(ref w, i)), (int)(i % Lanes));
                }
            }
        }

        // Fixed merge tree over the logical lanes: lane j absorbs lane j + half, for half = 16, 8, 4, 2, 1.
        for (int half = Lanes / 2; half >= 1; half /= 2)
        {
            MergeHalves(ref maxima, ref sums, half);
        }

        block.Maximum = ScalarLanes.Create(maxima);
        block.Sum = ScalarLanes.Create(sums);
        block.TargetWeight = ScalarLanes.Create(TShape.ProbabilityTargets ? (float)targetWeight.Total() : 0f);
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

    /// <summary>
    /// Pass 2 of one wide row, instantiated for its two common cheap cases: a finite maximum (no ∞ - ∞ guards, and
    /// no NaN to canonicalize for labels without class weights) and no sums (only the gradient is needed).
    /// </summary>
    private static SecondPassSums<ScalarLanes> WideSecondPass<T, TShape>(
        scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient,
        in RowBlock<ScalarLanes> block, bool needsTerms, bool needsOthers, out double othersInDouble)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        // A NaN logit shows in t, not always in m (pass 1 takes chunk maxima that skip NaN): such a row takes the
        // canonicalizing form.
        bool finite = float.IsFinite(block.Maximum.Value) && !float.IsNaN(block.Sum.Value);
        bool sums = needsTerms || needsOthers;
        return (finite, sums) switch
        {
            (true, false) => WideSecondPass<T, TShape, FlagUnset, FlagUnset>(pass, logits, targets, gradient, block, needsTerms, needsOthers, out othersInDouble),
            (true, true) => WideSecondPass<T, TShape, FlagUnset, FlagSet>(pass, logits, targets, gradient, block, needsTerms, needsOthers, out othersInDouble),
            (false, false) => WideSecondPass<T, TShape, FlagSet, FlagUnset>(pass, logits, targets, gradient, block, needsTerms, needsOthers, out othersInDouble),
            (false, true) => WideSecondPass<T, TShape, FlagSet, FlagSet>(pass, logits, targets, gradient, block, needsTerms, needsOthers, out othersInDouble),
        };
    }

    private static SecondPassSums<ScalarLanes> WideSecondPass<T, TShape, TInfiniteMaximum, TSums>(
        scoped in SoftmaxPass pass, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient,
        in RowBlock<ScalarLanes> block, bool needsTerms, bool needsOthers, out double othersInDouble)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TInfiniteMaximum : IStaticFlag
        where TSums : IStaticFlag
    {
        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float t = ref MemoryMarshal.GetReference(targets);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float w = ref MemoryMarshal.GetReference(pass.ClassWeights);
        ElementConstants constants = new(pass);
        RowConstants<ScalarLanes> tailRow = block.Constants();
        RowConstants<T> row = new(T.Create(tailRow.Maximum.Value), T.Create(tailRow.Coefficient.Value), T.Create(tailRow.NegatedTargetScale.Value));
        LaneSum differences = default, others = default, ties = default;
        nuint length = (nuint)logits.Length, i = 0;
        nuint groupsEnd = length & ~(nuint)(Lanes - 1);
        for (; i < groupsEnd; i += Lanes)
        {
            for (int lane = 0; lane < Lanes; lane += T.Count)
            {
                nuint at = i + (nuint)lane;
                T weight = ElementWeight<T, TShape>(constants, ref t, ClassWeights<T, TShape>(ref w, at), at);
                SecondPassSums<T> step = SecondPassStep<T, TShape, TInfiniteMaximum>(T.Load(ref z, at), weight, row, needsTerms, out T elementGradient);
                if (TShape.WritesGradient)
                {
                    T.Store(elementGradient, ref g, at);
                }

                if (TSums.IsSet)
                {
                    step.AddTo(ref differences, ref others, ref ties, lane, needsTerms, needsOthers);
                }
            }
        }

        for (; i < length; i++)
        {
            ScalarLanes weight = ElementWeight<ScalarLanes, TShape>(constants, ref t, ClassWeights<ScalarLanes, TShape>(ref w, i), i);
            SecondPassSums<ScalarLanes> step = SecondPassStep<ScalarLanes, TShape, TInfiniteMaximum>(ScalarLanes.Load(ref z, i), weight, tailRow, needsTerms, out ScalarLanes elementGradient);
            if (TShape.WritesGradient)
            {
                ScalarLanes.Store(elementGradient, ref g, i);
            }

            step.AddTo(ref differences, ref others, ref ties, (int)(i % Lanes), needsTerms, needsOthers);
        }

        // Each total is 32 dependent double additions: only worth it when the row uses them.
        if (!TSums.IsSet)
        {
            othersInDouble = 0;
            return default;
        }

        othersInDouble = others.Total();
        return new SecondPassSums<ScalarLanes>(
            ScalarLanes.Create((float)differences.Total()), ScalarLanes.Create((float)othersInDouble), ScalarLanes.Create((float)ties.Total()));
    }

    /// <summary>
    /// One element of pass 2. Gradient: s·(A'·p_c - a_c) = e^{z - m}·Coefficient - TargetScale·v_c (v_c is a_c,
    /// up to the constant ε/C for labels). Sums: v_c·(m - z) (0 when v_c = 0, so 0·∞ never appears), e^{z - m}
    /// for z ≠ m, and the count of z = m.
    /// </summary>
    /// <remarks>
    /// With a finite maximum, labels and no class weights every operand of the gradient is finite, so it needs no
    /// NaN canonicalization (<typeparamref name="TInfiniteMaximum"/> unset).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SecondPassSums<T> SecondPassStep<T, TShape, TInfiniteMaximum>(T logit, T weight, in RowConstants<T> row, bool needsTerms, out T gradient)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TInfiniteMaximum : IStaticFlag
    {
        T exponential = LossMath.ExpOfDifference<T, TInfiniteMaximum>(row.Maximum, logit, out T difference);
        if (TShape.WritesGradient)
        {
            gradient = T.FusedMultiplyAdd(exponential, row.Coefficient, row.NegatedTargetScale * weight);
            if (TInfiniteMaximum.IsSet || TShape.ProbabilityTargets || TShape.ClassWeights)
            {
                gradient = LossMath.CanonicalNaN(gradient);
            }
        }
        else
        {
            gradient = default;
        }

        T zero = T.Create(0f);
        T isMaximum = T.EqualTo(difference, zero);
        T weightedDifference = needsTerms ? T.Select(T.EqualTo(weight, zero), zero, weight * difference) : default;
        return new SecondPassSums<T>(weightedDifference, T.Select(isMaximum, zero, exponential), T.Select(isMaximum, T.Create(1f), zero));
    }

    /// <summary>v_c: a_c = w_c·((1-ε)·t_c + ε/C) for probability targets, w_c for labels (ε/C applied per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ElementWeight<T, TShape>(in ElementConstants constants, ref float targets, T classWeight, nuint i)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape =>
        TShape.ProbabilityTargets ? TargetWeight<T, TShape>(constants, T.Load(ref targets, i), classWeight) : classWeight;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T TargetWeight<T, TShape>(in ElementConstants constants, T target, T classWeight)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        T smoothed = T.FusedMultiplyAdd(T.Create(constants.KeptShare), target, T.Create(constants.SmoothingShare));
        return TShape.ClassWeights ? smoothed * classWeight : smoothed;
    }

    /// <summary>The class weights of the classes at <paramref name="i"/>.. (1 without weights).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ClassWeights<T, TShape>(ref float classWeights, nuint i)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape =>
        TShape.ClassWeights ? T.Load(ref classWeights, i) : T.Create(1f);

    /// <summary>T.Count rows at once, one row per lane, classes visited in order 0..C-1 (C &lt; <see cref="NarrowClassLimit"/>).</summary>
    private static double NarrowRows<T, TShape>(scoped in SoftmaxPass pass, int firstRow, ReadOnlySpan<int> rowOfElement, ReadOnlySpan<float> classWeightOfElement)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount, width = T.Count;
        // Every tile element that is read is written first; skipping the zeroing saves ~7 KB of stores per group.
        Unsafe.SkipInit(out NarrowTile tile);
        ref float logitTile = ref tile.Logits[0];
        // Only probability targets need a tile of their own (17 KB of stack otherwise left unused).
        Span<float> targets = stackalloc float[TShape.ProbabilityTargets ? (NarrowClassLimit + MaxNarrowRows) * MaxNarrowRows : 0];
        ref float targetTile = ref MemoryMarshal.GetReference(targets);
        Transpose<T>(pass.Logits, firstRow, classes, ref logitTile);
        if (TShape.ProbabilityTargets)
        {
            Transpose<T>(pass.Targets, firstRow, classes, ref targetTile);
        }

        ElementConstants constants = new(pass);
        // Every field is assigned before it is read (Plan derives the rest): zeroing 13 vectors per group was
        // a measurable memset.
        Unsafe.SkipInit(out RowBlock<T> block);
        Unsafe.SkipInit(out DoubleRowLanes othersInDouble);
        ((Span<double>)othersInDouble).Clear();
        T maximum = OnlineSoftmax.StridedMaximum(T.Create(OnlineSoftmax.EmptyMaximum), ref logitTile, (nuint)classes, (nuint)width);
        bool finite = !LossMath.AnyNonFinite(maximum);
        T ties = finite
            ? NarrowStatistics<T, FlagUnset>(ref logitTile, classes, maximum, ref othersInDouble[0])
            : NarrowStatistics<T, FlagSet>(ref logitTile, classes, maximum, ref othersInDouble[0]);
        T others = T.LoadNarrowed(ref othersInDouble[0]);

        // From here on the buffer holds t' = Σ others + (ties - 1), which the true-class gradient also uses.
        T.AddWidened(ties - T.Create(1f), ref othersInDouble[0], 0);
        T targetWeight = T.Create(0f);
        if (TShape.ProbabilityTargets)
        {
            CompensatedSum<T> weights = CompensatedSum<T>.Zero;
            for (int c = 0; c < classes; c++)
            {
                weights.Add(TargetWeight<T, TShape>(constants, T.Load(ref targetTile, (nuint)(c * width)), T.Create(ClassWeightAt<TShape>(pass, c))));
            }

            targetWeight = weights.Value();
        }

        block.Maximum = maximum;
        block.Sum = T.LoadNarrowed(ref othersInDouble[0]);
        block.TargetWeight = targetWeight;
        block.Ignored = block.LabelLogit = block.LabelWeight = block.LabelDifference = T.Create(0f);
        bool anyActive = true;
        if (!TShape.ProbabilityTargets)
        {
            anyActive = false;
            ReadOnlySpan<int> labels = pass.Labels.Slice(firstRow, width);
            bool hasIgnoreIndex = pass.IgnoreIndex.HasValue;
            int ignoreIndex = pass.IgnoreIndex.GetValueOrDefault();
            for (int r = 0; r < labels.Length; r++)
            {
                int label = labels[r];
                bool ignored = hasIgnoreIndex && label == ignoreIndex;
                anyActive |= !ignored;
                tile.Ignored[r] = ignored ? BitConverter.Int32BitsToSingle(-1) : 0f;
                tile.LabelLogits[r] = ignored ? 0f : Unsafe.Add(ref logitTile, label * width + r);
                tile.LabelWeights[r] = ignored ? 0f : ClassWeightAt<TShape>(pass, label);
            }

            block.Ignored = T.Load(ref tile.Ignored[0], 0);
            block.LabelLogit = T.Load(ref tile.LabelLogits[0], 0);
            block.LabelWeight = T.Load(ref tile.LabelWeights[0], 0);
        }

        block.Plan<TShape>(pass);
        bool needsTerms = NeedsTerms<TShape>(pass);
        SecondPassSums<T> sums = new(T.Create(0f), others, ties);
        if (anyActive && (TShape.WritesGradient || needsTerms))
        {
            if (needsTerms)
            {
                sums = sums with
                {
                    Differences = finite
                        ? NarrowLossTerms<T, TShape, FlagUnset>(pass, ref tile, ref targetTile, block)
                        : NarrowLossTerms<T, TShape, FlagSet>(pass, ref tile, ref targetTile, block),
                };
            }

            if (TShape.WritesGradient)
            {
                if (finite)
                {
                    RowMajorGradient<T, TShape, FlagUnset>(pass, firstRow, block, rowOfElement, classWeightOfElement);
                }
                else
                {
                    RowMajorGradient<T, TShape, FlagSet>(pass, firstRow, block, rowOfElement, classWeightOfElement);
                }
            }
        }

        T loss = block.Finish<TShape>(pass, sums);
        if (TShape.WritesGradient && !TShape.ProbabilityTargets)
        {
            ref float labelGradients = ref tile.LabelGradients[0];
            T.Store(block.ExactLabelGradient(pass, ref othersInDouble[0]), ref labelGradients, 0);
            ReadOnlySpan<int> labels = pass.Labels.Slice(firstRow, width);
            Span<float> rowsGradient = pass.Gradient.Slice(firstRow * classes, width * classes);
            for (int r = 0; r < labels.Length; r++)
            {
                int label = labels[r];
                Span<float> rowGradient = rowsGradient.Slice(r * classes, classes);
                if (BitConverter.SingleToInt32Bits(tile.Ignored[r]) != 0)
                {
                    rowGradient.Clear();
                }
                else
                {
                    rowGradient[label] = Unsafe.Add(ref labelGradients, r);
                }
            }
        }

        // One row per lane, so the per-row outputs are contiguous: whole-vector stores.
        loss = LossMath.CanonicalNaN(loss);
        if (!pass.Losses.IsEmpty)
        {
            T.Store(loss, ref pass.Losses[firstRow], 0);
        }

        if (!pass.LogSumExp.IsEmpty)
        {
            T.Store(LossMath.CanonicalNaN(block.LogSumExp), ref pass.LogSumExp[firstRow], 0);
        }

        ref float losses = ref tile.RowLosses[0];
        T.Store(loss, ref losses, 0);
        double total = 0;
        for (int r = 0; r < width; r++)
        {
            total += Unsafe.Add(ref losses, r);
        }

        return total;
    }

    /// <summary>
    /// Pass 1 of a narrow group, against the rows' final maxima (a row of &lt; 32 classes is in L1 anyway):
    /// Σ_{z≠m} e^{z - m} per row in double, with exactly carried differences, and the count of z = m. Returns
    /// the counts. These are the statistics pass 2 would otherwise recompute for the loss and the true-class
    /// gradient when the label holds the maximum (the usual case once a model trains), so the narrow layout
    /// needs no second look at the logits except for the gradient itself and the smoothing/target terms.
    /// </summary>
    private static T NarrowStatistics<T, TInfiniteMaximum>(ref float tile, int classes, T maximum, ref double othersInDouble)
        where T : struct, ISimdLanes<T>
        where TInfiniteMaximum : IStaticFlag
    {
        // Σ others as a compensated float pair, widened once at the end: adding each term to a double in memory
        // made a store-to-load chain through the classes.
        T zero = T.Create(0f), tieBits = zero;
        CompensatedSum<T> others = CompensatedSum<T>.Zero;
        for (int c = 0; c < classes; c++)
        {
            T exponential = LossMath.ExpOfDifference<T, TInfiniteMaximum>(maximum, T.Load(ref tile, (nuint)(c * T.Count)), out T difference);
            T isMaximum = T.EqualTo(difference, zero);
            others.Add(T.Select(isMaximum, zero, exponential));
            tieBits = T.SubtractBits(tieBits, isMaximum); // an int32 count: the mask is -1 where set
        }

        others.AddWidenedTo(ref othersInDouble);
        return T.ConvertBitsToSingle(tieBits);
    }

    /// <summary>Σ v_c·(m - z_c) per row of a narrow group (label smoothing and probability targets only).</summary>
    private static T NarrowLossTerms<T, TShape, TInfiniteMaximum>(scoped in SoftmaxPass pass, ref NarrowTile tile, ref float targetTile, in RowBlock<T> block)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TInfiniteMaximum : IStaticFlag
    {
        int classes = pass.ClassCount, width = T.Count;
        ref float logitTile = ref tile.Logits[0];
        ElementConstants constants = new(pass);
        RowConstants<T> row = block.Constants();
        // Up to 255 non-negative terms: compensated, so the loss keeps its few-ulp bound at any narrow C.
        CompensatedSum<T> differences = CompensatedSum<T>.Zero;
        for (int c = 0; c < classes; c++)
        {
            nuint at = (nuint)(c * width);
            T weight = ElementWeight<T, TShape>(constants, ref targetTile, T.Create(ClassWeightAt<TShape>(pass, c)), at);
            differences.Add(SecondPassStep<T, TShape, TInfiniteMaximum>(T.Load(ref logitTile, at), weight, row, needsTerms: true, out _).Differences);
        }

        return differences.Value();
    }

    /// <summary>
    /// The gradient of a narrow group, written in place in row-major order: each vector of the group's C·T.Count
    /// elements takes its rows' constants by a lane permutation (element e belongs to row e / C), so the
    /// gradient needs no tile and no transpose back (gathers from a tile cost as much as the arithmetic).
    /// Label and ignored rows are patched afterwards by the caller.
    /// </summary>
    private static void RowMajorGradient<T, TShape, TInfiniteMaximum>(
        scoped in SoftmaxPass pass, int firstRow, in RowBlock<T> block, ReadOnlySpan<int> rowOfElement, ReadOnlySpan<float> classWeightOfElement)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TInfiniteMaximum : IStaticFlag
    {
        int classes = pass.ClassCount, width = T.Count;
        int start = firstRow * classes;
        ref float z = ref MemoryMarshal.GetReference(pass.Logits.Slice(start, classes * width));
        ref float t = ref TShape.ProbabilityTargets ? ref MemoryMarshal.GetReference(pass.Targets.Slice(start, classes * width)) : ref Unsafe.NullRef<float>();
        ref float g = ref MemoryMarshal.GetReference(pass.Gradient.Slice(start, classes * width));
        ref int rows = ref MemoryMarshal.GetReference(rowOfElement);
        ref float w = ref MemoryMarshal.GetReference(classWeightOfElement);
        ElementConstants constants = new(pass);
        RowConstants<T> row = block.Constants();
        for (int v = 0; v < classes; v++)
        {
            nuint at = (nuint)(v * width);
            ref int rowIndices = ref Unsafe.Add(ref rows, at);
            RowConstants<T> elementRows = new(
                T.Permute(row.Maximum, ref rowIndices), T.Permute(row.Coefficient, ref rowIndices), T.Permute(row.NegatedTargetScale, ref rowIndices));
            T weight = ElementWeight<T, TShape>(constants, ref t, ClassWeights<T, TShape>(ref w, at), at);
            SecondPassStep<T, TShape, TInfiniteMaximum>(T.Load(ref z, at), weight, elementRows, needsTerms: false, out T gradient);
            T.Store(gradient, ref g, at);
        }
    }

    /// <summary>
    /// Copies T.Count rows from firstRow (C floats each) into the tile as columns, tile[c·T.Count + r]: blocks of
    /// T.Count columns by a register transpose where the width has one and the block's reads (which run up to
    /// T.Count - 1 floats past a row, into the next) stay inside the span, the rest one strided gather per class.
    /// A block may fill up to T.Count - 1 columns past C in the tile, which nothing reads.
    /// </summary>
    private static void Transpose<T>(ReadOnlySpan<float> source, int firstRow, int classes, ref float tile) where T : struct, ISimdLanes<T>
    {
        int start = firstRow * classes;
        _ = source.Slice(start, T.Count * classes); // the group lies inside the span; reads past it are checked below
        ref float rows = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), start);
        int readable = source.Length - start, c = 0;
        for (; c < classes && ((T.Count - 1) * classes) + c + T.Count <= readable; c += T.Count)
        {
            if (!T.TryTransposeSquare(ref Unsafe.Add(ref rows, c), (nuint)classes, ref Unsafe.Add(ref tile, c * T.Count)))
            {
                break;
            }
        }

        for (; c < classes; c++)
        {
            T.Store(T.LoadStrided(ref Unsafe.Add(ref rows, c), classes), ref tile, (nuint)(c * T.Count));
        }
    }

    private static void WriteRowOutputs(scoped in SoftmaxPass pass, int row, ScalarLanes loss, ScalarLanes logSumExp)
    {
        if (!pass.Losses.IsEmpty)
        {
            pass.Losses[row] = LossMath.CanonicalNaN(loss.Value);
        }

        if (!pass.LogSumExp.IsEmpty)
        {
            pass.LogSumExp[row] = LossMath.CanonicalNaN(logSumExp.Value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ClassWeightAt<TShape>(scoped in SoftmaxPass pass, int classIndex) where TShape : ISoftmaxShape =>
        TShape.ClassWeights ? pass.ClassWeights[classIndex] : 1f;

    /// <summary>Loss terms Σ v_c·(lse - z_c) are needed for probability targets and for label smoothing.</summary>
    private static bool NeedsTerms<TShape>(scoped in SoftmaxPass pass) where TShape : ISoftmaxShape =>
        TShape.ProbabilityTargets || pass.Smoothing != 0f;

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

            Coefficient = ExactCoefficient(pass.ExactScale, TotalWeight, Sum, Ignored);
            TargetScale = TShape.ProbabilityTargets ? RowScale : RowScale * T.Create(smoothingShare);
        }

        /// <summary>
        /// s·A'/(1 + t), rounded once from double (lane by lane): every gradient element is e^{z - m} times this,
        /// so a float chain of three roundings here would add 1.5 ulp to all of them.
        /// </summary>
        private static T ExactCoefficient(double scale, T totalWeight, T sum, T ignored) =>
            T.Select(ignored, T.Create(0f), T.ScaledQuotientInDouble(scale, totalWeight, sum));

        public readonly RowConstants<T> Constants() => new(Maximum, Coefficient, -TargetScale);

        /// <summary>
        /// The row loss. After pass 2, t is known exactly as t' = Σ_{z≠m} e^{z - m} + (ties - 1), so log1p(t')
        /// replaces log1p(t) wherever a small loss must keep its relative accuracy: Σ a_c·(lse - z_c) =
        /// Σ a_c·(m - z_c) + log1p(t')·Σ a_c (every term ≥ 0), and lse - z_y = log1p(t') when the label holds the
        /// maximum. Ignored rows: 0.
        /// </summary>
        public readonly T Finish<TShape>(scoped in SoftmaxPass pass, in SecondPassSums<T> sums) where TShape : ISoftmaxShape
        {
            T one = T.Create(1f), zero = T.Create(0f);
            T zLoss = pass.ZLossWeight == 0f ? zero : T.Create(pass.ZLossWeight) * LogSumExp * LogSumExp;
            T exactLog1pSum = LossMath.Log1p(sums.Others + (sums.Ties - one));
            if (TShape.ProbabilityTargets)
            {
                return T.FusedMultiplyAdd(exactLog1pSum, TargetWeight, sums.Differences) + zLoss;
            }

            T labelLoss = T.Select(T.EqualTo(LabelDifference, zero), exactLog1pSum, LabelDifference + Log1pSum);
            T smoothingTerms = T.FusedMultiplyAdd(exactLog1pSum, T.Create(pass.ClassWeightSum), sums.Differences);
            T otherLosses = pass.Smoothing == 0f ? zLoss : T.FusedMultiplyAdd(T.Create(pass.Smoothing / pass.ClassCount), smoothingTerms, zLoss);
            T loss = T.FusedMultiplyAdd(T.Create(1f - pass.Smoothing) * LabelWeight, labelLoss, otherLosses);
            return T.Select(Ignored, zero, loss);
        }

        /// <summary>
        /// The true-class gradient s·(A'·p_y - a_y), per row in double from the row's float statistics and its Σ
        /// others in double, rounded once. Formed as s·(A'·(p_y - 1) + (A' - a_y)) when p_y ≥ ½, with
        /// p_y - 1 = -t'/(1+t) when the label holds the maximum (no cancellation as p_y → 1), and directly
        /// otherwise (no cancellation between a large A'·(p_y - 1) and A' - a_y when z-loss or smoothing dominate).
        /// </summary>
        public readonly T ExactLabelGradient(scoped in SoftmaxPass pass, ref double exactSum)
        {
            T labelExponential = LossMath.ExpOfDifference(Maximum, LabelLogit, out _);
            LabelGradientConstants constants = new(pass);
            T gradient;
            if (Vector512.IsHardwareAccelerated && T.Count == Vector512<float>.Count)
            {
                // A whole vector of rows in two double registers: the memory round trip of the generic form below
                // (and its eight divisions) measured a sixth of a 10-class call.
                Vector512<double> low = constants.Gradient(
                    Widen(LabelDifference, upper: false), Widen(Sum, upper: false), Widen(TotalWeight, upper: false),
                    Widen(LabelWeight, upper: false), Widen(LogSumExp, upper: false), Widen(labelExponential, upper: false),
                    new Doubles512(Vector512.LoadUnsafe(ref exactSum))).Value;
                Vector512<double> high = constants.Gradient(
                    Widen(LabelDifference, upper: true), Widen(Sum, upper: true), Widen(TotalWeight, upper: true),
                    Widen(LabelWeight, upper: true), Widen(LogSumExp, upper: true), Widen(labelExponential, upper: true),
                    new Doubles512(Vector512.LoadUnsafe(ref exactSum, (nuint)Vector512<double>.Count))).Value;
                gradient = Unsafe.BitCast<Vector512<float>, T>(Vector512.Narrow(low, high));
            }
            else
            {
                gradient = GradientAnyWidth(constants, labelExponential, ref exactSum);
            }

            return T.Select(Ignored, T.Create(0f), LossMath.CanonicalNaN(gradient));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Doubles512 Widen(T value, bool upper)
        {
            Vector512<float> lanes = Unsafe.BitCast<T, Vector512<float>>(value);
            return new(upper ? Vector512.WidenUpper(lanes) : Vector512.WidenLower(lanes));
        }

        /// <summary>The same lane math in <see cref="Vector{T}"/> of doubles, through memory (any width).</summary>
        private readonly T GradientAnyWidth(in LabelGradientConstants constants, T labelExponential, ref double exactSum)
        {
            Unsafe.SkipInit(out RowLanes difference);
            Unsafe.SkipInit(out RowLanes sum);
            Unsafe.SkipInit(out RowLanes totalWeight);
            Unsafe.SkipInit(out RowLanes labelWeight);
            Unsafe.SkipInit(out RowLanes logSumExp);
            Unsafe.SkipInit(out RowLanes exponential);
            T.Store(LabelDifference, ref difference[0], 0);
            T.Store(Sum, ref sum[0], 0);
            T.Store(TotalWeight, ref totalWeight[0], 0);
            T.Store(LabelWeight, ref labelWeight[0], 0);
            T.Store(LogSumExp, ref logSumExp[0], 0);
            T.Store(labelExponential, ref exponential[0], 0);
            int half = Vector<double>.Count;
            for (int lane = 0; lane < T.Count; lane += Vector<float>.Count)
            {
                nuint at = (nuint)lane;
                Vector.Widen(Vector.LoadUnsafe(ref difference[0], at), out Vector<double> differenceLow, out Vector<double> differenceHigh);
                Vector.Widen(Vector.LoadUnsafe(ref sum[0], at), out Vector<double> sumLow, out Vector<double> sumHigh);
                Vector.Widen(Vector.LoadUnsafe(ref totalWeight[0], at), out Vector<double> totalWeightLow, out Vector<double> totalWeightHigh);
                Vector.Widen(Vector.LoadUnsafe(ref labelWeight[0], at), out Vector<double> labelWeightLow, out Vector<double> labelWeightHigh);
                Vector.Widen(Vector.LoadUnsafe(ref logSumExp[0], at), out Vector<double> logSumExpLow, out Vector<double> logSumExpHigh);
                Vector.Widen(Vector.LoadUnsafe(ref exponential[0], at), out Vector<double> exponentialLow, out Vector<double> exponentialHigh);
                Vector<double> low = constants.Gradient(
                    new VectorDoubles(differenceLow), new(sumLow), new(totalWeightLow), new(labelWeightLow), new(logSumExpLow),
                    new(exponentialLow), new(Vector.LoadUnsafe(ref exactSum, at))).Value;
                Vector<double> high = constants.Gradient(
                    new VectorDoubles(differenceHigh), new(sumHigh), new(totalWeightHigh), new(labelWeightHigh), new(logSumExpHigh),
                    new(exponentialHigh), new(Vector.LoadUnsafe(ref exactSum, at + (nuint)half))).Value;
                Vector.Narrow(low, high).StoreUnsafe(ref difference[0], at);
            }

            return T.Load(ref difference[0], 0);
        }
    }

    /// <summary>The per-call constants of <see cref="RowBlock{T}.ExactLabelGradient"/>, and its lane math in double.</summary>
    private readonly struct LabelGradientConstants(scoped in SoftmaxPass pass)
    {
        private readonly double _smoothing = pass.Smoothing;
        private readonly double _smoothingShare = (double)pass.Smoothing / pass.ClassCount;
        private readonly double _classWeightSum = pass.ClassWeightSum;
        private readonly double _twiceZLossWeight = 2 * (double)pass.ZLossWeight;
        private readonly double _scale = pass.ExactScale;
        private readonly bool _hasZLoss = pass.ZLossWeight != 0f;

        /// <summary>s·(A'·p_y - a_y) for one vector of rows (see <see cref="RowBlock{T}.ExactLabelGradient"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TDouble Gradient<TDouble>(
            TDouble difference, TDouble sum, TDouble totalWeight, TDouble labelWeight,
            TDouble logSumExp, TDouble labelExponential, TDouble exactSum)
            where TDouble : struct, IDoubleLanes<TDouble>
        {
            TDouble one = TDouble.Create(1), smoothingShare = TDouble.Create(_smoothingShare);
            TDouble denominator = one + sum;
            TDouble probability = labelExponential / denominator;
            TDouble probabilityMinusOne = TDouble.SelectEqual(difference, TDouble.Create(0), -exactSum / denominator, probability - one);
            TDouble remainder = smoothingShare * (TDouble.Create(_classWeightSum) - labelWeight);
            if (_hasZLoss)
            {
                remainder += TDouble.Create(_twiceZLossWeight) * logSumExp;
            }

            TDouble target = ((one - TDouble.Create(_smoothing)) + smoothingShare) * labelWeight;
            TDouble gradient = TDouble.SelectGreaterThanOrEqual(
                probability, TDouble.Create(0.5), (totalWeight * probabilityMinusOne) + remainder, (totalWeight * probability) - target);
            return TDouble.Create(_scale) * gradient;
        }
    }

    /// <summary>The per-row constants of the gradient; the target scale negated once per row, not per element.</summary>
    private readonly record struct RowConstants<T>(T Maximum, T Coefficient, T NegatedTargetScale)
        where T : struct, ISimdLanes<T>;

    /// <summary>What pass 2 sums per row: Σ v_c·(m - z_c), Σ_{z≠m} e^{z - m}, and the number of z = m.</summary>
    private readonly record struct SecondPassSums<T>(T Differences, T Others, T Ties)
        where T : struct, ISimdLanes<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddTo(ref LaneSum differences, ref LaneSum others, ref LaneSum ties, int lane, bool needsTerms, bool needsOthers)
        {
            if (needsTerms)
            {
                differences.Add(Differences, lane);
            }

            // Σ others is only read when the label holds the maximum or for the loss terms: skipping it otherwise
            // saves the two widening adds per vector that cost about a fifth of pass 2.
            if (needsOthers)
            {
                others.Add(Others, lane);
                ties.Add(Ties, lane);
            }
        }
    }

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

    [InlineArray(3 * Lanes)]
    private struct LaneStates
    {
        private float _element;
    }

    /// <summary>Stack storage of a narrow group: the classes × rows logit tile (C &lt; 256, rows ≤ 16, 17 KB with the transpose's spill-over columns) and per-row lanes.</summary>
    private struct NarrowTile
    {
        public ClassTile Logits;
        public RowLanes Ignored, LabelLogits, LabelWeights, LabelGradients, RowLosses;
    }

    [InlineArray((NarrowClassLimit + MaxNarrowRows) * MaxNarrowRows)]
    private struct ClassTile
    {
        private float _element;
    }

    [InlineArray(MaxNarrowRows)]
    private struct RowLanes
    {
        private float _element;
    }

    [InlineArray(MaxNarrowRows)]
    private struct DoubleRowLanes
    {
        private double _element;
    }
}
