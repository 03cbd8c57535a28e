using Kernels.Internal.Drivers;

namespace Kernels.Internal.Validation;

/// <summary>
/// The argument rules of the pointwise losses (<see cref="BinaryCrossEntropy"/>, <see cref="BinaryFocalLoss"/>,
/// <see cref="QuadraticCost"/>), shared with their references so that both reject exactly the same calls with the
/// same exceptions, before anything is written.
/// </summary>
internal static class PointwiseLossGuard
{
    /// <summary>Checks lengths, overlaps and the reduction; returns the number of samples n.</summary>
    /// <param name="call">The call.</param>
    /// <param name="predictionsName">"logits" or "probabilities".</param>
    /// <param name="inPlaceAllowed">Whether an output may be exactly the predictions' memory.</param>
    public static int Validate(scoped in PointwiseLossCall call, string predictionsName, bool inPlaceAllowed)
    {
        ReadOnlySpan<float> predictions = call.Predictions, targets = call.Targets;
        SpanGuard.SameLength(predictions, predictionsName, targets, "targets");
        int samples = SpanGuard.OutputCount(call.OutputCount, "outputCount", predictions.Length, predictionsName);
        SpanGuard.EmptyOrLength(call.SampleWeights, samples, "sampleWeights", "one weight per sample");
        SpanGuard.EmptyOrLength(call.PositiveWeights, call.OutputCount, "positiveWeights", "one weight per output");
        ReductionGuard.Validate(call.Reduction);

        if ((call.Writes & PointwiseOutputs.Gradient) != 0)
        {
            SpanGuard.SameLength(predictions, predictionsName, call.Gradient, "gradient");
            CheckOutput(call, call.Gradient, "gradient", predictionsName, inPlaceAllowed);
        }

        ReadOnlySpan<float> losses = call.Losses;
        if ((call.Writes & PointwiseOutputs.Losses) != 0 || !losses.IsEmpty)
        {
            string lossesName = call.LossesName;
            if (losses.Length != samples)
            {
                throw new ArgumentException($"'{lossesName}' has length {losses.Length}; it must have length {samples} (one loss per sample).", lossesName);
            }

            CheckOutput(call, losses, lossesName, predictionsName, inPlaceAllowed);
            SpanGuard.NoOverlap(losses, lossesName, call.Gradient, "gradient", allowExactAlias: false);
        }

        return samples;
    }

    /// <summary>
    /// Focal loss parameters: γ finite and ≥ 0; α null or negative (no α weighting) or in [0, 1]. Returns α, or -1
    /// for none.
    /// </summary>
    public static float FocalParameters(float gamma, float? alpha)
    {
        if (!(gamma >= 0 && float.IsFinite(gamma)))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The focusing parameter γ must be finite and ≥ 0.");
        }

        float a = alpha ?? -1f;
        if (!(a <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be null or negative (no α weighting), or lie in [0, 1].");
        }

        return a < 0 ? -1f : a;
    }

    private static void CheckOutput(scoped in PointwiseLossCall call, ReadOnlySpan<float> output, string outputName, string predictionsName, bool inPlaceAllowed)
    {
        SpanGuard.NoOverlap(output, outputName, call.Predictions, predictionsName, allowExactAlias: inPlaceAllowed);
        SpanGuard.NoOverlap(output, outputName, call.Targets, "targets", allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, call.SampleWeights, "sampleWeights", allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, call.PositiveWeights, "positiveWeights", allowExactAlias: false);
    }
}
