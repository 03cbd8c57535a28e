namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.QuadraticCost"/>: the same public methods, written as plain loops in
/// double precision, no SIMD: loss ½(σ(z) - y)², gradient s·(σ(z) - y)·σ'(z), with σ and σ' evaluated stably
/// through e = e^{-|z|} (never overflows). Use it to cross-check the fast kernels.
/// </summary>
/// <remarks>
/// Same semantics as <see cref="Kernels.QuadraticCost"/> (shapes, reductions, the empty batch, limits at ±∞, NaN,
/// aliasing; a ±∞ target, outside the domain, gives a non-finite loss, gradient and cost here too); results are rounded to float once at the end of each element (costs once at the end). It is not
/// bit-identical to the fast path: it is the accuracy yardstick. Validation (lengths, overlaps, reduction) runs the
/// fast implementation's own checks, so both throw the same exceptions for the same arguments, before anything is
/// written. Allocation-free.
/// </remarks>
public static class QuadraticCost
{
    /// <summary>Writes losses[i] = ½(σ(z_i) - y_i)², computed in double and rounded once.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n (any real; not range-checked).</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="losses"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses) =>
        Evaluate(logits, targets, default, losses, Reduction.Sum, requireGradient: false, requireLosses: true);

    /// <summary>The cost Σ ½(σ(z) - y)² (Sum) or (1/2n) Σ (σ(z) - y)² (Mean), summed in double and rounded once.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="reduction">Sum or mean over the n samples (an empty batch costs 0).</param>
    /// <returns>The cost; NaN if any logit or target is NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        (float)CostInDouble(logits, targets, reduction);

    /// <summary>The cost before rounding to float, for measuring the error of a float cost.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost in double; NaN if any logit or target is NaN.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static double CostInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction = Reduction.Mean) =>
        Evaluate(logits, targets, default, default, reduction, requireGradient: false, requireLosses: false);

    /// <summary>
    /// Returns the cost and writes gradient[i] = ∂Cost/∂z_i = s·(σ(z_i) - y_i)·σ'(z_i), s = 1/n for
    /// <see cref="Reduction.Mean"/>, 1 for <see cref="Reduction.Sum"/>.
    /// </summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/> (in-place).</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost, as <see cref="Cost"/>.</returns>
    /// <exception cref="ArgumentException">A length differs, or <paramref name="gradient"/> overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(logits, targets, gradient, default, reduction, requireGradient: true, requireLosses: false);

    /// <summary>Returns the cost, writes the gradient s·(σ(z) - y)·σ'(z) and the per-element losses ½(σ(z) - y)².</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n; may be exactly <paramref name="logits"/>.</param>
    /// <param name="losses">Destination, length n; may be exactly <paramref name="logits"/> if <paramref name="gradient"/> is not.</param>
    /// <param name="reduction">Sum or mean over the n samples.</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">A length differs, the destinations overlap, or a destination overlaps an input other than exactly <paramref name="logits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction = Reduction.Mean) =>
        (float)Evaluate(logits, targets, gradient, losses, reduction, requireGradient: true, requireLosses: true);

    /// <summary>Exact-in-double per-element loss and gradient (unscaled) of a logit; public for tests and tools.</summary>
    /// <param name="z">Logit.</param>
    /// <param name="y">Target.</param>
    /// <param name="gradient">(σ(z) - y)·σ'(z); 0 at z = ±∞ for a finite y (σ' = 0 there).</param>
    /// <returns>½(σ(z) - y)².</returns>
    public static double LogitLoss(double z, double y, out double gradient)
    {
        double e = Math.Exp(-Math.Abs(z));
        double onePlusE = 1 + e;
        // σ(z) - y without forming 1 - σ: for z ≥ 0, σ(z) = 1 - e/(1+e), so σ(z) - y = (1 - y) - e/(1+e).
        double error = z >= 0 ? (1 - y) - (e / onePlusE) : (e / onePlusE) - y;
        // σ'(z) = σ(z)·σ(-z) = e/(1+e)² for either sign: no cancellation, 0 at |z| = ∞.
        double slope = e / (onePlusE * onePlusE);
        gradient = error * slope;
        return 0.5 * error * error;
    }

    private static double Evaluate(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses,
        Reduction reduction, bool requireGradient, bool requireLosses)
    {
        // The reference checks its arguments with the same guard as the fast path, so both reject exactly the same
        // calls; only the arithmetic is independent.
        Internal.Drivers.PointwiseLossCall call = new(logits, targets)
        {
            Gradient = gradient, Losses = losses, Reduction = reduction,
            Writes = (requireGradient ? Internal.Drivers.PointwiseOutputs.Gradient : 0) | (requireLosses ? Internal.Drivers.PointwiseOutputs.Losses : 0),
        };
        int n = Internal.Validation.PointwiseLossGuard.Validate(call, "logits", inPlaceAllowed: true);
        double scale = Internal.Validation.ReductionGuard.ReferenceScale(reduction, n);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            // Both inputs are read before either output is written: in-place use is exact.
            double loss = LogitLoss(logits[i], targets[i], out double elementGradient);
            if (requireGradient)
            {
                gradient[i] = (float)(scale * elementGradient);
            }

            if (requireLosses)
            {
                losses[i] = (float)loss;
            }

            total += loss;
        }

        return Internal.Validation.ReductionGuard.ReferenceCost(reduction, total, n);
    }
}
