using System.Buffers;
using System.Numerics;

namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.DenseSoftmaxCrossEntropy"/>: the same public method, written as plain
/// loops in double precision, no SIMD, one row at a time: z = x·W + b in double, then the row's loss and gradient
/// as <see cref="SoftmaxCrossEntropy.RowLoss(ReadOnlySpan{double}, int, SoftmaxCrossEntropyOptions, Span{double}, out double)"/>
/// computes them, scaled by the Mean denominator, then ∂W += xᵀ·g, ∂b += g and ∂x = g·Wᵀ in double.
/// </summary>
/// <remarks>
/// Same semantics, validation (the same checks, so both throw the same exceptions) and outputs as the fast class;
/// results are rounded to float once at the end. The public method rents its double accumulators from the shared
/// array pool. <see cref="CostInDouble"/> (inputs in double, for finite differences) and
/// <see cref="EvaluateInDouble"/> (every intermediate, unrounded) are meant for tests and tools and allocate.
/// </remarks>
public static class DenseSoftmaxCrossEntropy
{
    /// <inheritdoc cref="Kernels.DenseSoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float}, Span{float}, SoftmaxCrossEntropyOptions, Reduction)"/>
    public static float CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient,
        SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        (int n, int d, int k) = Kernels.DenseSoftmaxCrossEntropy.ValidateArguments(
            features, weights, bias, labels, weightGradient, biasGradient, inputGradient, options, reduction);
        int length = (d * k) + k + (2 * k) + d;
        double[] rented = ArrayPool<double>.Shared.Rent(length);
        Span<double> buffer = rented.AsSpan(0, length);
        buffer.Clear();
        DenseLayerOutputs outputs = new() { WeightGradient = buffer[..(d * k)], BiasGradient = buffer.Slice(d * k, k) };
        double cost = Evaluate(features, weights, bias, labels, n, d, k, options, reduction, buffer[((d * k) + k)..], outputs, inputGradient, out _);
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
    /// <param name="labels">n class indices in [0, k), or the ignore index.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum, or Mean (divided by the summed label weights of the rows not ignored).</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent with n, d and k.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label or option is out of range.</exception>
    public static double CostInDouble(
        ReadOnlySpan<double> features, ReadOnlySpan<double> weights, ReadOnlySpan<double> bias, ReadOnlySpan<int> labels,
        SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        int k = bias.Length;
        if (k == 0)
        {
            throw new ArgumentException("'bias' is empty; it must hold one bias per class (k ≥ 1).", nameof(bias));
        }

        int n = labels.Length;
        int d = DenseLayerLoops.FeatureCount(features.Length, weights.Length, n, k);
        return Evaluate(features, weights, bias, labels, n, d, k, options, reduction, new double[(2 * k) + d], default, default, out _);
    }

    /// <summary>Every intermediate of the reference, unrounded (allocates the result; for tests and tools).</summary>
    /// <param name="features">X, n×d row-major.</param>
    /// <param name="weights">W, d×k row-major.</param>
    /// <param name="bias">b, length k ≥ 1.</param>
    /// <param name="labels">n class indices in [0, k), or the ignore index.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum, or Mean (divided by the summed label weights of the rows not ignored).</param>
    /// <returns>The cost, Z and its term magnitudes, G, ∂W, ∂b and ∂X, in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.DenseSoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static DenseLayerEvaluation EvaluateInDouble(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        int k = bias.Length, n = labels.Length;
        int d = n == 0 ? (k == 0 ? 0 : weights.Length / k) : features.Length / n;
        float[] weightGradient = new float[d * k], biasGradient = new float[k];
        Kernels.DenseSoftmaxCrossEntropy.ValidateArguments(features, weights, bias, labels, weightGradient, biasGradient, default, options, reduction);
        DenseLayerEvaluation result = new(n, d, k);
        result.Cost = Evaluate(features, weights, bias, labels, n, d, k, options, reduction, new double[(2 * k) + d], result.AsOutputs(), default, out double scale);
        result.Scale = scale;
        return result;
    }

    private static double Evaluate<TNumber>(
        ReadOnlySpan<TNumber> features, ReadOnlySpan<TNumber> weights, ReadOnlySpan<TNumber> bias, ReadOnlySpan<int> labels,
        int n, int d, int k, SoftmaxCrossEntropyOptions options, Reduction reduction, Span<double> scratch,
        DenseLayerOutputs outputs, Span<float> inputGradient, out double scale)
        where TNumber : unmanaged, IBinaryFloatingPointIeee754<TNumber>
    {
        // Mean divides by Σ w_y over the rows not ignored (a Mean over nothing costs 0 with zero gradients).
        double denominator = 0;
        foreach (int label in labels)
        {
            if (label != options.IgnoreIndex)
            {
                denominator += options.ClassWeights.IsEmpty ? 1 : options.ClassWeights[label];
            }
        }

        bool mean = reduction == Reduction.Mean;
        scale = !mean ? 1 : denominator == 0 ? 0 : 1 / denominator;
        Span<double> z = scratch[..k], g = scratch.Slice(k, k), dx = scratch.Slice(2 * k, d);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<TNumber> x = features.Slice(i * d, d);
            DenseLayerLoops.Logits(x, weights, bias, z, outputs.LogitMagnitudes.IsEmpty ? default : outputs.LogitMagnitudes.Slice(i * k, k));

            // The row's loss and unscaled gradient, then the global scale. The row's label and the options are checked
            // as the softmax reference checks double logits (the double-input CostInDouble checks them nowhere else).
            SoftmaxCrossEntropy.ValidateLabelShape(k, labels.Slice(i, 1), options, Reduction.Sum);
            total += SoftmaxCrossEntropyRow.Loss(z, labels[i], default, options, 1, g, out _);
            for (int o = 0; o < k; o++)
            {
                g[o] = scale == 0 ? 0 : scale * g[o];
            }

            DenseLayerLoops.FinishRow(i, x, weights, z, g, dx, outputs, inputGradient);
        }

        return !mean ? total : denominator == 0 ? 0 : total / denominator;
    }
}
