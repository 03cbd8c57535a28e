using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>Per-lane float partial sums of one flush block: e's (or the e's other than U), ties, loss terms, target weights.</summary>
internal struct LaneAccumulators<T> where T : struct, ISimdLanes<T>
{
    public T Sum, TieBits, Terms, Weight;

    public static LaneAccumulators<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            T zero = T.Create(0f);
            return new() { Sum = zero, TieBits = zero, Terms = zero, Weight = zero };
        }
    }

    /// <summary>Adds e, or, with <paramref name="exact"/>, e where e ≠ U and a count where e = U (NaN is never equal: it stays in the sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddExponential(T exponential, T unit, bool exact)
    {
        if (exact)
        {
            T isUnit = T.EqualTo(exponential, unit);
            Sum += T.Select(isUnit, T.Create(0f), exponential);
            TieBits = T.SubtractBits(TieBits, isUnit); // an int32 count: the mask is -1 where set
        }
        else
        {
            Sum += exponential;
        }
    }
}

/// <summary>One element step of a walk over a wide row (a vector of consecutive elements, or one).</summary>
internal interface IWideStep
{
    /// <summary>Which partial sums the step adds to (the others are neither flushed nor summed).</summary>
    static abstract bool HasTies { get; }
    static abstract bool HasTerms { get; }
    static abstract bool HasWeight { get; }

    /// <summary>The row's constants as lanes of <typeparamref name="T"/> (read once per walk, so they stay in registers).</summary>
    RowConstants<T> Constants<T>() where T : struct, ISimdLanes<T>;

    void Step<T>(nuint at, ref LaneAccumulators<T> sums, in RowConstants<T> row) where T : struct, ISimdLanes<T>;
}

/// <summary>
/// The order every wide-row sum is taken in, defined by element index alone: element i goes to logical lane
/// i mod 32; each lane sums <see cref="FlushGroups"/> of its elements in float, then adds that partial to its double;
/// the 32 doubles are added by a fixed tree. Any lane type walks the same order, and the last C mod 32 elements run
/// one by one on scalar lanes: every width gives the same bits.
/// </summary>
/// <remarks>
/// Float partials of 8 terms keep the sum within a few 2^-24 of exact (a sum never flushed loses up to C·2^-24) at
/// a fraction of the cost of widening every term: two conversions and two double adds per 8 vectors, not per vector.
/// </remarks>
[SkipLocalsInit]
internal static class WideWalk
{
    public const int Lanes = LaneSum.LaneCount;
    private const int FlushGroups = 8;

    /// <summary>
    /// Walks the whole groups of 32 below <paramref name="groupsEnd"/> with <paramref name="step"/>, adding to
    /// <paramref name="sums"/>. The last C mod 32 elements are walked by the caller as one more group copied into
    /// <see cref="TailBuffers"/> and padded with elements that add exactly +0 (so every lane type walks them alike).
    /// </summary>
    /// <remarks>
    /// Not inlined: a row inlining its walks exhausted the JIT's inlining budget, which then left even the lane
    /// operators as calls (a row of 100 classes measured 3× slower); compiled alone, each walk inlines its step.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run<T, TStep>(ref TStep step, nuint groupsEnd, ref WideSums sums)
        where T : struct, ISimdLanes<T>
        where TStep : struct, IWideStep, allows ref struct
    {
        // Locals, so the JIT keeps the spans' addresses and the row's constants in registers across the stores.
        TStep local = step;
        RowConstants<T> row = local.Constants<T>();
        for (nuint block = 0; block < groupsEnd; block += FlushGroups * Lanes)
        {
            nuint blockEnd = nuint.Min(block + (FlushGroups * Lanes), groupsEnd);
            for (nuint lane = 0; lane < Lanes; lane += (nuint)T.Count)
            {
                LaneAccumulators<T> partial = LaneAccumulators<T>.Zero;
                for (nuint at = block + lane; at < blockEnd; at += Lanes)
                {
                    local.Step(at, ref partial, row);
                }

                sums.Flush<T, TStep>(partial, lane);
            }
        }
    }
}

/// <summary>
/// The last C mod 32 elements of a row as one whole group: logits padded with -∞ and their exponentials masked to +0
/// (never equal to U), targets and class weights with 0 (v = 0, so no loss term), and valid classes weighing 1 where
/// the call has no weights.
/// Adding +0 leaves every partial sum's bits unchanged, so the padded group sums exactly what the elements alone do.
/// </summary>
internal struct TailBuffers
{
    public Floats32 Logits, Targets, Weights, Gradient, Valid;

    /// <summary>All-ones lanes for the tail's elements, zeros for the padding.</summary>
    public static Span<float> FillValid(int count, Span<float> destination)
    {
        destination[..count].Fill(BitConverter.Int32BitsToSingle(-1));
        destination[count..].Clear();
        return destination;
    }

    /// <summary>Copies <paramref name="source"/> and pads the rest of <paramref name="destination"/> with <paramref name="padding"/>.</summary>
    public static Span<float> Fill(ReadOnlySpan<float> source, Span<float> destination, float padding)
    {
        source.CopyTo(destination);
        destination[source.Length..].Fill(padding);
        return destination;
    }

    /// <summary>The tail's class weights (1 where there are none), padded with 0.</summary>
    public static Span<float> FillWeights(ReadOnlySpan<float> classWeights, int start, int count, Span<float> destination)
    {
        if (classWeights.IsEmpty)
        {
            destination[..count].Fill(1f);
            destination[count..].Clear();
            return destination;
        }

        return Fill(classWeights.Slice(start, count), destination, 0f);
    }
}

[InlineArray(WideWalk.Lanes)]
internal struct Floats32
{
    private float _element;
}

/// <summary>The double lanes of a wide walk's sums.</summary>
internal struct WideSums
{
    public DoubleLanes32 Sum, Ties, Terms, Weight;

    /// <summary>Zeroes the lanes <typeparamref name="TStep"/> adds to (the others are never read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Clear<TStep>() where TStep : IWideStep, allows ref struct
    {
        ((Span<double>)Sum).Clear();
        if (TStep.HasTies)
        {
            ((Span<double>)Ties).Clear();
        }

        if (TStep.HasTerms)
        {
            ((Span<double>)Terms).Clear();
        }

        if (TStep.HasWeight)
        {
            ((Span<double>)Weight).Clear();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Flush<T, TStep>(in LaneAccumulators<T> partial, nuint lane)
        where T : struct, ISimdLanes<T>
        where TStep : IWideStep, allows ref struct
    {
        T.AddWidened(partial.Sum, ref Sum[0], lane);
        if (TStep.HasTies)
        {
            T.AddWidened(T.ConvertBitsToSingle(partial.TieBits), ref Ties[0], lane);
        }

        if (TStep.HasTerms)
        {
            T.AddWidened(partial.Terms, ref Terms[0], lane);
        }

        if (TStep.HasWeight)
        {
            T.AddWidened(partial.Weight, ref Weight[0], lane);
        }
    }
}

/// <summary>32 doubles, one per logical lane, summed by a fixed tree.</summary>
[InlineArray(WideWalk.Lanes)]
internal struct DoubleLanes32
{
    private double _element;

    /// <summary>
    /// Lane j absorbs lane j + half for half = 16, 8, 4, 2, 1 (the same tree on every machine). Written with vectors of
    /// doubles, which add exactly what the scalar tree adds (and fall back to software where not accelerated).
    /// </summary>
    public readonly double Total()
    {
        ref double lanes = ref Unsafe.AsRef(in this[0]);
        Vector512<double> low = Vector512.LoadUnsafe(ref lanes) + Vector512.LoadUnsafe(ref lanes, 16);
        Vector512<double> high = Vector512.LoadUnsafe(ref lanes, 8) + Vector512.LoadUnsafe(ref lanes, 24);
        Vector512<double> eight = low + high;
        Vector256<double> four = eight.GetLower() + eight.GetUpper();
        Vector128<double> two = four.GetLower() + four.GetUpper();
        return two.GetElement(0) + two.GetElement(1);
    }
}
