using Kernels.Internal.Drivers;
using Kernels.Internal.Operators;

namespace Kernels;

/// <summary>
/// Binary cross-entropy, C = -(1/n) Σx Σj [y ln a + (1-y) ln(1-a)], from logits z (a = σ(z), computed stably)
/// or from probabilities a, as fused single passes: each input is read once, each output written once,
/// nothing is allocated, no thread is started.
/// </summary>
/// <remarks>
/// <para><b>Logits</b> (<c>Losses</c>, <c>Cost</c>, <c>CostAndGradient</c>): loss = softplus(z) - z·y =
/// max(z,0) - z·y + log1p(e^{-|z|}), computed as |z|·(z ≥ 0 ? 1-y : y) + log1p(e^{-|z|}) (no cancellation for
/// y ∈ [0,1]); gradient σ(z) - y computed as (1-y) - e/(1+e) for z ≥ 0 and e/(1+e) - y for z &lt; 0
/// (e = e^{-|z|}), so it keeps full relative accuracy when σ saturates. Accuracy against
/// <see cref="Reference.BinaryCrossEntropy"/>: loss within 4 ulp; gradient within 4 ulp for targets in {0,1}
/// and within 2^-22·s absolute for soft targets (σ(z) - y cancels when σ(z) ≈ y); results below the smallest
/// normal float are within one smallest normal. Targets are not range-checked: the formula is defined for any
/// real y (as in PyTorch and TensorFlow). ±∞ is not a real target: it is outside the domain, though not rejected; it
/// makes that element's loss and gradient (and its sample loss, and the cost) non-finite, +∞, -∞ or NaN depending on
/// z, the overload and the weights, and <see cref="Reference.BinaryCrossEntropy"/> may give a different one of these. NaN in a logit or target gives NaN in that element's loss and gradient
/// and in the cost. z = +∞ gives loss (1-y)·∞ (0 when y = 1) and gradient s·(1-y); z = -∞ gives loss y·∞ (0 when
/// y = 0) and gradient -s·y. Outputs may be exactly the memory of <c>logits</c> (in-place); any other overlap throws.</para>
/// <para><b>Probabilities</b> (<c>…FromProbabilities</c>): PyTorch's BCELoss: loss = -(y·max(ln a, -100) +
/// (1-y)·max(ln(1-a), -100)), gradient ∂/∂a = s·(a - y)/max(a(1-a), 1e-12); ln(1-a) is computed as log1p(-a)
/// where that is the accurate form. Loss and gradient within 4 ulp of the reference. A probability or target
/// outside [0,1] (±∞ included) throws <see cref="ArgumentOutOfRangeException"/> naming the parameter; it is detected
/// during the pass, so the outputs are then unspecified, while the inputs are never written. NaN is not rejected:
/// it propagates to that element's loss and gradient and to the cost. No output may overlap an input.</para>
/// <para><b>Reduction</b>: s = 1/n for <see cref="Reduction.Mean"/> (n samples; an empty batch costs 0) and
/// s = 1 for <see cref="Reduction.Sum"/>. Costs are summed in a fixed order (element i into double lane i mod 32)
/// (relative error ~1e-8 at n = 2^24).</para>
/// <para><b>Determinism</b>: every output bit is identical whatever the SIMD width in use (512, 256, 128 bits or
/// scalar) and whatever the alignment of the spans.</para>
/// <para><b>Multi-output</b> overloads take n samples of k = <c>outputCount</c> outputs, row-major. The per-sample
/// loss is the sum over the sample's k outputs times its sample weight; <see cref="Reduction.Mean"/> divides by n
/// (the number of samples, as the formula does; PyTorch's mean divides by n·k instead). Optional
/// <c>sampleWeights</c> (length n) scale each sample's loss and gradient (PyTorch's <c>weight</c>); optional
/// <c>positiveWeights</c> (length k, logits only) weight the positive term of each output (PyTorch's
/// <c>pos_weight</c>): loss = p·y·softplus(-z) + (1-y)·softplus(z). Pass an empty span for "no weights".
/// Weights are not range-checked; NaN weights give NaN. Per-element losses are float values before a sample weight
/// applies: one whose value exceeds float.MaxValue (|z| near float.MaxValue with p &gt; 1) is +∞ even if the weight
/// would bring the sample loss back into range (and NaN for a weight of 0). Sums are kept in double, so a cost of
/// finite losses overflows only if the cost itself does.</para>
/// </remarks>
public static class BinaryCrossEntropy
{
    /// <summary>Writes the per-element loss <c>losses[i] = softplus(z_i) - z_i·y_i</c> of logits.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n (any real; not range-checked).</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">A length differs from n, or <paramref name="losses"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets) { Losses = losses, Writes = PointwiseOutputs.Losses });

    /// <summary>The cost Σ losses (<see cref="Reduction.Sum"/>) or (1/n) Σ losses (<see cref="Reduction.Mean"/>) of logits.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost; NaN if any logit or target is NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets) { Reduction = reduction });

    /// <summary>
    /// Fused: returns the cost and writes <c>gradient[i] = ∂Cost/∂z_i = s·(σ(z_i) - y_i)</c>, s = 1/n for
    /// <see cref="Reduction.Mean"/>, 1 for <see cref="Reduction.Sum"/>, in one pass.
    /// </summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/> (in-place).</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost, as <see cref="Cost(ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>.</returns>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="gradient"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction = Reduction.Mean) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets) { Gradient = gradient, Reduction = reduction, Writes = PointwiseOutputs.Gradient });

    /// <summary>Fused: returns the cost, writes the gradient s·(σ(z) - y) and the per-element losses, in one pass.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/> if <paramref name="gradient"/> is not.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, the two destinations overlap, or a destination overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction = Reduction.Mean) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets)
        {
            Gradient = gradient, Losses = losses, Reduction = reduction,
            Writes = PointwiseOutputs.Gradient | PointwiseOutputs.Losses,
        });

    /// <summary>Multi-output, weighted: writes each sample's loss Σj w_i·[p_j·y·softplus(-z) + (1-y)·softplus(z)].</summary>
    /// <param name="logits">Logits, n×k row-major.</param>
    /// <param name="targets">Targets, n×k.</param>
    /// <param name="outputCount">k ≥ 1, the outputs per sample; n = logits.Length / k.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights w_i.</param>
    /// <param name="positiveWeights">Empty, or k per-output positive weights p_j (PyTorch's pos_weight).</param>
    /// <param name="sampleLosses">Destination, length n.</param>
    /// <exception cref="ArgumentException">A length is inconsistent with n and k, or an output overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputCount"/> ≤ 0.</exception>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> sampleLosses) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets, outputCount)
        {
            SampleWeights = sampleWeights, PositiveWeights = positiveWeights, Losses = sampleLosses,
            Writes = PointwiseOutputs.Losses,
        });

    /// <summary>Multi-output, weighted cost: Σ of the sample losses, divided by n for <see cref="Reduction.Mean"/>.</summary>
    /// <param name="logits">Logits, n×k row-major.</param>
    /// <param name="targets">Targets, n×k.</param>
    /// <param name="outputCount">k ≥ 1.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="positiveWeights">Empty, or k per-output positive weights.</param>
    /// <param name="reduction">Sum, or mean over the n samples (not over n·k).</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent with n and k.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputCount"/> ≤ 0 or <paramref name="reduction"/> is not defined.</exception>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction = Reduction.Mean) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets, outputCount)
        {
            SampleWeights = sampleWeights, PositiveWeights = positiveWeights, Reduction = reduction,
        });

    /// <summary>
    /// Multi-output, weighted, fused: returns the cost, writes the n×k gradient
    /// s·w_i·(σ(z)·(1 + (p_j - 1)·y) - p_j·y) and, if <paramref name="sampleLosses"/> is not empty, the n sample losses.
    /// </summary>
    /// <param name="logits">Logits, n×k row-major.</param>
    /// <param name="targets">Targets, n×k.</param>
    /// <param name="outputCount">k ≥ 1.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="positiveWeights">Empty, or k per-output positive weights.</param>
    /// <param name="gradient">Destination, n×k; may be exactly <paramref name="logits"/>.</param>
    /// <param name="sampleLosses">Empty (not written), or a destination of length n.</param>
    /// <param name="reduction">Sum, or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent with n and k, or an output overlaps an input other than the documented in-place case.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputCount"/> ≤ 0 or <paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction = Reduction.Mean) =>
        SigmoidCrossEntropyOperator.Evaluate(new(logits, targets, outputCount)
        {
            SampleWeights = sampleWeights, PositiveWeights = positiveWeights, Gradient = gradient,
            Losses = sampleLosses, Reduction = reduction, Writes = PointwiseOutputs.Gradient,
        });

    /// <summary>Writes the per-element loss -(y·max(ln a, -100) + (1-y)·max(ln(1-a), -100)) of probabilities a.</summary>
    /// <param name="probabilities">Probabilities a ∈ [0,1], length n.</param>
    /// <param name="targets">Targets y ∈ [0,1], length n.</param>
    /// <param name="losses">Destination, length n; must not overlap an input.</param>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="losses"/> overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A probability or target is outside [0,1] (NaN is allowed and propagates).</exception>
    public static void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets) { Losses = losses, Writes = PointwiseOutputs.Losses });

    /// <summary>The cost of probabilities: Σ or mean of the clamped per-element losses.</summary>
    /// <param name="probabilities">Probabilities a ∈ [0,1], length n.</param>
    /// <param name="targets">Targets y ∈ [0,1], length n.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost; NaN if any input is NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside [0,1], or <paramref name="reduction"/> is not defined.</exception>
    public static float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets) { Reduction = reduction });

    /// <summary>Fused: returns the cost and writes <c>gradient[i] = s·(a_i - y_i)/max(a_i(1-a_i), 1e-12)</c>.</summary>
    /// <param name="probabilities">Probabilities a ∈ [0,1], length n.</param>
    /// <param name="targets">Targets y ∈ [0,1], length n.</param>
    /// <param name="gradient">Destination, length n; must not overlap an input.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="gradient"/> overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside [0,1], or <paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets)
        {
            Gradient = gradient, Reduction = reduction, Writes = PointwiseOutputs.Gradient,
        });

    /// <summary>Fused: returns the cost, writes the gradient and the per-element losses of probabilities.</summary>
    /// <param name="probabilities">Probabilities a ∈ [0,1], length n.</param>
    /// <param name="targets">Targets y ∈ [0,1], length n.</param>
    /// <param name="gradient">Destination, length n.</param>
    /// <param name="losses">Destination, length n.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, or any two of the spans overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside [0,1], or <paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets)
        {
            Gradient = gradient, Losses = losses, Reduction = reduction,
            Writes = PointwiseOutputs.Gradient | PointwiseOutputs.Losses,
        });

    /// <summary>Multi-output, weighted: writes each sample's loss w_i·Σj (clamped BCE of a_ij against y_ij).</summary>
    /// <param name="probabilities">Probabilities, n×k row-major, in [0,1].</param>
    /// <param name="targets">Targets, n×k, in [0,1].</param>
    /// <param name="outputCount">k ≥ 1.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="sampleLosses">Destination, length n.</param>
    /// <exception cref="ArgumentException">A length is inconsistent with n and k, or an output overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputCount"/> ≤ 0, or a value is outside [0,1].</exception>
    public static void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets, outputCount)
        {
            SampleWeights = sampleWeights, Losses = sampleLosses, Writes = PointwiseOutputs.Losses,
        });

    /// <summary>Multi-output, weighted cost of probabilities; <see cref="Reduction.Mean"/> divides by n samples.</summary>
    /// <param name="probabilities">Probabilities, n×k row-major, in [0,1].</param>
    /// <param name="targets">Targets, n×k, in [0,1].</param>
    /// <param name="outputCount">k ≥ 1.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="reduction">Sum, or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent with n and k.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputCount"/> ≤ 0, a value is outside [0,1], or <paramref name="reduction"/> is not defined.</exception>
    public static float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets, outputCount)
        {
            SampleWeights = sampleWeights, Reduction = reduction,
        });

    /// <summary>Multi-output, weighted, fused: returns the cost, writes the n×k gradient and optionally the n sample losses.</summary>
    /// <param name="probabilities">Probabilities, n×k row-major, in [0,1].</param>
    /// <param name="targets">Targets, n×k, in [0,1].</param>
    /// <param name="outputCount">k ≥ 1.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="gradient">Destination, n×k.</param>
    /// <param name="sampleLosses">Empty (not written), or a destination of length n.</param>
    /// <param name="reduction">Sum, or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent with n and k, or any output overlaps an input or the other output.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputCount"/> ≤ 0, a value is outside [0,1], or <paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<ProbabilityCrossEntropyOperator>(new(probabilities, targets, outputCount)
        {
            SampleWeights = sampleWeights, Gradient = gradient, Losses = sampleLosses, Reduction = reduction,
            Writes = PointwiseOutputs.Gradient,
        });
}
