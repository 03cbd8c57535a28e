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
/// One merge rule serves everything: adding a logit x is merging (x, 0); an empty state is (-∞, -1), which any
/// merge absorbs exactly. Merging (ma, ta) with (mb, tb), ma ≥ mb: t = ta + (tb + 1)·e^{-(ma - mb)}.
/// Differences of equal logits are read as 0 (so equal infinities share probability instead of giving NaN);
/// NaN propagates through both m (IEEE max) and t.
/// </remarks>
internal static class OnlineSoftmax
{
    public const float EmptyMaximum = float.NegativeInfinity;
    public const float EmptySum = -1f;

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

    /// <summary>m - z, read as 0 when z = m (so +∞ - +∞ and -∞ - -∞ give 0, not NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T DifferenceFromMaximum<T>(T maximum, T logit) where T : struct, ISimdLanes<T> =>
        T.Select(T.EqualTo(maximum, logit), T.Create(0f), maximum - logit);
}
