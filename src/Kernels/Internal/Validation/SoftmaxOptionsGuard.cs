namespace Kernels.Internal.Validation;

/// <summary>
/// The one definition of valid <see cref="SoftmaxCrossEntropyOptions"/> (and reduction), shared by
/// <see cref="SoftmaxCrossEntropy"/>, <see cref="DenseSoftmaxCrossEntropy"/> and their references.
/// </summary>
internal static class SoftmaxOptionsGuard
{
    /// <summary>Throws for an option outside its domain, or an option the call's kind of targets does not take.</summary>
    /// <param name="options">The options.</param>
    /// <param name="reduction">Sum or Mean.</param>
    /// <param name="probabilityTargets">Whether the call has probability targets (focal loss takes class labels only).</param>
    public static void Validate(SoftmaxCrossEntropyOptions options, Kernels.Reduction reduction, bool probabilityTargets)
    {
        if (!(options.LabelSmoothing is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException("options.LabelSmoothing", options.LabelSmoothing, "Label smoothing must lie in [0, 1].");
        }

        if (!(options.ZLossWeight >= 0f && float.IsFinite(options.ZLossWeight)))
        {
            throw new ArgumentOutOfRangeException("options.ZLossWeight", options.ZLossWeight, "The z-loss weight must be finite and non-negative.");
        }

        if (!(options.FocalGamma >= 0f && float.IsFinite(options.FocalGamma)))
        {
            throw new ArgumentOutOfRangeException("options.FocalGamma", options.FocalGamma, "The focal γ must be finite and non-negative.");
        }

        if (options.FocalGamma != 0f && (probabilityTargets || options.LabelSmoothing != 0f))
        {
            throw new ArgumentException(
                "Focal loss (options.FocalGamma > 0) is defined for class-index labels without label smoothing.", "options");
        }

        ReductionGuard.Validate(reduction);
    }
}
