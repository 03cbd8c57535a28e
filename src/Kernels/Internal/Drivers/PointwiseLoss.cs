using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Validation;

namespace Kernels.Internal.Drivers;

/// <summary>
/// The public entry of every pointwise loss (binary cross-entropy, quadratic cost): validation, the choice between
/// the flat and the per-row pass, reduction, and the domain exception.
/// </summary>
internal static class PointwiseLoss
{
    public static float Evaluate<TOperator>(
        ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputCount,
        ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        Span<float> gradient, Span<float> losses, Reduction reduction, PointwiseLossNames names, bool requireGradient, bool requireLosses)
        where TOperator : IPointwiseLossOperator
    {
        ValidateArguments(
            predictions, targets, outputCount, sampleWeights, positiveWeights, gradient, losses, reduction,
            names.Predictions, names.Losses, inPlaceAllowed: !TOperator.HasDomain, requireGradient, requireLosses);
        int samples = predictions.Length / outputCount;
        float scale = reduction == Reduction.Mean && samples > 0 ? 1f / samples : 1f;
        PointwiseLossPass pass = new()
        {
            Predictions = predictions,
            Targets = targets,
            PositiveWeights = outputCount == 1 ? default : positiveWeights,
            PositiveWeight = outputCount == 1 && !positiveWeights.IsEmpty ? positiveWeights[0] : 1f,
            GradientScale = scale,
            Gradient = gradient,
        };

        double total;
        DomainViolation violation;
        if (outputCount == 1)
        {
            // One output per sample: the sample weights are per-element weights of one flat pass.
            pass.ElementWeights = sampleWeights;
            pass.Losses = losses;
            total = PointwiseLossDriver.Run<TOperator>(pass, out violation);
        }
        else
        {
            total = PointwiseLossDriver.RunRows<TOperator>(pass, outputCount, sampleWeights, losses, out violation);
        }

        if (violation != DomainViolation.None)
        {
            string name = violation == DomainViolation.Prediction ? names.Predictions : "targets";
            throw new ArgumentOutOfRangeException(name, $"Every value of '{name}' must lie in [0, 1].");
        }

        return LossMath.CanonicalNaN(reduction == Reduction.Mean ? (samples == 0 ? 0f : (float)(total / samples)) : (float)total);
    }

    /// <summary>The argument rules shared by the pointwise losses and their references.</summary>
    internal static void ValidateArguments(
        ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputCount,
        ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        ReadOnlySpan<float> gradient, ReadOnlySpan<float> losses, Reduction reduction,
        string predictionsName, string lossesName, bool inPlaceAllowed, bool requireGradient, bool requireLosses)
    {
        SpanGuard.SameLength(predictions, predictionsName, targets, "targets");
        int samples = SpanGuard.OutputCount(outputCount, nameof(outputCount), predictions.Length, predictionsName);
        SpanGuard.EmptyOrLength(sampleWeights, samples, "sampleWeights", "one weight per sample");
        SpanGuard.EmptyOrLength(positiveWeights, outputCount, "positiveWeights", "one weight per output");
        if (reduction is not (Reduction.Sum or Reduction.Mean))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction.");
        }

        if (requireGradient)
        {
            SpanGuard.SameLength(predictions, predictionsName, gradient, "gradient");
            CheckOutput(gradient, "gradient", predictions, predictionsName, targets, sampleWeights, positiveWeights, inPlaceAllowed);
        }

        if (requireLosses || !losses.IsEmpty)
        {
            if (losses.Length != samples)
            {
                throw new ArgumentException($"'{lossesName}' has length {losses.Length}; it must have length {samples} (one loss per sample).", lossesName);
            }

            CheckOutput(losses, lossesName, predictions, predictionsName, targets, sampleWeights, positiveWeights, inPlaceAllowed);
            SpanGuard.NoOverlap(losses, lossesName, gradient, "gradient", allowExactAlias: false);
        }
    }

    private static void CheckOutput(
        ReadOnlySpan<float> output, string outputName, ReadOnlySpan<float> predictions, string predictionsName,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, bool inPlaceAllowed)
    {
        SpanGuard.NoOverlap(output, outputName, predictions, predictionsName, allowExactAlias: inPlaceAllowed);
        SpanGuard.NoOverlap(output, outputName, targets, "targets", allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, sampleWeights, "sampleWeights", allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, positiveWeights, "positiveWeights", allowExactAlias: false);
    }

}

/// <summary>Parameter names used in exceptions, per overload family.</summary>
internal readonly record struct PointwiseLossNames(string Predictions, string Losses)
{
    public static PointwiseLossNames Logits => new("logits", "losses");
    public static PointwiseLossNames Probabilities => new("probabilities", "losses");
    public static PointwiseLossNames LogitsPerSample => new("logits", "sampleLosses");
    public static PointwiseLossNames ProbabilitiesPerSample => new("probabilities", "sampleLosses");
}
