using Kernels.Internal.Validation;

namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.LogisticRegression"/>: the same public methods, written as plain loops
/// in double precision, no SIMD, one row at a time: z_i = Σ_j x_ij·w_j + b in double, the loss and
/// σ(z_i) - y_i of <see cref="BinaryCrossEntropy.LogitLoss"/>, then ∂w_j = s·Σ_i x_ij·(σ(z_i) - y_i) and
/// ∂b = s·Σ_i (σ(z_i) - y_i) accumulated in double.
/// </summary>
/// <remarks>
/// Same semantics as <see cref="Kernels.LogisticRegression"/> (shapes, reductions, the empty batch, NaN and ±∞
/// propagation, aliasing); a ±∞ target gives a non-finite cost and gradients in both, not necessarily the same ±∞ or
/// NaN (see <see cref="Kernels.BinaryCrossEntropy"/>); results are rounded to float once at the end. It is not bit-identical to the fast path: it
/// is the accuracy yardstick. Validation is the fast class's own code (the same checks in the same order), so both
/// throw the same exceptions for the same arguments, before anything is written. <c>CostAndGradient</c> accumulates
/// ∂w in a double buffer: on the stack for d ≤ 2048, otherwise allocated.
/// </remarks>
public static class LogisticRegression
{
    private const int MaxStackFeatures = 2048;

    /// <summary>
    /// Returns the binary cross-entropy cost of σ(x_i·w + b) against y_i and writes ∂C/∂w and ∂C/∂b, in double.
    /// </summary>
    /// <param name="features">n×d features, row-major; d = <paramref name="weights"/>.Length, n = <paramref name="targets"/>.Length.</param>
    /// <param name="weights">The d weights w.</param>
    /// <param name="bias">The bias b.</param>
    /// <param name="targets">The n targets y (not range-checked).</param>
    /// <param name="weightGradient">Destination for ∂C/∂w = s·Σ_i x_ij·(σ(z_i) - y_i), length d; must not overlap an input.</param>
    /// <param name="biasGradient">∂C/∂b = s·Σ_i (σ(z_i) - y_i).</param>
    /// <param name="reduction">Mean (s = 1/n; an empty batch costs 0 with zero gradients) or Sum (s = 1).</param>
    /// <returns>The cost s·Σ_i [softplus(z_i) - z_i·y_i]; NaN if any input is NaN.</returns>
    /// <exception cref="ArgumentException"><paramref name="features"/>.Length ≠ n·d, <paramref name="weightGradient"/>.Length ≠ d, or <paramref name="weightGradient"/> overlaps an input.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, ReadOnlySpan<float> targets,
        Span<float> weightGradient, out float biasGradient, Reduction reduction = Reduction.Mean)
    {
        LogisticRegressionGuard.CostAndGradient(features, weights, targets, weightGradient, reduction);
        int d = weights.Length;
        Span<double> sums = d <= MaxStackFeatures ? stackalloc double[d] : new double[d];
        double cost = CostAndGradientInDouble(features, weights, bias, targets, sums, out double biasSum, reduction);
        for (int j = 0; j < d; j++)
        {
            weightGradient[j] = (float)sums[j];
        }

        biasGradient = (float)biasSum;
        return (float)cost;
    }

    /// <summary>
    /// As <see cref="CostAndGradient"/>, unrounded: the cost and the gradients in double, for measuring the error of
    /// the float results (shapes are checked as there; <paramref name="weightGradient"/> is a double span of length d).
    /// </summary>
    /// <param name="features">n×d features, row-major.</param>
    /// <param name="weights">The d weights.</param>
    /// <param name="bias">The bias.</param>
    /// <param name="targets">The n targets.</param>
    /// <param name="weightGradient">Destination for ∂C/∂w in double, length d.</param>
    /// <param name="biasGradient">∂C/∂b in double.</param>
    /// <param name="reduction">Mean or Sum.</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException"><paramref name="features"/>.Length ≠ n·d or <paramref name="weightGradient"/>.Length ≠ d.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static double CostAndGradientInDouble(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, ReadOnlySpan<float> targets,
        Span<double> weightGradient, out double biasGradient, Reduction reduction = Reduction.Mean)
    {
        int n = targets.Length, d = weights.Length;
        LogisticRegressionGuard.Shapes(features, weights, n, nameof(targets));
        if (weightGradient.Length != d)
        {
            throw new ArgumentException($"'weightGradient' has length {weightGradient.Length}; it must have length d = {d}.", nameof(weightGradient));
        }

        LogisticRegressionGuard.Reduction(reduction);

        double scale = Internal.Validation.ReductionGuard.ReferenceScale(reduction, n);
        weightGradient.Clear();
        double cost = 0, biasSum = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> x = features.Slice(i * d, d);
            double z = Logit(x, weights, bias);
            cost += BinaryCrossEntropy.LogitLoss(z, targets[i], 1, out double error);
            double delta = scale * error;
            biasSum += delta;
            for (int j = 0; j < d; j++)
            {
                weightGradient[j] += x[j] * delta;
            }
        }

        biasGradient = biasSum;
        return Internal.Validation.ReductionGuard.ReferenceCost(reduction, cost, n);
    }

    /// <summary>Writes probabilities[i] = σ(x_i·w + b), z_i and σ computed in double and rounded once.</summary>
    /// <param name="features">n×d features, row-major; d = <paramref name="weights"/>.Length, n = <paramref name="probabilities"/>.Length.</param>
    /// <param name="weights">The d weights.</param>
    /// <param name="bias">The bias.</param>
    /// <param name="probabilities">Destination, length n; must not overlap an input.</param>
    /// <exception cref="ArgumentException"><paramref name="features"/>.Length ≠ n·d, or <paramref name="probabilities"/> overlaps an input.</exception>
    public static void Predict(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, Span<float> probabilities)
    {
        LogisticRegressionGuard.Predict(features, weights, probabilities);
        int d = weights.Length;
        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] = (float)Sigmoid(Logit(features.Slice(i * d, d), weights, bias));
        }
    }

    /// <summary>σ(z) = 1/(1 + e^{-z}) without overflow: e^{-|z|}/(1 + e^{-|z|}) for z &lt; 0 (NaN stays NaN).</summary>
    /// <param name="z">The logit.</param>
    /// <returns>σ(z), exactly 0 or 1 at ∓∞.</returns>
    public static double Sigmoid(double z)
    {
        double e = Math.Exp(-Math.Abs(z));
        return z >= 0 ? 1 / (1 + e) : e / (1 + e);
    }

    /// <summary>z = Σ_j x_j·w_j + b, summed left to right in double.</summary>
    private static double Logit(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, float bias)
    {
        double z = 0;
        for (int j = 0; j < x.Length; j++)
        {
            z += (double)x[j] * weights[j];
        }

        return z + bias;
    }
}
