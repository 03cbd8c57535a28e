using Kernels.Internal.Math;

namespace Kernels.Internal.Validation;

/// <summary>
/// The one definition of a <see cref="Kernels.Reduction"/>: which values are defined, the gradient scale s and the
/// Mean denominator (n samples; an empty batch costs 0, not NaN), for the fast kernels (float) and the references (double).
/// </summary>
internal static class ReductionGuard
{
    /// <summary>Only <see cref="Kernels.Reduction.Sum"/> and <see cref="Kernels.Reduction.Mean"/> are defined.</summary>
    public static void Validate(Kernels.Reduction reduction)
    {
        if (reduction is not (Kernels.Reduction.Sum or Kernels.Reduction.Mean))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction.");
        }
    }

    /// <summary>s = 1/n for Mean over n &gt; 0 samples, 1 otherwise (rounded to float once: every kernel scales by this float).</summary>
    public static float GradientScale(Kernels.Reduction reduction, int samples) =>
        reduction == Kernels.Reduction.Mean && samples > 0 ? 1f / samples : 1f;

    /// <summary>The cost from the double sum of the losses: total/n for Mean (0 for n = 0), rounded once, NaN canonical.</summary>
    public static float Cost(Kernels.Reduction reduction, double total, int samples) =>
        LossMath.CanonicalNaN(reduction == Kernels.Reduction.Mean ? (samples == 0 ? 0f : (float)(total / samples)) : (float)total);

    /// <summary>The references' s, in double.</summary>
    public static double ReferenceScale(Kernels.Reduction reduction, int samples) =>
        reduction == Kernels.Reduction.Mean && samples > 0 ? 1.0 / samples : 1.0;

    /// <summary>The references' cost before rounding: total/n for Mean (0 for n = 0).</summary>
    public static double ReferenceCost(Kernels.Reduction reduction, double total, int samples) =>
        reduction == Kernels.Reduction.Mean ? (samples == 0 ? 0 : total / samples) : total;
}
