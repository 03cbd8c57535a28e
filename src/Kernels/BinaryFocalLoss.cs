using Kernels.Internal.Drivers;
using Kernels.Internal.Operators;
using Kernels.Internal.Validation;

namespace Kernels;

/// <summary>
/// Binary focal loss from logits (Lin et al., RetinaNet; torchvision's <c>sigmoid_focal_loss</c>):
/// loss = α_t·(1 - p_t)^γ·BCE(z, y) with p = σ(z), p_t = p·y + (1-p)(1-y) and α_t = α·y + (1-α)(1-y), as fused
/// single passes: each input is read once, each output written once, nothing is allocated, no thread is started.
/// </summary>
/// <remarks>
/// <para><b>Parameters</b>: γ ≥ 0 (finite) focuses the loss on hard examples; γ = 0 is exactly
/// <see cref="BinaryCrossEntropy"/>, bit for bit (scaled by α_t when α is given). α ∈ [0, 1] weights the positive
/// class by α and the negative by 1-α; <see langword="null"/> or a negative α means no α weighting (α_t = 1). Other
/// values throw <see cref="ArgumentOutOfRangeException"/>.</para>
/// <para><b>Numerics</b>: computed in log space from e = e^{-|z|}: ln(1-p_t) = ln(w + v·e) - log1p(e) with
/// w = (z ≥ 0 ? 1-y : y), v = 1 - w, which for a confident correct prediction is -softplus(|z|) exactly, never
/// ln of a rounded 1 - p_t; (1-p_t)^γ = exp(γ·ln(1-p_t)) with the argument carried as a float pair. So loss and
/// gradient are finite for every finite logit and every γ ≥ 0, including 0 &lt; γ &lt; 1 at p_t = 1 (where
/// PyTorch's form gives NaN), and keep their relative accuracy in the saturated tail. The gradient
/// ∂loss/∂z = α_t·(1-p_t)^γ·[(σ(z) - y) - γ·(2y-1)·BCE·σ(z)σ(-z)/(1-p_t)] uses σ(z)σ(-z)/(1-p_t) formed without
/// 1 - p_t. Accuracy against <see cref="Reference.BinaryFocalLoss"/> (bounds derived step by step in the tests;
/// measured worst over BCE's logit sweep in brackets): for targets in {0, 1}, loss within (7 + 1.4γ) ulp [4.4 at
/// γ = 5] and gradient within (11 + 1.4γ) ulp [5.9 at γ = 5]; for soft targets the loss within
/// (7 + 1.4γ + γ·(1.5 + 2·|ln(w + v·e)|)) ulp (s^γ is γ times as sensitive as s), the gradient within
/// 2^-21·s·(1 + γ)·max(1, BCE)·α_t·(1-p_t)^γ absolute plus that relative part (its two terms may cancel). Results
/// below the smallest normal float are within one smallest normal.</para>
/// <para><b>Targets</b> are not range-checked; the formula is meant for y ∈ [0, 1] (soft labels included).
/// Outside [0, 1], 1 - p_t may be negative and the loss NaN. NaN in a logit or target gives NaN in that element's
/// loss and gradient and in the cost. z = ±∞ give the limits: loss α_t·(1-y)^γ·∞ or 0 (z = +∞; y^γ for z = -∞)
/// and gradient s·α_t·(1-y)^γ·(1-y) (z = +∞) or -s·α_t·y^γ·y (z = -∞).</para>
/// <para><b>Reduction</b>: s = 1/n for <see cref="Reduction.Mean"/> (an empty batch costs 0), 1 for
/// <see cref="Reduction.Sum"/>; costs are summed in a fixed order (element i into double lane i mod 32).
/// <b>Aliasing</b>: outputs may be exactly the memory of <c>logits</c> (in place); any other overlap throws
/// <see cref="ArgumentException"/>. <b>Determinism</b>: every output bit is identical on every SIMD width and alignment.</para>
/// <para>Why a class of its own rather than an option of <see cref="BinaryCrossEntropy"/>: its parameters (γ, and an α
/// that is not pos_weight) would double BCE's fourteen overloads, and its γ = 0 case is already BCE; here each
/// method keeps BCE's shape with γ and α added, as torchvision keeps sigmoid_focal_loss apart from BCEWithLogitsLoss.</para>
/// </remarks>
public static class BinaryFocalLoss
{
    /// <summary>Writes the per-element focal loss <c>losses[i] = α_t·(1-p_t)^γ·BCE(z_i, y_i)</c> of logits.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n (meant for [0, 1]; not range-checked).</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <param name="gamma">The focusing parameter γ ≥ 0.</param>
    /// <param name="alpha">α ∈ [0, 1], or <see langword="null"/> or negative for no α weighting.</param>
    /// <exception cref="ArgumentException">A length differs from n, or <paramref name="losses"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative, NaN or infinite, or <paramref name="alpha"/> is NaN or &gt; 1.</exception>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses, float gamma, float? alpha = null) =>
        Evaluate(new(logits, targets) { Losses = losses, Writes = PointwiseOutputs.Losses }, gamma, alpha);

    /// <summary>The cost Σ losses (<see cref="Reduction.Sum"/>) or (1/n) Σ losses (<see cref="Reduction.Mean"/>).</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gamma">The focusing parameter γ ≥ 0.</param>
    /// <param name="alpha">α ∈ [0, 1], or <see langword="null"/> or negative for no α weighting.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost; NaN if any logit or target is NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> or <paramref name="alpha"/> is out of range, or <paramref name="reduction"/> is not defined.</exception>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        Evaluate(new(logits, targets) { Reduction = reduction }, gamma, alpha);

    /// <summary>Fused: returns the cost and writes <c>gradient[i] = s·∂loss_i/∂z_i</c>, s = 1/n for Mean, 1 for Sum.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/> (in place).</param>
    /// <param name="gamma">The focusing parameter γ ≥ 0.</param>
    /// <param name="alpha">α ∈ [0, 1], or <see langword="null"/> or negative for no α weighting.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="gradient"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> or <paramref name="alpha"/> is out of range, or <paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        Evaluate(new(logits, targets) { Gradient = gradient, Reduction = reduction, Writes = PointwiseOutputs.Gradient }, gamma, alpha);

    /// <summary>Fused: returns the cost, writes the gradient and the per-element losses, in one pass.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/> if <paramref name="gradient"/> is not.</param>
    /// <param name="gamma">The focusing parameter γ ≥ 0.</param>
    /// <param name="alpha">α ∈ [0, 1], or <see langword="null"/> or negative for no α weighting.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, the destinations overlap, or a destination overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> or <paramref name="alpha"/> is out of range, or <paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        Evaluate(new(logits, targets) { Gradient = gradient, Losses = losses, Reduction = reduction, Writes = PointwiseOutputs.Gradient | PointwiseOutputs.Losses }, gamma, alpha);

    private static float Evaluate(scoped in PointwiseLossCall call, float gamma, float? alpha) =>
        PointwiseLoss.Evaluate(call, new BinaryFocalOperator(gamma, PointwiseLossGuard.FocalParameters(gamma, alpha)));
}
