using Ref = Kernels.Reference;

namespace Kernels.Tests.Support;

/// <summary>
/// The derived error bounds of <see cref="BinaryFocalLoss"/> per element, as absolute allowed differences from the
/// reference's double value (the derivation is in the remarks of <c>BinaryFocalLossTests</c>): hard targets
/// (7 + 1.4γ) ulp for the loss and (11 + 1.4γ) ulp for the gradient; soft targets add γ(1.5 + 2|ln s|) ulp to the
/// loss, and bound the gradient absolutely on the scale of its two terms. Results below the smallest normal float
/// are allowed one smallest normal.
/// </summary>
internal static class FocalBounds
{
    private const double U = 1.0 / (1 << 24);

    public static double LossUlps(double z, double y, double gamma) =>
        y is 0 or 1 ? 7 + (1.4 * gamma) : 7 + (1.4 * gamma) + (gamma * (1.5 + (2 * Math.Abs(SoftLog(z, y)))));

    public static double AllowedLoss(double z, double y, double gamma, double exactLoss) =>
        Floor(exactLoss, LossUlps(z, y, gamma) * Tolerance.UlpOf(exactLoss));

    public static double AllowedGradient(double z, double y, double gamma, double exactLoss, double exactGradient)
    {
        if (y is 0 or 1)
        {
            return Floor(exactGradient, (11 + (1.4 * gamma)) * Tolerance.UlpOf(exactGradient));
        }

        double bce = Ref.BinaryCrossEntropy.LogitLoss(z, y, 1, out _);
        double modulated = Math.Abs(exactLoss) / Math.Max(bce, double.Epsilon);
        double scale = (Math.ScaleB(1 + gamma, -21) * Math.Max(1, bce) * (double.IsFinite(modulated) ? modulated : 1))
            + ((LossUlps(z, y, gamma) + 4) * U * 2 * Math.Abs(exactGradient));
        return Math.Max(scale, Tolerance.SmallestNormal);
    }

    /// <summary>ln(w + v·e), the soft-target logarithm of the operator (0 and -|z| for hard targets).</summary>
    public static double SoftLog(double z, double y)
    {
        double e = Math.Exp(-Math.Abs(z)), w = z >= 0 ? 1 - y : y, v = z >= 0 ? y : 1 - y;
        return w == 0 ? 0 : Math.Log(w + (v * e));
    }

    /// <summary>
    /// KNOWN BUG (found by the differential fuzzer, not fixed here: BinaryFocalOperator.cs belongs to another change):
    /// the operator forms scale = α_t·m^γ in float before multiplying by the cross-entropy. Where that product is
    /// below the smallest normal float it keeps only a few significant bits, and a large cross-entropy (a soft target
    /// with a huge |z|) turns that into a large relative error of a normal result: z = -1e8, y = 1e-7, γ = 5, α = 1
    /// gives 1.0005e-41 for 1.0000000818e-41, z = -7.36e27 gives 7.3639e-22 for 7.3600006e-22 (5.3e-4 relative,
    /// thousands of ulp). <c>FocalLossKnownBugTests</c> holds the skipped regression test. Until the operator is
    /// fixed (e.g. α_t·(m^γ·BCE), or m^γ kept as exp of the summed logarithms), the fuzzer does not compare the
    /// elements this applies to (nor the cost of a call holding one): α_t·m^γ below the smallest normal with BCE &gt; 1.
    /// At z = ±∞ the same product underflows to 0 and 0·∞ makes the loss NaN where the documented limit is +∞
    /// (z = -∞, y = 2^-149, γ = 1.07: NaN for +∞; also y = 1e-30, γ = 2).
    /// </summary>
    public static bool HitsKnownSubnormalScaleBug(double z, double y, double gamma, double alpha)
    {
        double bce = Ref.BinaryCrossEntropy.LogitLoss(z, y, 1, out _);
        double e = Math.Exp(-Math.Abs(z)), w = z >= 0 ? 1 - y : y, v = z >= 0 ? y : 1 - y;
        double m = (w + (v * e)) / (1 + e), alphaT = alpha < 0 ? 1 : (alpha * y) + ((1 - alpha) * (1 - y));
        return bce > 1 && Math.Abs(alphaT) * Math.Pow(m, gamma) < Tolerance.SmallestNormal;
    }

    private static double Floor(double exact, double allowed) => Math.Abs(exact) < Tolerance.SmallestNormal ? Tolerance.SmallestNormal : allowed;
}
