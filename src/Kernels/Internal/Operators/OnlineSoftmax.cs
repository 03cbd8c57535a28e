using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// The running statistics of softmax over a stream of logits, as a pair (m, t): m is the largest logit seen and
/// t = Σ e^{z - m} over every element except one element equal to m (so Σ e^{z - m} = 1 + t).
/// </summary>
/// <remarks>
/// Keeping the maximum's own 1 out of t is what keeps the loss and the true-class gradient accurate when the label
/// holds the maximum: lse - z_y = log1p(t) and p_y - 1 = -t/(1 + t), with no 1 + t - 1 cancellation.
/// Streams are added a chunk at a time (<see cref="AddChunk{T}"/>); partial states are combined by one merge
/// rule, which also adds single logits (a logit x is the state (x, 0)); an empty state is (-∞, -1), which any
/// merge absorbs exactly. Merging (ma, ta) with (mb, tb), ma ≥ mb: t = ta + (tb + 1)·e^{-(ma - mb)}.
/// Differences of equal logits are read as 0 (so equal infinities share probability instead of giving NaN);
/// NaN propagates through both m (IEEE max) and t.
/// </remarks>
internal static class OnlineSoftmax
{
    public const float EmptyMaximum = float.NegativeInfinity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Merge<T>(ref T maximum, ref T sum, T otherMaximum, T otherSum) where T : struct, ISimdLanes<T>
    {
        T one = T.Create(1f);
        T keepsOwn = T.GreaterThanOrEqual(maximum, otherMaximum);
        T scale = LossMath.ExpNonPositive(-T.Abs(DifferenceFromMaximum(maximum, otherMaximum)));
        T larger = T.Select(keepsOwn, sum, otherSum);
        T smaller = T.Select(keepsOwn, otherSum, sum);
        sum = T.FusedMultiplyAdd(smaller + one, scale, larger);
        maximum = T.Max(maximum, otherMaximum);
    }

    /// <summary>
    /// Adds <paramref name="count"/> logits per lane (lane j reads first[k·stride + j], k = 0..count-1) to lane
    /// statistics kept as (m, s, c): s = Σ e^{z - m} over the elements below m, c = how many equal m (empty:
    /// (-∞, 0, 0)); then t = s + (c - 1).
    /// </summary>
    /// <remarks>
    /// The chunk's maximum first, then one exponential per element against it: merging element by element costs
    /// an exponential, two selects and a dependent multiply-add per element, twice the work. The maxima's 1s are
    /// counted, not added: a sum that holds them sits near 1, and each addition of a small term would then cost
    /// up to 2^-25 absolute, which the gradient e^{z - m}/(1 + t) showed as 8 ulp at C = 1000.
    /// Only a chunk whose maximum is ±∞ or NaN in some lane needs <see cref="DifferenceFromMaximum{T}"/>: for
    /// finite m, x - m is exact at x = m and -∞ for x = -∞, and both forms give the same bits where both apply.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddChunk<T>(ref T maximum, ref T sum, ref T ties, ref float first, nuint count, nuint stride) where T : struct, ISimdLanes<T>
    {
        T chunkMaximum = StridedGreatest(maximum, ref first, count, stride);
        T zero = T.Create(0f);

        // A larger maximum turns the old maxima into ordinary terms: s ← (s + c)·e^{m_old - m}, c ← 0.
        T increased = T.GreaterThan(chunkMaximum, maximum);
        T rescaled = (sum + ties) * LossMath.ExpNonPositive(-DifferenceFromMaximum(chunkMaximum, maximum));
        T s = T.Select(increased, rescaled, sum);
        T c = T.Select(increased, zero, ties);
        // The chunk's ties are counted as int32 in the lanes' bits (one subtract of the mask each) and added once.
        T chunkTies = zero;
        if (LossMath.AnyNonFinite(chunkMaximum))
        {
            for (nuint k = 0; k < count; k++)
            {
                T logit = T.Load(ref first, k * stride);
                AddTerm(ref s, ref chunkTies, logit, chunkMaximum, LossMath.ExpNonPositive(-DifferenceFromMaximum(chunkMaximum, logit)));
            }
        }
        else
        {
            for (nuint k = 0; k < count; k++)
            {
                T logit = T.Load(ref first, k * stride);
                AddTerm(ref s, ref chunkTies, logit, chunkMaximum, LossMath.ExpNonPositive(logit - chunkMaximum));
            }
        }

        maximum = chunkMaximum;
        sum = s;
        ties = c + T.ConvertBitsToSingle(chunkTies); // integers below 2^24: exact, the same bits as adding 1s
    }

    /// <summary>
    /// The greatest of <paramref name="initial"/> and first[k·stride + lane] for k &lt; count, per lane, by the one-op
    /// x86 rule (a &gt; b ? a : b), which skips NaN instead of returning it (the IEEE maximum costs three ops per
    /// element, a tenth of the statistics pass). A NaN logit still reaches the sum through its exponential, and
    /// callers take the row's NaN from there; between ±0 the first seen is kept, which no output can tell apart
    /// (differences from either are ±0, and their exponential is 1 either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T StridedGreatest<T>(T initial, ref float first, nuint count, nuint stride) where T : struct, ISimdLanes<T> =>
        Strided<T, GreaterOrRightRule>(initial, ref first, count, stride);

    /// <summary>
    /// max(<paramref name="initial"/>, first[k·stride + lane] for k &lt; count), per lane. Two running maxima give
    /// the same bits as one: IEEE maximum is exact, commutative and associative (NaN wins, -0 &lt; +0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T StridedMaximum<T>(T initial, ref float first, nuint count, nuint stride) where T : struct, ISimdLanes<T> =>
        Strided<T, IeeeMaximumRule>(initial, ref first, count, stride);

    /// <summary>The walk both share: two running values (even and odd k), combined at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Strided<T, TRule>(T initial, ref float first, nuint count, nuint stride)
        where T : struct, ISimdLanes<T>
        where TRule : IMaximumRule
    {
        T even = initial, odd = initial;
        nuint k = 0;
        for (; k + 2 <= count; k += 2)
        {
            even = TRule.Apply(even, T.Load(ref first, k * stride));
            odd = TRule.Apply(odd, T.Load(ref first, (k + 1) * stride));
        }

        if (k < count)
        {
            even = TRule.Apply(even, T.Load(ref first, k * stride));
        }

        return TRule.Apply(even, odd);
    }

    private interface IMaximumRule
    {
        static abstract T Apply<T>(T running, T value) where T : struct, ISimdLanes<T>;
    }

    private readonly struct IeeeMaximumRule : IMaximumRule
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Apply<T>(T running, T value) where T : struct, ISimdLanes<T> => T.Max(running, value);
    }

    private readonly struct GreaterOrRightRule : IMaximumRule
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Apply<T>(T running, T value) where T : struct, ISimdLanes<T> => T.GreaterOrRight(running, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerm<T>(ref T sum, ref T tieBits, T logit, T maximum, T exponential) where T : struct, ISimdLanes<T>
    {
        T isMaximum = T.EqualTo(logit, maximum);
        sum += T.Select(isMaximum, T.Create(0f), exponential);
        tieBits = T.SubtractBits(tieBits, isMaximum);
    }

    /// <summary>t = s + (c - 1) from <see cref="AddChunk{T}"/>'s state (c - 1 is exact, so one rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SumExcludingMaximum<T>(T sum, T ties) where T : struct, ISimdLanes<T> => sum + (ties - T.Create(1f));

    /// <summary>m - z, read as 0 when z = m (so +∞ - +∞ and -∞ - -∞ give 0, not NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T DifferenceFromMaximum<T>(T maximum, T logit) where T : struct, ISimdLanes<T> =>
        T.Select(T.EqualTo(maximum, logit), T.Create(0f), maximum - logit);
}
