using System.Runtime.CompilerServices;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Math;

/// <summary>
/// The elementary functions the losses need, restricted to the ranges the losses use, written once over
/// <see cref="ISimdLanes{TSelf}"/> so every width computes the same bits.
/// </summary>
/// <remarks>
/// Why not <c>Vector512.Exp</c>/<c>Log</c> or <c>MathF</c>: their results differ between widths and platforms
/// (breaking bit-reproducibility), <c>Vector512.Log</c> is not inlined on .NET 10, and neither offers a log1p.
/// Polynomials are truncated Taylor series of functions whose arguments are reduced far enough that the first
/// dropped term is below 2^-25 relative: accuracy is set by the range reduction, not by fitted coefficients.
/// </remarks>
internal static class LossMath
{
    // ln 2 split so that k·Ln2Hi is exact for |k| < 2^9 (Ln2Hi has 9 trailing zero bits); Ln2Lo is the rest.
    private const float Ln2Hi = 0.693145752f;
    private const float Ln2Lo = 1.42860677e-6f;
    private const float Log2E = 1.44269504f;

    // 1.5·2^23 + 127: adding it to a float of magnitude < 2^22 leaves round-to-nearest(x) + 127 in the low
    // mantissa bits, which a shift by 23 turns into the exponent field of 2^round(x).
    private const float RoundingShifter = 12582912f + 127f;

    /// <summary>ln(2^-126): below it e^x is not a normal float; the exp helpers return +0 there.</summary>
    private const float MinNormalExponentArgument = -87.3365479f;

    /// <summary>
    /// e^x for x ≤ 0 (the only range the losses need: e^{-|z|}). Relative error ≤ 1 ulp where the result is a
    /// normal float; +0 for x below ln(2^-126) and for x = -∞ (a result below the smallest normal is within one
    /// smallest-normal absolute, as documented). NaN propagates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpNonPositive<T>(T x) where T : struct, ISimdLanes<T>
    {
        T shifted = T.FusedMultiplyAdd(x, T.Create(Log2E), T.Create(RoundingShifter));
        T k = shifted - T.Create(RoundingShifter);
        T r = T.FusedMultiplyAdd(k, T.Create(-Ln2Hi), x);
        r = T.FusedMultiplyAdd(k, T.Create(-Ln2Lo), r);

        // |r| ≤ ln2/2: Taylor to r^7 leaves r^8/8! < 6e-9 relative, under 0.1 ulp.
        T p = T.FusedMultiplyAdd(T.Create(1f / 5040f), r, T.Create(1f / 720f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1f / 120f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1f / 24f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1f / 6f));
        p = T.FusedMultiplyAdd(p, r, T.Create(0.5f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1f));

        T scale = T.ShiftLeftBits(shifted, 23);
        T result = p * scale;
        // Selecting on "x < limit" (false for NaN) lets NaN flow through the arithmetic above.
        return T.Select(T.LessThan(x, T.Create(MinNormalExponentArgument)), T.Create(0f), result);
    }

    /// <summary>
    /// 2·atanh(s) = ln((1+s)/(1-s)) for |s| ≤ 1/3, the core of every logarithm here: log1p(e) = 2·atanh(e/(2+e)).
    /// Taylor to s^15: the first dropped term, s^16·2/17 relative to 2s, is below 1.5e-8 at |s| = 1/3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T TwiceAtanh<T>(T s) where T : struct, ISimdLanes<T>
    {
        T u = s * s;
        T p = T.FusedMultiplyAdd(T.Create(1f / 15f), u, T.Create(1f / 13f));
        p = T.FusedMultiplyAdd(p, u, T.Create(1f / 11f));
        p = T.FusedMultiplyAdd(p, u, T.Create(1f / 9f));
        p = T.FusedMultiplyAdd(p, u, T.Create(1f / 7f));
        p = T.FusedMultiplyAdd(p, u, T.Create(1f / 5f));
        p = T.FusedMultiplyAdd(p, u, T.Create(1f / 3f));
        T twiceS = s + s;
        // 2s + 2s·u·p: the correction is < 0.04 of 2s, so its rounding error is scaled down by that factor.
        return T.FusedMultiplyAdd(twiceS * u, p, twiceS);
    }

    /// <summary>
    /// ln(m) for m ∈ [0, 1]: exponent/mantissa split with the mantissa in [√½, √2), then <see cref="TwiceAtanh"/>.
    /// Subnormal m are scaled by 2^23 first. m = 0 gives -∞; NaN propagates. Within 2 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T LogUnitInterval<T>(T m) where T : struct, ISimdLanes<T>
    {
        T subnormal = T.LessThan(m, T.Create(1.17549435e-38f));
        T scaled = T.Select(subnormal, m * T.Create(8388608f), m);
        T exponentBias = T.Select(subnormal, T.Create(-23f), T.Create(0f));

        // Shift the mantissa range from [1, 2) to [√½, √2) by adding the bits of (1 - √½) before splitting.
        const int OffsetBits = 0x3F800000 - 0x3F3504F3;
        T shiftedBits = T.AddBits(scaled, OffsetBits);
        T exponent = T.ConvertBitsToSingle(T.AddBits(T.ShiftRightArithmeticBits(shiftedBits, 23), -127)) + exponentBias;
        T mantissa = T.AddBits(T.AndBits(shiftedBits, 0x007FFFFF), 0x3F800000 - OffsetBits);

        T one = T.Create(1f);
        T s = (mantissa - one) / (mantissa + one);
        T logMantissa = TwiceAtanh(s);
        T result = T.FusedMultiplyAdd(exponent, T.Create(Ln2Hi), T.FusedMultiplyAdd(exponent, T.Create(Ln2Lo), logMantissa));
        result = T.Select(T.EqualTo(m, T.Create(0f)), T.Create(float.NegativeInfinity), result);
        // The bit split turns NaN into a finite mantissa, so NaN is restored explicitly (m ≠ m only for NaN).
        return T.Select(T.EqualTo(m, m), result, m);
    }
}
