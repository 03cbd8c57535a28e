namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.BinaryCrossEntropy"/>: the same public methods, written as plain
/// textbook loops in double precision (with a correct log1p), no SIMD. Use it to cross-check the fast kernels.
/// </summary>
/// <remarks>
/// Same semantics as <see cref="Kernels.BinaryCrossEntropy"/> (shapes, weights, reductions, limits at ±∞, NaN,
/// domain checks, aliasing), except for ±∞ targets, which are outside the domain: both give a non-finite loss,
/// gradient and cost for them, but not necessarily the same ±∞ or NaN (here 1 + (p-1)·y is NaN at p = 1); results are rounded to float once at the end of each element (costs once at the end).
/// It is slower and allocation-free too, but not bit-identical to the fast path: it is the accuracy yardstick.
/// Validation (lengths, overlaps, reduction) is delegated to the fast implementation's rules by running the same
/// checks, so both throw the same exceptions for the same arguments.
/// </remarks>
public static class BinaryCrossEntropy
{
    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.Losses(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses) =>
        Evaluate(logits, targets, 1, default, default, default, losses, Reduction.Sum, fromLogits: true, requireGradient: false, requireLosses: true);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.Cost(ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        (float)CostInDouble(logits, targets, reduction);

    /// <summary>The cost of logits before rounding to float, for measuring the error of a float cost.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost in double.</returns>
    public static double CostInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        Evaluate(logits, targets, 1, default, default, default, default, reduction, fromLogits: true, requireGradient: false, requireLosses: false);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(logits, targets, 1, default, default, gradient, default, reduction, fromLogits: true, requireGradient: true, requireLosses: false);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(logits, targets, 1, default, default, gradient, losses, reduction, fromLogits: true, requireGradient: true, requireLosses: true);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.Losses(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> sampleLosses) =>
        Evaluate(logits, targets, outputCount, sampleWeights, positiveWeights, default, sampleLosses, Reduction.Sum, fromLogits: true, requireGradient: false, requireLosses: true, lossesName: "sampleLosses");

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.Cost(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(logits, targets, outputCount, sampleWeights, positiveWeights, default, default, reduction, fromLogits: true, requireGradient: false, requireLosses: false, lossesName: "sampleLosses");

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(logits, targets, outputCount, sampleWeights, positiveWeights, gradient, sampleLosses, reduction, fromLogits: true, requireGradient: true, requireLosses: false, lossesName: "sampleLosses");

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.LossesFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses) =>
        Evaluate(probabilities, targets, 1, default, default, default, losses, Reduction.Sum, fromLogits: false, requireGradient: false, requireLosses: true);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, Reduction)"/>
    public static float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(probabilities, targets, 1, default, default, default, default, reduction, fromLogits: false, requireGradient: false, requireLosses: false);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostAndGradientFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Reduction)"/>
    public static float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(probabilities, targets, 1, default, default, gradient, default, reduction, fromLogits: false, requireGradient: true, requireLosses: false);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostAndGradientFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Reduction)"/>
    public static float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(probabilities, targets, 1, default, default, gradient, losses, reduction, fromLogits: false, requireGradient: true, requireLosses: true);

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.LossesFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{float})"/>
    public static void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses) =>
        Evaluate(probabilities, targets, outputCount, sampleWeights, default, default, sampleLosses, Reduction.Sum, fromLogits: false, requireGradient: false, requireLosses: true, lossesName: "sampleLosses");

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Reduction)"/>
    public static float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(probabilities, targets, outputCount, sampleWeights, default, default, default, reduction, fromLogits: false, requireGradient: false, requireLosses: false, lossesName: "sampleLosses");

    /// <inheritdoc cref="Kernels.BinaryCrossEntropy.CostAndGradientFromProbabilities(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{float}, Span{float}, Reduction)"/>
    public static float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(probabilities, targets, outputCount, sampleWeights, default, gradient, sampleLosses, reduction, fromLogits: false, requireGradient: true, requireLosses: false, lossesName: "sampleLosses");

    /// <summary>Exact-in-double per-element loss and gradient (unscaled) of a logit; public for tests and tools.</summary>
    /// <param name="z">Logit.</param>
    /// <param name="y">Target.</param>
    /// <param name="positiveWeight">Positive-class weight p (1 for none).</param>
    /// <param name="gradient">σ(z)·(1 + (p-1)·y) - p·y.</param>
    /// <returns>p·y·softplus(-z) + (1-y)·softplus(z), with 0·∞ read as 0.</returns>
    public static double LogitLoss(double z, double y, double positiveWeight, out double gradient)
    {
        double e = Math.Exp(-Math.Abs(z));
        double sigmoidOfMinusAbs = e / (1 + e);
        double l = 1 + (positiveWeight - 1) * y;
        // σ(z) - y without forming 1 - σ: for z ≥ 0, σ = 1 - σ(-|z|).
        gradient = z >= 0 ? (1 - y) - l * sigmoidOfMinusAbs : l * sigmoidOfMinusAbs - positiveWeight * y;
        double log1pE = Log1p(e);
        double softplusPositive = Math.Max(z, 0) + log1pE;
        double softplusNegative = Math.Max(-z, 0) + log1pE;
        return WeightTimes(positiveWeight * y, softplusNegative) + WeightTimes(1 - y, softplusPositive);
    }

    /// <summary>Exact-in-double per-element loss and gradient (unscaled) of a probability, PyTorch BCELoss clamping.</summary>
    /// <param name="a">Probability.</param>
    /// <param name="y">Target.</param>
    /// <param name="gradient">(a - y)/max(a(1-a), 1e-12).</param>
    /// <returns>-(y·max(ln a, -100) + (1-y)·max(ln(1-a), -100)).</returns>
    public static double ProbabilityLoss(double a, double y, out double gradient)
    {
        double logA = Math.Max(Math.Log(a), -100);
        double logComplement = Math.Max(Log1p(-a), -100);
        gradient = (a - y) / Math.Max(a * (1 - a), 1e-12);
        return -(y * logA + (1 - y) * logComplement);
    }

    /// <summary>log(1 + x) accurate to a few ulp for all x ≥ -1 (double.LogP1 is log(1 + x) and is not).</summary>
    /// <param name="x">The argument.</param>
    /// <returns>ln(1 + x).</returns>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        if (u == 1)
        {
            return x;
        }

        // Goldberg's correction: the rounding of 1 + x cancels between log(u) and u - 1.
        return double.IsInfinity(u) ? u : Math.Log(u) * x / (u - 1);
    }

    // The documented convention for the limits at ±∞: a term with weight 0 contributes 0, not 0·∞ = NaN.
    private static double WeightTimes(double weight, double value) => weight == 0 && !double.IsNaN(value) ? 0 : weight * value;

    private static double Evaluate(
        ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputCount,
        ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        Span<float> gradient, Span<float> losses, Reduction reduction, bool fromLogits, bool requireGradient, bool requireLosses, string lossesName = "losses")
    {
        // The reference checks its arguments with the same guard as the fast path, so both reject exactly the
        // same calls; only the arithmetic is independent.
        Internal.Drivers.PointwiseLossCall call = lossesName == "sampleLosses" ? new(predictions, targets, outputCount) : new(predictions, targets);
        call.SampleWeights = sampleWeights;
        call.PositiveWeights = positiveWeights;
        call.Gradient = gradient;
        call.Losses = losses;
        call.Reduction = reduction;
        call.Writes = (requireGradient ? Internal.Drivers.PointwiseOutputs.Gradient : 0) | (requireLosses ? Internal.Drivers.PointwiseOutputs.Losses : 0);
        int samples = Internal.Validation.PointwiseLossGuard.Validate(call, fromLogits ? "logits" : "probabilities", inPlaceAllowed: fromLogits);
        double scale = Internal.Validation.ReductionGuard.ReferenceScale(reduction, samples);
        string? outOfDomain = null;
        double total = 0;
        for (int i = 0; i < samples; i++)
        {
            double sampleWeight = sampleWeights.IsEmpty ? 1 : sampleWeights[i];
            double sampleLoss = 0;
            for (int j = 0; j < outputCount; j++)
            {
                int index = i * outputCount + j;
                double x = predictions[index], y = targets[index];
                double loss, elementGradient;
                if (fromLogits)
                {
                    loss = LogitLoss(x, y, positiveWeights.IsEmpty ? 1 : positiveWeights[j], out elementGradient);
                }
                else
                {
                    outOfDomain ??= x is < 0 or > 1 ? "probabilities" : y is < 0 or > 1 ? "targets" : null;
                    loss = ProbabilityLoss(x, y, out elementGradient);
                }

                sampleLoss += loss;
                if (requireGradient)
                {
                    gradient[index] = (float)(scale * sampleWeight * elementGradient);
                }
            }

            sampleLoss *= sampleWeight;
            if (!losses.IsEmpty)
            {
                losses[i] = (float)sampleLoss;
            }

            total += sampleLoss;
        }

        if (outOfDomain is not null)
        {
            throw new ArgumentOutOfRangeException(outOfDomain, $"Every value of '{outOfDomain}' must lie in [0, 1].");
        }

        return Internal.Validation.ReductionGuard.ReferenceCost(reduction, total, samples);
    }
}
