using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// Rows of at most <see cref="LabelClassLimit"/> classes (<see cref="TargetClassLimit"/> with probability targets), a
/// vector of rows at a time, one row per lane: the group is transposed into a stack tile (classes × rows), so the maximum, the exponentials and the scaling
/// are whole-vector operations over classes 0..C-1 in order, and transposed back into the gradient. A row of 10
/// classes would otherwise fill a third of a vector and spend its time in tails and per-row scalar code.
/// </summary>
/// <remarks>
/// Stack: 10 KB of tiles plus about 1 KB of per-row lanes. Labels: a (128 + 16) × 16 tile (the logits, then the
/// exponentials and the gradient, transposed back straight into the gradient) and a 16 × 16 corner for the last,
/// partial column block. Probability targets: two (64 + 16) × 16 tiles (the logits; the targets, then the row-major
/// gradient). Rows left over after the last whole vector run
/// the same code on scalar lanes, one row per group, so every width computes every row alike.
/// </remarks>
[SkipLocalsInit]
internal static class NarrowRows
{
    /// <summary>
    /// The widest rows taken here with class labels (with probability targets, whose tile doubles the stack). Measured:
    /// C = 100 took 1.6 ns per element one row at a time, where the fixed cost of a row (its maximum's and sums'
    /// reductions, the row math) dominates; a vector of rows amortizes it.
    /// </summary>
    public const int LabelClassLimit = 128;

    /// <summary>The widest rows taken here with probability targets (two tiles within the same 10 KB).</summary>
    public const int TargetClassLimit = 64;

    private const int MaxRows = 16;
    private const int AreaFloats = (LabelClassLimit + MaxRows + MaxRows) * MaxRows;

    /// <summary>Float partial sums over this many classes are added to the row's double sums.</summary>
    private const int FlushClasses = 8;

    public static double Run<T, TShape>(scoped in SoftmaxPass pass)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        double total = 0;
        int rows = pass.Logits.Length / pass.ClassCount, first = 0;
        for (; first + T.Count <= rows; first += T.Count)
        {
            total += Group<T, TShape>(pass, first);
        }

        for (; first < rows; first++)
        {
            total += Group<ScalarLanes, TShape>(pass, first);
        }

        return total;
    }

    private static double Group<T, TShape>(scoped in SoftmaxPass pass, int first)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount, width = T.Count;
        Unsafe.SkipInit(out Tiles tiles);
        ref float tile = ref tiles.Area[0];
        Transpose<T>(pass.Logits, first, classes, ref tile);
        if (TShape.ProbabilityTargets)
        {
            Transpose<T>(pass.Targets, first, classes, ref Scratch<TShape>(ref tiles));
        }

        // Labels as float lanes (exact below 2^24; labels lie in [0, C), so no label collides with the ignore index's
        // float), ignored rows matching no class; the label's logit and weight are picked up by the maximum's walk.
        RowStatistics<T> stats = default;
        T zero = T.Create(0f), maximum = T.Create(float.NegativeInfinity);
        T labelClass = T.Create(-1f), labelLogit = zero, labelWeight = T.Create(1f);
        if (!TShape.ProbabilityTargets)
        {
            ref float labelBits = ref Unsafe.As<int, float>(ref MemoryMarshal.GetReference(pass.Labels.Slice(first, width)));
            T labels = T.ConvertBitsToSingle(T.Load(ref labelBits, 0));
            stats.Ignored = pass.IgnoreIndex is int ignoreIndex ? T.EqualTo(labels, T.Create(ignoreIndex)) : zero;
            labelClass = T.Select(stats.Ignored, labelClass, labels);
        }

        ref float weights = ref MemoryMarshal.GetReference(pass.ClassWeights);
        for (int c = 0; c < classes; c++)
        {
            T logit = T.Load(ref tile, (nuint)(c * width));
            maximum = T.GreaterOrRight(maximum, logit);
            if (!TShape.ProbabilityTargets)
            {
                T isLabel = T.EqualTo(labelClass, T.Create(c));
                labelLogit = T.Select(isLabel, logit, labelLogit);
                if (TShape.ClassWeights)
                {
                    labelWeight = T.Select(isLabel, T.Create(Unsafe.Add(ref weights, c)), labelWeight);
                }
            }
        }

        if (!TShape.ProbabilityTargets)
        {
            stats.LabelLogit = labelLogit;
            stats.LabelWeight = T.Select(stats.Ignored, zero, labelWeight);
            T.Store(labelClass, ref tiles.LabelClass[0], 0);
        }

        stats.Exponential = RowExponential<T>.Create(maximum);
        T carried = stats.Exponential.Carried;
        if (!T.AnyBitSet(carried))
        {
            return Group<T, TShape, ScaledRule>(pass, first, ref tiles, ref stats);
        }

        // All carried when no lane is left out of the mask.
        return T.AnyBitSet(T.Select(carried, T.Create(0f), T.Create(1f)))
            ? Group<T, TShape, MixedRule>(pass, first, ref tiles, ref stats)
            : Group<T, TShape, CarriedRule>(pass, first, ref tiles, ref stats);
    }

    private static double Group<T, TShape, TRule>(scoped in SoftmaxPass pass, int first, ref Tiles tiles, ref RowStatistics<T> stats)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TRule : IExponentialRule
    {
        int classes = pass.ClassCount, width = T.Count;
        ref float tile = ref tiles.Area[0];
        ref float targetTile = ref Scratch<TShape>(ref tiles);
        stats.LabelExponential = TRule.Exp(stats.Exponential, stats.LabelLogit);
        T keptShare = T.Create(1f - pass.Smoothing), smoothingShare = T.Create(pass.Smoothing / pass.ClassCount);
        ref float weights = ref MemoryMarshal.GetReference(pass.ClassWeights);

        // The exponentials, in place of the logits; sums exact (e ≠ U, and the count of e = U) in float partials.
        T unit = stats.Exponential.Unit, zero = T.Create(0f);
        T tieBits = zero;
        ((Span<double>)tiles.Sums.Sum).Clear();
        if (TShape.Terms)
        {
            ((Span<double>)tiles.Sums.Terms).Clear();
            ((Span<double>)tiles.Sums.Weight).Clear();
        }

        for (int c = 0; c < classes;)
        {
            LaneAccumulators<T> partial = LaneAccumulators<T>.Zero;
            for (int end = int.Min(c + FlushClasses, classes); c < end; c++)
            {
                nuint at = (nuint)(c * width);
                T logit = T.Load(ref tile, at);
                T exponential = TRule.Exp(stats.Exponential, logit);
                T.Store(exponential, ref tile, at);
                partial.AddExponential(exponential, unit, exact: true);
                if (TShape.Terms)
                {
                    T weight = ClassWeight<T, TShape>(keptShare, smoothingShare, ref targetTile, ref weights, c);
                    partial.Terms += ClassTerms.WeightedDifference(weight, TRule.Difference(stats.Exponential, logit));
                    partial.Weight += weight;
                }
            }

            T.AddWidened(partial.Sum, ref tiles.Sums.Sum[0], 0);
            tieBits = T.SubtractBits(tieBits, T.SubtractBits(zero, partial.TieBits));
            if (TShape.Terms)
            {
                T.AddWidened(partial.Terms, ref tiles.Sums.Terms[0], 0);
                T.AddWidened(partial.Weight, ref tiles.Sums.Weight[0], 0);
            }
        }

        stats.Ties = T.ConvertBitsToSingle(tieBits);
        if (TShape.Terms)
        {
            stats.Terms = T.LoadNarrowed(ref tiles.Sums.Terms[0]);
            stats.TargetWeight = T.LoadNarrowed(ref tiles.Sums.Weight[0]);
        }

        RowPlan<T> plan = SoftmaxRowMath.Plan<T, TShape, TRule>(pass, stats, ref tiles.Sums.Sum[0]);
        if (TShape.WritesGradient)
        {
            // The label's exact gradient replaces its element; ignored rows are zeros even where an exponential is NaN.
            bool canonical = LossMath.AnyNonFinite(plan.Coefficient);
            bool anyIgnored = !TShape.ProbabilityTargets && T.AnyBitSet(stats.Ignored);
            T labelClass = TShape.ProbabilityTargets ? zero : T.Load(ref tiles.LabelClass[0], 0);
            for (int c = 0; c < classes; c++)
            {
                nuint at = (nuint)(c * width);
                T exponential = T.Load(ref tile, at);
                T gradient = TShape.Terms
                    ? T.FusedMultiplyAdd(exponential, plan.Coefficient, plan.NegatedTargetScale * ClassWeight<T, TShape>(keptShare, smoothingShare, ref targetTile, ref weights, c))
                    : exponential * plan.Coefficient;
                gradient = canonical ? LossMath.CanonicalNaN(gradient) : gradient;
                if (!TShape.ProbabilityTargets)
                {
                    gradient = T.Select(T.EqualTo(labelClass, T.Create(c)), plan.LabelGradient, gradient);
                    gradient = anyIgnored ? T.Select(stats.Ignored, zero, gradient) : gradient;
                }

                T.Store(gradient, ref tile, at);
            }

            WriteGradient<T, TShape>(pass, first, ref tiles);
        }

        // One row per lane, so the per-row outputs are contiguous: whole-vector stores.
        T loss = LossMath.CanonicalNaN(plan.Loss);
        if (!pass.Losses.IsEmpty)
        {
            T.Store(loss, ref pass.Losses[first], 0);
        }

        if (!pass.LogSumExp.IsEmpty)
        {
            T.Store(LossMath.CanonicalNaN(plan.LogSumExp), ref pass.LogSumExp[first], 0);
        }

        T.Store(loss, ref tiles.RowLosses[0], 0);
        double total = 0;
        for (int r = 0; r < width; r++)
        {
            total += tiles.RowLosses[r];
        }

        return total;
    }

    /// <summary>v_c of class c for the group's rows (targets from the target tile, the class's weight broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ClassWeight<T, TShape>(T keptShare, T smoothingShare, ref float targetTile, ref float weights, int c)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape =>
        ClassTerms.Weight<T, TShape>(
            keptShare, smoothingShare, ref targetTile, (nuint)(c * T.Count),
            TShape.ClassWeights ? T.Create(Unsafe.Add(ref weights, c)) : T.Create(1f), TShape.ClassWeights);

    /// <summary>The scratch after the logit tile: the target tile, or the corner block and small row-major groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Scratch<TShape>(ref Tiles tiles) where TShape : ISoftmaxShape =>
        ref tiles.Area[((TShape.ProbabilityTargets ? TargetClassLimit : LabelClassLimit) + MaxRows) * MaxRows];

    /// <summary>Transposes the gradient tile back (row-major) and writes it.</summary>
    private static void WriteGradient<T, TShape>(scoped in SoftmaxPass pass, int first, ref Tiles tiles)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount, width = T.Count;
        ref float tile = ref tiles.Area[0];
        ref float scratch = ref Scratch<TShape>(ref tiles);
        Span<float> gradient = pass.Gradient.Slice(first * classes, width * classes);
        ref float destination = ref MemoryMarshal.GetReference(gradient);
        if (!TShape.ProbabilityTargets && classes >= width &&
            T.TryTransposeSquare(ref Unsafe.Add(ref tile, 0), (nuint)width, ref destination, (nuint)classes))
        {
            // Straight into the gradient, blocks from the last: a partial last block goes through the corner, its rows
            // stored as whole vectors that run into the next row's first classes (rewritten by the first block, whose
            // columns those are: C ≥ T.Count), the last row exactly, so nothing past the group is touched (in place,
            // the next group's logits live there).
            int last = (classes - 1) / width * width;
            if (last + width > classes)
            {
                T.TryTransposeSquare(ref Unsafe.Add(ref tile, last * width), (nuint)width, ref scratch, (nuint)width);
                for (int r = 0; r < width - 1; r++)
                {
                    T.Store(T.Load(ref scratch, (nuint)(r * width)), ref destination, (nuint)((r * classes) + last));
                }

                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref scratch, (width - 1) * width), classes - last).CopyTo(gradient[(((width - 1) * classes) + last)..]);
                last -= width;
            }

            for (int c = last; c > 0; c -= width)
            {
                T.TryTransposeSquare(ref Unsafe.Add(ref tile, c * width), (nuint)width, ref Unsafe.Add(ref destination, c), (nuint)classes);
            }

            // The first block was written first (as the probe that the width transposes) and is written again last, over
            // the spill of the partial block.
            T.TryTransposeSquare(ref tile, (nuint)width, ref destination, (nuint)classes);
            return;
        }

        // Register transposes write whole blocks, so they land in the scratch at a padded row stride (narrow or target
        // groups: at most 16 × 64 floats); widths without one move elements one by one.
        int padded = (classes + width - 1) / width * width;
        bool transposed = true;
        for (int c = 0; c < classes && transposed; c += width)
        {
            transposed = T.TryTransposeSquare(ref Unsafe.Add(ref tile, c * width), (nuint)width, ref Unsafe.Add(ref scratch, c), (nuint)padded);
        }

        if (!transposed)
        {
            for (int r = 0; r < width; r++)
            {
                for (int k = 0; k < classes; k++)
                {
                    Unsafe.Add(ref destination, (r * classes) + k) = Unsafe.Add(ref tile, (k * width) + r);
                }
            }

            return;
        }

        // Rows upwards, whole vectors: a row's last store runs into the next rows' first classes, which they then
        // rewrite; rows whose stores would run past the group are copied exactly.
        int row = 0;
        for (; (row * classes) + padded <= width * classes; row++)
        {
            for (int k = 0; k < classes; k += width)
            {
                T.Store(T.Load(ref scratch, (nuint)((row * padded) + k)), ref destination, (nuint)((row * classes) + k));
            }
        }

        for (; row < width; row++)
        {
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref scratch, row * padded), classes).CopyTo(gradient[(row * classes)..]);
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
            if (!T.TryTransposeSquare(ref Unsafe.Add(ref rows, c), (nuint)classes, ref Unsafe.Add(ref tile, c * T.Count), (nuint)T.Count))
            {
                break;
            }
        }

        for (; c < classes; c++)
        {
            T.Store(T.LoadStrided(ref Unsafe.Add(ref rows, c), classes), ref tile, (nuint)(c * T.Count));
        }
    }

    /// <summary>Stack storage of a group.</summary>
    private struct Tiles
    {
        public TileArea Area;
        public RowLanes RowLosses;
        public LabelClassLanes LabelClass;
        public GroupSums Sums;
    }

    /// <summary>A lane value of any width (up to 16 floats), kept between the two halves of a group.</summary>
    [InlineArray(MaxRows)]
    private struct LabelClassLanes
    {
        private float _element;
    }

    private struct GroupSums
    {
        public DoubleRowLanes Sum, Terms, Weight;
    }

    /// <summary>The tiles: 2,560 floats, laid out per shape by <see cref="Scratch{TShape}"/>.</summary>
    [InlineArray(AreaFloats)]
    private struct TileArea
    {
        private float _element;
    }

    [InlineArray(MaxRows)]
    private struct RowLanes
    {
        private float _element;
    }

    [InlineArray(MaxRows)]
    private struct DoubleRowLanes
    {
        private double _element;
    }
}
