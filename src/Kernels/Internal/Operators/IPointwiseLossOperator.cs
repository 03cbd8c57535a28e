using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// The math of one pointwise loss: the loss of a prediction against a target and its derivative with respect to
/// the prediction, for one value of lanes. Drivers own loops, tails, weighting, reduction and validation.
/// </summary>
internal interface IPointwiseLossOperator
{
    /// <summary>Whether <see cref="OutOfDomain"/> must be evaluated (false lets the JIT drop the check).</summary>
    static abstract bool HasDomain { get; }

    /// <summary>All-ones lanes where <paramref name="value"/> is outside the operator's domain (NaN is not).</summary>
    static abstract T OutOfDomain<T>(T value) where T : struct, ISimdLanes<T>;

    /// <summary>
    /// Returns the loss and writes ∂loss/∂prediction. <paramref name="positiveWeight"/> scales the loss of the
    /// positive class; it is read only when <typeparamref name="THasPositiveWeight"/> is set (the result must then
    /// be bit-identical to the unset form for a weight of 1). Operators without such a notion ignore it.
    /// </summary>
    static abstract T Invoke<T, THasPositiveWeight>(T prediction, T target, T positiveWeight, out T gradient)
        where T : struct, ISimdLanes<T>
        where THasPositiveWeight : IStaticFlag;
}
