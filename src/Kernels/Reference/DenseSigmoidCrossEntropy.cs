using System.Buffers;
using System.Numerics;

namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.DenseSigmoidCrossEntropy"/>: the same public method, written as plain
/// loops in double precision, no SIMD, one row at a time: z = x·W + b in double, then the per-element loss and
/// gradient of <see cref="BinaryCrossEntropy.LogitLoss"/>, then ∂W += xᵀ·g, ∂b += g and ∂x = g·Wᵀ in double.
/// </summary>
/// <remarks>
/// Same semantics, validation (the same checks, so both throw the same exceptions) and outputs as the fast class;
/// results are rounded to float once at the end. The public method rents its double accumulators from the shared
/// array pool. <see cref="CostInDouble"/> (logits' inputs in double, for finite differences) and
/// <see cref="EvaluateInDouble"/> (every intermediate, unrounded) are meant for tests and tools and allocate.
/// </remarks>
public static class DenseSigmoidCrossEntropy
{
    /// <inheritdoc cref="Kernels.DenseSigmoidCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Reduction)"/>
    public static float CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient, Reduction reduction = Reduction.Mean)
    {
        (int n, int d, int k) = Kernels.DenseSigmoidCrossEntropy.ValidateArguments(
            features, weights, bias, targets, sampleWeights, positiveWeights, weightGradient, biasGradient, inputGradient, reduction);
        int length = (d * k) + k + (2 * k) + d;
        double[] rented = ArrayPool<double>.Shared.Rent(length);
        Span<double> buffer = rented.AsSpan(0, length);
        buffer.Clear();
        DenseLayerOutputs outputs = new() { WeightGradient = buffer[..(d * k)], BiasGradient = buffer.Slice(d * k, k) };
        double cost = Evaluate(features, weights, bias, targets, sampleWeights, positiveWeights, n, d, k, reduction, buffer[((d * k) + k)..], outputs, inputGradient, out _);
        DenseLayerLoops.Round(outputs.WeightGradient, weightGradient);
        DenseLayerLoops.Round(outputs.BiasGradient, biasGradient);
        ArrayPool<double>.Shared.Return(rented);
        return (float)cost;
    }

    /// <summary>
    /// The cost of features, weights and bias given in double (so that they can be perturbed by less than a float
    /// ulp), unrounded: the function whose exact derivatives the gradients are, for finite-difference checks.
    /// </summary>
    /// <param name="features">X, n×d row-major.</param>
    /// <param name="weights">W, d×k row-major.</param>
    /// <param name="bias">b, length k ≥ 1.</param>
    /// <param name="targets">Y, n×k.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="positiveWeights">Empty, or k per-output positive weights.</param>
    /// <param name="reduction">Sum, or Mean over the n samples.</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent with n, d and k.</exception>
    public static double CostInDouble(
        ReadOnlySpan<double> features, ReadOnlySpan<double> weights, ReadOnlySpan<double> bias,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction = Reduction.Mean)
    {
        int k = bias.Length;
        if (k == 0 || targets.Length % k != 0)
        {
            throw new ArgumentException($"'targets' has length {targets.Length}, which is not a multiple of k = {k} (bias.Length ≥ 1).", nameof(targets));
        }

        int n = targets.Length / k;
        int d = DenseLayerLoops.FeatureCount(features.Length, weights.Length, n, k);
        Internal.Validation.SpanGuard.EmptyOrLength(sampleWeights, n, nameof(sampleWeights), "one weight per sample");
        Internal.Validation.SpanGuard.EmptyOrLength(positiveWeights, k, nameof(positiveWeights), "one weight per output");
        Internal.Validation.DenseLayerGuard.Reduction(reduction);
        return Evaluate(features, weights, bias, targets, sampleWeights, positiveWeights, n, d, k, reduction, new double[(2 * k) + d], default, default, out _);
    }

    /// <summary>Every intermediate of the reference, unrounded (allocates the result; for tests and tools).</summary>
    /// <param name="features">X, n×d row-major.</param>
    /// <param name="weights">W, d×k row-major.</param>
    /// <param name="bias">b, length k ≥ 1.</param>
    /// <param name="targets">Y, n×k.</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights.</param>
    /// <param name="positiveWeights">Empty, or k per-output positive weights.</param>
    /// <param name="reduction">Sum, or Mean over the n samples.</param>
    /// <returns>The cost, Z and its term magnitudes, G, ∂W, ∂b and ∂X, in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.DenseSigmoidCrossEntropy"/> for the same arguments.</exception>
    public static DenseLayerEvaluation EvaluateInDouble(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction = Reduction.Mean)
    {
        int k = bias.Length;
        int n = k == 0 ? 0 : targets.Length / k;
        int d = n == 0 ? (k == 0 ? 0 : weights.Length / k) : features.Length / n;
        float[] weightGradient = new float[d * k], biasGradient = new float[k];
        Kernels.DenseSigmoidCrossEntropy.ValidateArguments(
            features, weights, bias, targets, sampleWeights, positiveWeights, weightGradient, biasGradient, default, reduction);
        DenseLayerEvaluation result = new(n, d, k);
        result.Cost = Evaluate(features, weights, bias, targets, sampleWeights, positiveWeights, n, d, k, reduction, new double[(2 * k) + d], result.AsOutputs(), default, out double scale);
        result.Scale = scale;
        return result;
    }

    private static double Evaluate<TNumber>(
        ReadOnlySpan<TNumber> features, ReadOnlySpan<TNumber> weights, ReadOnlySpan<TNumber> bias,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        int n, int d, int k, Reduction reduction, Span<double> scratch, DenseLayerOutputs outputs, Span<float> inputGradient, out double scale)
        where TNumber : unmanaged, IBinaryFloatingPointIeee754<TNumber>
    {
        scale = Internal.Validation.ReductionGuard.ReferenceScale(reduction, n);
        Span<double> z = scratch[..k], g = scratch.Slice(k, k), dx = scratch.Slice(2 * k, d);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<TNumber> x = features.Slice(i * d, d);
            DenseLayerLoops.Logits(x, weights, bias, z, outputs.LogitMagnitudes.IsEmpty ? default : outputs.LogitMagnitudes.Slice(i * k, k));
            double sampleWeight = sampleWeights.IsEmpty ? 1 : sampleWeights[i];
            double sampleLoss = 0;
            for (int o = 0; o < k; o++)
            {
                double positiveWeight = positiveWeights.IsEmpty ? 1 : positiveWeights[o];
                sampleLoss += BinaryCrossEntropy.LogitLoss(z[o], targets[(i * k) + o], positiveWeight, out double elementGradient);
                g[o] = scale * sampleWeight * elementGradient;
            }

            total += sampleLoss * sampleWeight;
            DenseLayerLoops.FinishRow(i, x, weights, z, g, dx, outputs, inputGradient);
        }

        return Internal.Validation.ReductionGuard.ReferenceCost(reduction, total, n);
    }
}
