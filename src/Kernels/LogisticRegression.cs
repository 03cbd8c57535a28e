using Kernels.Internal.Linear;
using Kernels.Internal.Math;
using Kernels.Internal.Validation;

namespace Kernels;

/// <summary>
/// The fused logistic-regression step: for z_i = x_i·w + b, the binary cross-entropy cost and its gradients
/// ∂C/∂w_j = s Σ_i x_ij (σ(z_i) - y_i) and ∂C/∂b = s Σ_i (σ(z_i) - y_i), in one streaming pass over the features.
/// </summary>
/// <remarks>
/// The features are read from memory once: a block of 32 rows (64 for d ≤ 128) is turned into logits, the loss and
/// δ = s·(σ(z) - y) are computed for the block, and the block's rows, still in L1, are accumulated into ∂C/∂w. Numerics of the loss
/// and δ are those of <see cref="BinaryCrossEntropy"/>. Dot products and gradient sums follow a fixed order (32
/// logical lanes, blocks of 32 rows), so every output bit is identical on every SIMD width and alignment.
/// Nothing is allocated for d ≤ 16384 features; larger d rent one d-length buffer from the shared array pool.
/// NaN or ±∞ in a feature, weight, bias or target propagate to the cost and gradients (an infinite logit is handled
/// as in <see cref="BinaryCrossEntropy"/>, but 0·∞ in ∂w then gives NaN). Targets are not range-checked.
/// </remarks>
public static class LogisticRegression
{
    /// <summary>
    /// Returns the binary cross-entropy cost of σ(x_i·w + b) against y_i and writes ∂C/∂w and ∂C/∂b.
    /// </summary>
    /// <param name="features">n×d features, row-major; d = <paramref name="weights"/>.Length, n = <paramref name="targets"/>.Length.</param>
    /// <param name="weights">The d weights w.</param>
    /// <param name="bias">The bias b.</param>
    /// <param name="targets">The n targets y.</param>
    /// <param name="weightGradient">Destination for ∂C/∂w, length d; must not overlap an input.</param>
    /// <param name="biasGradient">∂C/∂b.</param>
    /// <param name="reduction">Mean (s = 1/n; an empty batch costs 0 with zero gradients) or Sum (s = 1).</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException"><paramref name="features"/>.Length ≠ n·d, <paramref name="weightGradient"/>.Length ≠ d, or <paramref name="weightGradient"/> overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, ReadOnlySpan<float> targets,
        Span<float> weightGradient, out float biasGradient, Reduction reduction = Reduction.Mean)
    {
        int n = targets.Length;
        LogisticRegressionGuard.CostAndGradient(features, weights, targets, weightGradient, reduction);
        float scale = ReductionGuard.GradientScale(reduction, n);
        double loss = LogisticRegressionPass.Run(features, weights, bias, targets, scale, weightGradient, out double biasSum);
        biasGradient = LossMath.CanonicalNaN((float)biasSum);
        return ReductionGuard.Cost(reduction, loss, n);
    }

    /// <summary>Writes probabilities[i] = σ(x_i·w + b).</summary>
    /// <param name="features">n×d features, row-major; d = <paramref name="weights"/>.Length, n = <paramref name="probabilities"/>.Length.</param>
    /// <param name="weights">The d weights.</param>
    /// <param name="bias">The bias.</param>
    /// <param name="probabilities">Destination, length n; must not overlap an input.</param>
    /// <exception cref="ArgumentException"><paramref name="features"/>.Length ≠ n·d, or <paramref name="probabilities"/> overlaps an input.</exception>
    public static void Predict(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, Span<float> probabilities)
    {
        LogisticRegressionGuard.Predict(features, weights, probabilities);
        LogisticRegressionPass.Predict(features, weights, bias, probabilities);
    }
}
