using Kernels.Internal.Drivers;
using Kernels.Internal.Operators;

namespace Kernels;

/// <summary>
/// The quadratic cost of a sigmoid output, C = (1/2n) Σ (σ(z) - y)², from logits z, as fused single passes:
/// its gradient s·(σ(z) - y)·σ'(z) carries the σ' factor that makes learning slow when a neuron is badly wrong
/// (the contrast with <see cref="BinaryCrossEntropy"/>, whose gradient is s·(σ(z) - y)).
/// </summary>
/// <remarks>
/// Same conventions as <see cref="BinaryCrossEntropy"/>: s = 1/n for <see cref="Reduction.Mean"/> (an empty batch
/// costs 0), 1 for <see cref="Reduction.Sum"/>; σ(z) - y is formed without 1 - σ cancellation; outputs may be
/// exactly the memory of <c>logits</c>, any other overlap throws <see cref="ArgumentException"/>; targets are not
/// range-checked (any finite real; a ±∞ target is outside the domain and gives a non-finite loss, gradient and cost); NaN in a logit or target gives NaN in that element's loss and gradient and in the cost;
/// z = ±∞ give σ = 1 or 0 exactly, so the loss is ½(1-y)² or ½y² and the gradient 0 (σ' = 0). Every output bit
/// is identical on every SIMD width and alignment.
/// </remarks>
public static class QuadraticCost
{
    /// <summary>Writes losses[i] = ½(σ(z_i) - y_i)².</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="losses"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses) =>
        PointwiseLoss.Evaluate<QuadraticCostOperator>(new(logits, targets) { Losses = losses, Writes = PointwiseOutputs.Losses });

    /// <summary>The cost Σ ½(σ(z) - y)² (Sum) or (1/2n) Σ (σ(z) - y)² (Mean).</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<QuadraticCostOperator>(new(logits, targets) { Reduction = reduction });

    /// <summary>Fused: returns the cost and writes gradient[i] = s·(σ(z_i) - y_i)·σ(z_i)(1 - σ(z_i)).</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="gradient"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<QuadraticCostOperator>(new(logits, targets)
        {
            Gradient = gradient, Reduction = reduction, Writes = PointwiseOutputs.Gradient,
        });

    /// <summary>Fused: returns the cost, writes the gradient and the per-element losses, in one pass.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/> if <paramref name="gradient"/> is not.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, the destinations overlap, or a destination overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss.Evaluate<QuadraticCostOperator>(new(logits, targets)
        {
            Gradient = gradient, Losses = losses, Reduction = reduction,
            Writes = PointwiseOutputs.Gradient | PointwiseOutputs.Losses,
        });
}
