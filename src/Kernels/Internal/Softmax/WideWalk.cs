using System.Runtime.CompilerServices;
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

    void Step<T>(nuint at, ref LaneAccumulators<T> sums) where T : struct, ISimdLanes<T>;
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

    /// <summary>Walks <paramref name="length"/> elements with <paramref name="step"/>; returns the sums in <paramref name="sums"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<T, TStep>(ref TStep step, nuint length, out WideSums sums)
        where T : struct, ISimdLanes<T>
        where TStep : struct, IWideStep, allows ref struct
    {
        sums = default;
        nuint groupsEnd = length & ~(nuint)(Lanes - 1);
        for (nuint block = 0; block < groupsEnd; block += FlushGroups * Lanes)
        {
            nuint blockEnd = nuint.Min(block + (FlushGroups * Lanes), groupsEnd);
            for (nuint lane = 0; lane < Lanes; lane += (nuint)T.Count)
            {
                LaneAccumulators<T> partial = LaneAccumulators<T>.Zero;
                for (nuint at = block + lane; at < blockEnd; at += Lanes)
                {
                    step.Step(at, ref partial);
                }

                sums.Flush<T, TStep>(partial, lane);
            }
        }

        for (nuint i = groupsEnd; i < length; i++)
        {
            LaneAccumulators<ScalarLanes> partial = LaneAccumulators<ScalarLanes>.Zero;
            step.Step(i, ref partial);
            sums.Flush<ScalarLanes, TStep>(partial, i % Lanes);
        }
    }
}

/// <summary>The double lanes of a wide walk's sums.</summary>
internal struct WideSums
{
    public DoubleLanes32 Sum, Ties, Terms, Weight;

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

    /// <summary>Lane j absorbs lane j + half for half = 16, 8, 4, 2, 1 (the same tree on every machine).</summary>
    public readonly double Total()
    {
        Unsafe.SkipInit(out DoubleLanes32 lanes);
        ((ReadOnlySpan<double>)this).CopyTo(lanes);
        for (int half = WideWalk.Lanes / 2; half >= 1; half /= 2)
        {
            for (int lane = 0; lane < half; lane++)
            {
                lanes[lane] += lanes[lane + half];
            }
        }

        return lanes[0];
    }
}
