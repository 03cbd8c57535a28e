using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// The math of one pointwise loss: the loss of a prediction against a target and its derivative with respect to
/// the prediction, for one value of lanes. Drivers own loops, tails, weighting, reduction and validation.
/// </summary>
/// <remarks>
/// An operator is a value: its per-call parameters (BCE's pos_weight, focal γ and α, …) are fields set once when the
/// call builds it, as TensorPrimitives' stateful operators hold theirs, and the driver passes it by reference to every
/// step without knowing what it holds. Parameters that vary per element are spans in the operator, read at the
/// element's index within the pass (so a loss with a new parameter is one new operator, not a new driver).
/// </remarks>
internal interface IPointwiseLossOperator
{
    // The defaults are those of the losses of logits, whose domain is every real: only a loss of probabilities overrides them.

    /// <summary>What the predictions are called in exceptions ("logits" or "probabilities").</summary>
    static virtual string PredictionsName => "logits";

    /// <summary>Whether <see cref="OutOfDomain"/> must be evaluated (false lets the JIT drop the check).</summary>
    static virtual bool HasDomain => false;

    /// <summary>All-ones lanes where <paramref name="value"/> is outside the operator's domain (NaN is not).</summary>
    static virtual T OutOfDomain<T>(T value) where T : struct, ISimdLanes<T> => T.Create(0f);

    /// <summary>Returns the loss and writes ∂loss/∂prediction for the elements <paramref name="index"/>.. of the pass.</summary>
    /// <param name="prediction">The predictions (logits or probabilities).</param>
    /// <param name="target">The targets.</param>
    /// <param name="index">The index in the pass of the first lane, for parameters given per element.</param>
    /// <param name="gradient">∂loss/∂prediction, unscaled.</param>
    T Invoke<T>(T prediction, T target, nuint index, out T gradient) where T : struct, ISimdLanes<T>;
}
