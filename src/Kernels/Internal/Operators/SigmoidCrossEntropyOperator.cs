using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// Binary cross-entropy of logits: loss = p·y·softplus(-z) + (1-y)·softplus(z), gradient = σ(z)·l - p·y with
/// l = 1 + (p-1)·y (PyTorch's BCEWithLogitsLoss with pos_weight p; p = 1 gives softplus(z) - z·y and σ(z) - y).
/// </summary>
/// <remarks>
/// Everything is expressed through e = e^{-|z|} ∈ [0, 1], which never overflows:
/// <list type="bullet">
/// <item>softplus(±z) = max(±z, 0) + log1p(e), so loss = |z|·w + l·log1p(e) with w = (z ≥ 0 ? 1-y : p·y).
/// For y ∈ [0, 1] both terms are ≥ 0: no cancellation, even for y close to 1.</item>
/// <item>σ(-|z|) = q = e/(1+e). For z ≥ 0 the gradient is (1-y) - l·q, for z &lt; 0 it is l·q - p·y: never
/// 1 - σ, so a saturated σ(z) - 1 keeps its full relative accuracy (-e, not 0).</item>
/// <item>log1p(e) = 2·atanh(t), t = e/(2+e) ∈ [0, 1/3]. q and t are two divisions: sharing one reciprocal
/// (R = 1/((1+e)(2+e)), q = e(2+e)·R, t = e(1+e)·R) measured slower on Zen 5 (the four extra multiplies compete
/// for the FMA ports; the divider is otherwise idle) and was up to 4 ulp off instead of ~2.</item>
/// <item>|z| = ∞ gives e = 0 and the exact limits; w = 0 reads 0·∞ as 0 (y = 1 at z = +∞, y = 0 at z = -∞).</item>
/// </list>
/// </remarks>
internal readonly struct SigmoidCrossEntropyOperator : IPointwiseLossOperator
{
    public static bool HasDomain => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T OutOfDomain<T>(T value) where T : struct, ISimdLanes<T> => T.Create(0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke<T, THasPositiveWeight>(T logit, T target, T positiveWeight, out T gradient)
        where T : struct, ISimdLanes<T>
        where THasPositiveWeight : IStaticFlag
    {
        T one = T.Create(1f);
        T absZ = T.Abs(logit);
        T e = LossMath.ExpNonPositive(-absZ);

        T q = e / (one + e);
        T t = e / (T.Create(2f) + e);
        T log1pE = LossMath.TwiceAtanh(t);

        T nonNegative = T.GreaterThanOrEqual(logit, T.Create(0f));
        T oneMinusY = one - target;
        T w = T.Select(nonNegative, oneMinusY, target);
        // The linear term (|z|·w)·p, read as 0 when a factor other than |z| is 0 (0·∞ at the limits). The order
        // matters at the extremes: p·y first would round a subnormal y·p to nothing while |z|·y·p is a normal loss,
        // and |z|·p first would overflow where |z|·y·p is in range.
        T zero = T.Create(0f);
        T linear;
        if (THasPositiveWeight.IsSet)
        {
            T p = T.Select(nonNegative, one, positiveWeight);
            linear = T.Select(T.Or(T.EqualTo(w, zero), T.EqualTo(p, zero)), zero, absZ * w * p);
        }
        else
        {
            linear = T.Select(T.EqualTo(w, zero), zero, absZ * w);
        }

        if (!THasPositiveWeight.IsSet)
        {
            // p = 1: l = 1, so l·q = q and fma(l, log1p(e), linear) = log1p(e) + linear exactly: same bits as below.
            gradient = T.Select(nonNegative, oneMinusY - q, q - target);
            return log1pE + linear;
        }

        // l = 1 + (p-1)·y as p·y + (1-y): rounding p - 1 first would cost ~2^-24/p relative for small p; this form
        // is exact for hard labels and exactly 1 for p = 1 and y ∈ [0, 1].
        T l = T.FusedMultiplyAdd(positiveWeight, target, oneMinusY);
        T lq = l * q;
        gradient = T.Select(nonNegative, oneMinusY - lq, lq - positiveWeight * target);
        return T.FusedMultiplyAdd(l, log1pE, linear);
    }
}
