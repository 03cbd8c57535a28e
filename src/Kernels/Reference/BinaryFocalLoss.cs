using Kernels.Internal.Drivers;
using Kernels.Internal.Validation;

namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.BinaryFocalLoss"/>: the same public methods as plain loops in double
/// precision, no SIMD. Use it to cross-check the fast kernels.
/// </summary>
/// <remarks>
/// Same semantics as <see cref="Kernels.BinaryFocalLoss"/> (parameters, reductions, the empty batch, limits at ±∞, NaN,
/// aliasing), and the same validation code, so both throw the same exceptions for the same arguments before anything
/// is written. The arithmetic is the log-space derivation of the fast operator carried out in double (ln(1-p_t) =
/// ln(w + v·e) - log1p(e), or -|z| - log1p(e) on the confident side), independent of its float steps; the tests check
/// it against torchvision's direct formula and a finite difference where those are accurate. Results are rounded to
/// float once per element (costs once at the end). Allocation-free.
/// </remarks>
public static class BinaryFocalLoss
{
    /// <inheritdoc cref="Kernels.BinaryFocalLoss.Losses(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, float?)"/>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses, float gamma, float? alpha = null) =>
        Evaluate(new(logits, targets) { Losses = losses, Writes = PointwiseOutputs.Losses }, gamma, alpha);

    /// <inheritdoc cref="Kernels.BinaryFocalLoss.Cost(ReadOnlySpan{float}, ReadOnlySpan{float}, float, float?, Reduction)"/>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        (float)CostInDouble(logits, targets, gamma, alpha, reduction);

    /// <summary>The cost before rounding to float, for measuring the error of a float cost.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gamma">The focusing parameter γ ≥ 0.</param>
    /// <param name="alpha">α ∈ [0, 1], or <see langword="null"/> or negative for no α weighting.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> or <paramref name="alpha"/> is out of range, or <paramref name="reduction"/> is not defined.</exception>
    public static double CostInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        Evaluate(new(logits, targets) { Reduction = reduction }, gamma, alpha);

    /// <inheritdoc cref="Kernels.BinaryFocalLoss.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, float?, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(new(logits, targets) { Gradient = gradient, Reduction = reduction, Writes = PointwiseOutputs.Gradient }, gamma, alpha);

    /// <inheritdoc cref="Kernels.BinaryFocalLoss.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, float, float?, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, float gamma, float? alpha = null, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(new(logits, targets) { Gradient = gradient, Losses = losses, Reduction = reduction, Writes = PointwiseOutputs.Gradient | PointwiseOutputs.Losses }, gamma, alpha);

    /// <summary>Exact-in-double focal loss and gradient (unscaled) of one logit; public for tests and tools.</summary>
    /// <param name="z">Logit.</param>
    /// <param name="y">Target.</param>
    /// <param name="gamma">γ ≥ 0.</param>
    /// <param name="alpha">α ∈ [0, 1], or negative for none.</param>
    /// <param name="gradient">∂loss/∂z = α_t·(1-p_t)^γ·[(σ(z) - y) - γ·(2y-1)·BCE·σ(z)σ(-z)/(1-p_t)].</param>
    /// <returns>α_t·(1-p_t)^γ·BCE(z, y).</returns>
    public static double LogitLoss(double z, double y, double gamma, double alpha, out double gradient)
    {
        double alphaT = alpha >= 0 ? alpha * y + (1 - alpha) * (1 - y) : 1;
        double crossEntropy = BinaryCrossEntropy.LogitLoss(z, y, 1, out double error);
        if (gamma == 0)
        {
            gradient = alphaT * error;
            return alphaT * crossEntropy;
        }

        double e = Math.Exp(-Math.Abs(z)), log1pE = BinaryCrossEntropy.Log1p(e), q = e / (1 + e);
        double w = z >= 0 ? 1 - y : y, v = z >= 0 ? y : 1 - y;
        // 1 - p_t = (w + v·e)/(1 + e); on the confident side (w = 0, v = 1) its logarithm is -|z| - log1p(e).
        double logModulated = w == 0 ? -Math.Abs(z) - log1pE : Math.Log(w + (v * e)) - log1pE;
        double modulation = Math.Exp(gamma * logModulated);
        // σ(z)σ(-z)/(1 - p_t) = q/(w + v·e), 1/(1 + e) on the confident side; its γ term is 0 where it vanishes.
        double ratio = w == 0 ? 1 / (1 + e) : q / (w + (v * e));
        double focusing = ratio == 0 ? 0 : gamma * ((2 * y) - 1) * ratio * crossEntropy;
        gradient = alphaT * modulation * (error - focusing);
        return alphaT * modulation * crossEntropy;
    }

    private static double Evaluate(scoped in PointwiseLossCall call, float gamma, float? alpha)
    {
        double a = PointwiseLossGuard.FocalParameters(gamma, alpha);
        int n = PointwiseLossGuard.Validate(call, "logits", inPlaceAllowed: true);
        double scale = ReductionGuard.ReferenceScale(call.Reduction, n);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            // Both inputs are read before either output is written: in-place use is exact.
            double loss = LogitLoss(call.Predictions[i], call.Targets[i], gamma, a, out double elementGradient);
            if ((call.Writes & PointwiseOutputs.Gradient) != 0)
            {
                call.Gradient[i] = (float)(scale * elementGradient);
            }

            if ((call.Writes & PointwiseOutputs.Losses) != 0)
            {
                call.Losses[i] = (float)loss;
            }

            total += loss;
        }

        return ReductionGuard.ReferenceCost(call.Reduction, total, n);
    }
}
