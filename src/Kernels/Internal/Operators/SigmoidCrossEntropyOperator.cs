using System.Runtime.CompilerServices;
using Kernels.Internal.Drivers;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// The terms every loss of a sigmoid output is written in, through e = e^{-|z|} ∈ [0, 1], which never overflows.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>softplus(±z) = max(±z, 0) + log1p(e), so BCE = |z|·w + log1p(e) with w = (z ≥ 0 ? 1-y : y).
/// For y ∈ [0, 1] both terms are ≥ 0: no cancellation, even for y close to 1.</item>
/// <item>σ(-|z|) = q = e/(1+e). For z ≥ 0, σ(z) - y is (1-y) - q, for z &lt; 0 it is q - y: never
/// 1 - σ, so a saturated σ(z) - 1 keeps its full relative accuracy (-e, not 0).</item>
/// <item>log1p(e) = 2·atanh(t), t = e/(2+e) ∈ [0, 1/3]. q and t are two divisions: sharing one reciprocal
/// (R = 1/((1+e)(2+e)), q = e(2+e)·R, t = e(1+e)·R) measured slower on Zen 5 (the four extra multiplies compete
/// for the FMA ports; the divider is otherwise idle) and was up to 4 ulp off instead of ~2.</item>
/// <item>|z| = ∞ gives e = 0 and the exact limits; w = 0 reads 0·∞ as 0 (y = 1 at z = +∞, y = 0 at z = -∞).</item>
/// </list>
/// </remarks>
internal readonly ref struct SigmoidTerms<T> where T : struct, ISimdLanes<T>
{
    public readonly T AbsZ;
    public readonly T E;
    public readonly T Q;
    public readonly T Log1pE;
    /// <summary>All-ones lanes where z ≥ 0.</summary>
    public readonly T NonNegative;
    public readonly T OneMinusY;
    /// <summary>The weight of |z| in the loss: 1-y for z ≥ 0, y otherwise.</summary>
    public readonly T W;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SigmoidTerms(T logit, T target)
    {
        T one = T.Create(1f);
        AbsZ = T.Abs(logit);
        E = LossMath.ExpNonPositive(-AbsZ);
        Q = E / (one + E);
        Log1pE = LossMath.TwiceAtanh(E / (T.Create(2f) + E));
        NonNegative = T.GreaterThanOrEqual(logit, T.Create(0f));
        OneMinusY = one - target;
        W = T.Select(NonNegative, OneMinusY, target);
    }

    /// <summary>softplus(z) - z·y = |z|·w + log1p(e), with |z|·w read as 0 where w = 0 (0·∞ at the limits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T CrossEntropy()
    {
        T zero = T.Create(0f);
        return Log1pE + T.Select(T.EqualTo(W, zero), zero, AbsZ * W);
    }

    /// <summary>σ(z) - y without 1 - σ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Error(T target) => T.Select(NonNegative, OneMinusY - Q, Q - target);
}

/// <summary>
/// Binary cross-entropy of logits: loss = p·y·softplus(-z) + (1-y)·softplus(z), gradient = σ(z)·l - p·y with
/// l = 1 + (p-1)·y (PyTorch's BCEWithLogitsLoss with pos_weight p; p = 1 gives softplus(z) - z·y and σ(z) - y).
/// The state is p: none (<typeparamref name="THasPositiveWeight"/> unset), one weight for every element, or one per
/// element of the pass (<typeparamref name="TPerElement"/>: the k weights of a row, or a tile of them).
/// </summary>
/// <remarks>See <see cref="SigmoidTerms{T}"/> for the stable forms.</remarks>
internal readonly ref struct SigmoidCrossEntropyOperator<THasPositiveWeight, TPerElement> : IPointwiseLossOperator
    where THasPositiveWeight : IStaticFlag
    where TPerElement : IStaticFlag
{
    private readonly ref readonly float _weights;
    private readonly float _weight;

    /// <summary>One positive weight for every element.</summary>
    public SigmoidCrossEntropyOperator(float positiveWeight)
    {
        _weights = ref Unsafe.NullRef<float>();
        _weight = positiveWeight;
    }

    /// <summary>A positive weight per element of the pass (the span must cover the pass; validated by the caller).</summary>
    public SigmoidCrossEntropyOperator(ReadOnlySpan<float> positiveWeights)
    {
        _weights = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(positiveWeights);
        _weight = 1f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke<T>(T logit, T target, nuint index, out T gradient) where T : struct, ISimdLanes<T>
    {
        SigmoidTerms<T> terms = new(logit, target);
        if (!THasPositiveWeight.IsSet)
        {
            // p = 1: l = 1, so l·q = q and fma(l, log1p(e), linear) = log1p(e) + linear exactly: same bits as below.
            gradient = terms.Error(target);
            return terms.CrossEntropy();
        }

        T positiveWeight = TPerElement.IsSet ? T.Load(ref Unsafe.AsRef(in _weights), index) : T.Create(_weight);
        T one = T.Create(1f), zero = T.Create(0f);
        // The linear term (|z|·w)·p, read as 0 when a factor other than |z| is 0 (0·∞ at the limits). The order
        // matters at the extremes: p·y first would round a subnormal y·p to nothing while |z|·y·p is a normal loss,
        // and |z|·p first would overflow where |z|·y·p is in range.
        T p = T.Select(terms.NonNegative, one, positiveWeight);
        T linear = T.Select(T.Or(T.EqualTo(terms.W, zero), T.EqualTo(p, zero)), zero, terms.AbsZ * terms.W * p);

        // l = 1 + (p-1)·y as p·y + (1-y): rounding p - 1 first would cost ~2^-24/p relative for small p; this form
        // is exact for hard labels and exactly 1 for p = 1 and y ∈ [0, 1].
        T l = T.FusedMultiplyAdd(positiveWeight, target, terms.OneMinusY);
        T lq = l * terms.Q;
        gradient = T.Select(terms.NonNegative, terms.OneMinusY - lq, lq - positiveWeight * target);
        return T.FusedMultiplyAdd(l, terms.Log1pE, linear);
    }
}

/// <summary>Builds the <see cref="SigmoidCrossEntropyOperator{THasPositiveWeight, TPerElement}"/> a call's positive weights ask for.</summary>
internal static class SigmoidCrossEntropyOperator
{
    /// <summary>Validates and runs a binary cross-entropy call from logits.</summary>
    public static float Evaluate(scoped in PointwiseLossCall call)
    {
        // k weights, one per output of a row (an invalid length is rejected before the pass reads them); for k = 1
        // the one weight is the state itself, and a weight of 1 is no weight (the same bits, less work).
        ReadOnlySpan<float> weights = call.PositiveWeights;
        if (call.OutputCount > 1 && !weights.IsEmpty)
        {
            return PointwiseLoss.Evaluate(call, new SigmoidCrossEntropyOperator<FlagSet, FlagSet>(weights));
        }

        float weight = weights.IsEmpty ? 1f : weights[0];
        return weight != 1f
            ? PointwiseLoss.Evaluate(call, new SigmoidCrossEntropyOperator<FlagSet, FlagUnset>(weight))
            : PointwiseLoss.Evaluate(call, new SigmoidCrossEntropyOperator<FlagUnset, FlagUnset>(1f));
    }
}
