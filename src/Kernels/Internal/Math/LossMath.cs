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
/// Polynomials are minimax fits (Remez exchange in double, coefficients rounded to float) over the reduced ranges;
/// each is one degree or more shorter than the Taylor series of the same accuracy, and FMA-port throughput is
/// what bounds these kernels.
/// </remarks>
internal static class LossMath
{
    // ln 2 split so that k·Ln2Hi is exact for |k| < 2^9 (Ln2Hi has 9 trailing zero bits); Ln2Lo is the rest.
    private const float Ln2Hi = 0.693145752f;
    private const float Ln2Lo = 1.42860677e-6f;
    private const float Log2E = 1.44269504f;

    // 1.5·2^23 + 127 + 32: adding it to a float of magnitude < 2^22 leaves round-to-nearest(x) + 159 in the low
    // mantissa bits, which a shift by 23 turns into the exponent field of 2^(round(x) + 32), the form
    // ISimdLanes.ScaleByPowerOfTwo takes: results that are subnormal are rounded once, correctly, instead of
    // flushed, so sums of many tiny terms (softmax tails) stay accurate.
    private const float RoundingShifter = 12582912f + 127f + 32f;

    /// <summary>
    /// The argument every x below it is raised to: its exponent k = -159 makes the scale 0 (e^x &lt; 2^-150 rounds
    /// to +0 anyway from ln(2^-150) ≈ -103.97 down), and it keeps the bits of round(x·log2 e) + 159 non-negative.
    /// </summary>
    private const float SmallestArgument = -110f;

    /// <summary>ln(2^-150): below it e^x rounds to +0 (the form with a correction selects +0 there).</summary>
    private const float ZeroExponentArgument = -103.972076f;

    /// <summary>
    /// e^x for x ≤ 0 (the only range the losses need: e^{-|z|}). Relative error ≤ 1 ulp where the result is a
    /// normal float, correctly scaled subnormals below that, +0 below ln(2^-150) and for x = -∞. NaN propagates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpNonPositive<T>(T x) where T : struct, ISimdLanes<T> => ExpNonPositive<T, FlagUnset>(x, default);

    /// <summary>
    /// e^{-(maximum - value)} for value ≤ maximum, with the subtraction carried exactly: the rounding error of
    /// maximum - value (up to ½ ulp of a difference of 20, i.e. 2^-20) would otherwise become a relative error
    /// of e^{…} of that size, 8 ulp. Equal operands (infinities included) give exactly 1 and a difference of 0.
    /// </summary>
    /// <param name="maximum">The larger operand (a row maximum).</param>
    /// <param name="value">The smaller operand.</param>
    /// <param name="difference">maximum - value rounded to float (0 when equal).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpOfDifference<T>(T maximum, T value, out T difference) where T : struct, ISimdLanes<T> =>
        ExpOfDifference<T, FlagSet>(maximum, value, out difference);

    /// <summary>
    /// <see cref="ExpOfDifference{T}(T, T, out T)"/>; with <typeparamref name="TInfiniteMaximum"/> unset the caller
    /// promises a finite maximum, which makes equal operands exact without the two selects (same bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpOfDifference<T, TInfiniteMaximum>(T maximum, T value, out T difference)
        where T : struct, ISimdLanes<T>
        where TInfiniteMaximum : IStaticFlag
    {
        // Knuth's TwoSum of value + (-maximum): rounded + error = value - maximum exactly, for finite operands.
        T rounded = value - maximum;
        T negatedMaximumApprox = rounded - value;
        T valueApprox = rounded - negatedMaximumApprox;
        T error = (value - valueApprox) - (maximum + negatedMaximumApprox);
        if (TInfiniteMaximum.IsSet)
        {
            // ∞ - ∞ would be NaN; equal operands are a difference of exactly 0.
            T equal = T.EqualTo(maximum, value);
            T zero = T.Create(0f);
            rounded = T.Select(equal, zero, rounded);
            error = T.Select(equal, zero, error);
        }

        difference = T.Create(0f) - rounded; // +0, not -0, for equal operands
        return ExpNonPositive<T, FlagSet>(rounded, error);
    }

    /// <summary>
    /// e^{x + correction} for x ≤ 0 and |correction| ≪ 1, the low part of an argument known as a float pair (the
    /// rounding error of a product or sum, so that an argument of magnitude ~100 keeps 2^-24 relative accuracy in
    /// the result instead of the 2^-18 its rounding alone would cost). +0 below ln(2^-150) and for x = -∞, NaN for NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpNonPositive<T>(T x, T correction) where T : struct, ISimdLanes<T> => ExpNonPositive<T, FlagSet>(x, correction);

    /// <summary>e^{x + correction} for x ≤ 0 and |correction| ≪ 1 (the low part of an exactly known argument).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpNonPositive<T, THasCorrection>(T x, T correction)
        where T : struct, ISimdLanes<T>
        where THasCorrection : IStaticFlag
    {
        if (!THasCorrection.IsSet)
        {
            // One clamp (NaN kept) instead of a compare and a select of the result: from ln(2^-150) down every
            // x gives +0 anyway. A correction cannot be clamped that way: where the argument is huge or infinite
            // the low part is NaN or large, so that form keeps the select below.
            x = T.GreaterOrRight(T.Create(SmallestArgument), x);
        }

        T shifted = T.FusedMultiplyAdd(x, T.Create(Log2E), T.Create(RoundingShifter));
        T k = shifted - T.Create(RoundingShifter);
        T r = T.FusedMultiplyAdd(k, T.Create(-Ln2Hi), x);
        r = T.FusedMultiplyAdd(k, T.Create(-Ln2Lo), r);
        if (THasCorrection.IsSet)
        {
            r += correction;
        }

        T result = T.ScaleByPowerOfTwo(ExpOfReduced(r), k, shifted);
        // With a correction (x unclamped): selecting on "x < limit" (false for NaN) lets NaN flow through the
        // arithmetic above, and an infinite difference sends x below the limit, so a NaN error term never reaches
        // the result.
        return THasCorrection.IsSet ? T.SelectWhereLess(x, T.Create(ZeroExponentArgument), T.Create(0f), result) : result;
    }

    /// <summary>
    /// e^r for |r| ≤ ln2/2 (plus rounding): e^r = 1 + r·g(r) with g the degree-5 minimax fit of (e^r - 1)/r (relative
    /// error of e^r 2.0e-9, &lt; 0.04 ulp; Taylor needs degree 7 for the same). Leading coefficients are exactly 1, so
    /// e^0 = 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ExpOfReduced<T>(T r) where T : struct, ISimdLanes<T>
    {
        T p = T.FusedMultiplyAdd(T.Create(1.38436537e-3f), r, T.Create(8.37415550e-3f));
        p = T.FusedMultiplyAdd(p, r, T.Create(4.16680016e-2f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1.66664317e-1f));
        p = T.FusedMultiplyAdd(p, r, T.Create(4.99999940e-1f));
        p = T.FusedMultiplyAdd(p, r, T.Create(1f));
        return T.FusedMultiplyAdd(p, r, T.Create(1f));
    }

    /// <summary>
    /// The row constant of <see cref="ExpScaled{T}"/> for a row whose largest element is <paramref name="maximum"/>
    /// (finite, |maximum| ≤ <see cref="ScaledExpLimit"/>): the rounding shifter minus K, K = round(maximum·log2 e).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ScaledExpShift<T>(T maximum) where T : struct, ISimdLanes<T>
    {
        T shifter = T.Create(RoundingShifter);
        return shifter - (T.FusedMultiplyAdd(maximum, T.Create(Log2E), shifter) - shifter);
    }

    /// <summary>The largest |row maximum| <see cref="ExpScaled{T}"/> serves: every reduced k then has |k| &lt; 2^9, which keeps k·Ln2Hi exact.</summary>
    public const float ScaledExpLimit = 128f;

    /// <summary>
    /// e^z·2^-K for z ≤ maximum, with <paramref name="shift"/> = <see cref="ScaledExpShift{T}"/>(maximum) and
    /// <paramref name="lowLimit"/> = maximum - 109. The argument reduction runs on z itself (k = round(z·log2 e),
    /// r = z - k·ln2 with k·Ln2Hi exact) and the row's 2^-K goes into the exponent, so nothing is subtracted and
    /// rounded before the exponential: within 1 ulp like <see cref="ExpNonPositive{T}(T)"/>, with no carried
    /// difference (13 vector ops against 19 for <see cref="ExpOfDifference{T}(T, T, out T)"/>). The results are
    /// e^{z - maximum} times the row constant e^{maximum - K·ln2} ∈ [2^-½, 2^½], which cancels in every ratio.
    /// z below maximum - 109 (e^{z - maximum} &lt; 2^-157) is raised to it, which keeps 2^{k - K} ≥ 2^-159 and gives
    /// +0; NaN propagates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ExpScaled<T>(T z, T shift, T lowLimit) where T : struct, ISimdLanes<T>
    {
        z = T.GreaterOrRight(lowLimit, z);
        T shifted = T.FusedMultiplyAdd(z, T.Create(Log2E), shift);
        T k = shifted - shift;
        T r = T.FusedMultiplyAdd(k, T.Create(-Ln2Hi), z);
        r = T.FusedMultiplyAdd(k, T.Create(-Ln2Lo), r);
        // shifted holds k - K + 159 in its low bits, the form ScaleByPowerOfTwo takes; as a float, k - K.
        return T.ScaleByPowerOfTwo(ExpOfReduced(r), shifted - T.Create(RoundingShifter), shifted);
    }

    /// <summary>
    /// 2·atanh(s) = ln((1+s)/(1-s)) for |s| ≤ 1/3, the core of every logarithm here: log1p(e) = 2·atanh(e/(2+e)).
    /// 2·atanh(s) = 2s·(1 + u·P(u)), u = s², P the degree-3 minimax fit of (atanh(s)/s - 1)/u on [0, 1/9]
    /// (relative error of the result 4.5e-9; the Taylor series needs degree 6 in u for the same).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T TwiceAtanh<T>(T s) where T : struct, ISimdLanes<T>
    {
        T u = s * s;
        T p = T.FusedMultiplyAdd(T.Create(0.140122294f), u, T.Create(0.139995709f));
        p = T.FusedMultiplyAdd(p, u, T.Create(0.200108498f));
        p = T.FusedMultiplyAdd(p, u, T.Create(0.333332062f));
        T twiceS = s + s;
        // 2s + 2s·u·P: the correction is < 0.04 of 2s, so its rounding error is scaled down by that factor.
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

    /// <summary>
    /// ln(1 + x) for x ≥ 0 (any magnitude, +∞ included), within ~2 ulp: u = 1 + x is split into 2^k·f with
    /// f ∈ [√½, √2), and the rounding error of 1 + x is added back as (x - (u - 1))/u, so tiny x keep full
    /// relative accuracy (log1p(x) = x for x &lt; 2^-24). NaN propagates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log1p<T>(T x) where T : struct, ISimdLanes<T>
    {
        T one = T.Create(1f);
        T u = one + x;
        const int OffsetBits = 0x3F800000 - 0x3F3504F3;
        T shiftedBits = T.AddBits(u, OffsetBits);
        T exponent = T.ConvertBitsToSingle(T.AddBits(T.ShiftRightArithmeticBits(shiftedBits, 23), -127));
        T mantissa = T.AddBits(T.AndBits(shiftedBits, 0x007FFFFF), 0x3F800000 - OffsetBits);
        T logMantissa = TwiceAtanh((mantissa - one) / (mantissa + one));
        T correction = (x - (u - one)) / u;
        T result = T.FusedMultiplyAdd(exponent, T.Create(Ln2Hi), T.FusedMultiplyAdd(exponent, T.Create(Ln2Lo), logMantissa + correction));
        // +∞ (and NaN, via u ≠ u) pass through unchanged; the bit split would turn them into finite values.
        return T.Select(T.EqualTo(u, u), T.Select(T.EqualTo(u, T.Create(float.PositiveInfinity)), u, result), u);
    }

    /// <summary>
    /// σ(z) and σ(-|z|) = e/(1+e), e = e^{-|z|}: σ(z) = 1/(1+e) for z ≥ 0 and e/(1+e) otherwise, so neither
    /// overflows and the small tail keeps full relative accuracy. ±∞ give 1 and 0; NaN propagates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T z) where T : struct, ISimdLanes<T>
    {
        T e = ExpNonPositive(-T.Abs(z));
        T onePlusE = T.Create(1f) + e;
        return T.Select(T.GreaterThanOrEqual(z, T.Create(0f)), T.Create(1f) / onePlusE, e / onePlusE);
    }

    /// <summary>Whether any lane is ±∞ or NaN (x - x is 0 exactly for finite x, NaN otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyNonFinite<T>(T x) where T : struct, ISimdLanes<T>
    {
        T zero = T.Create(0f);
        return T.AnyBitSet(T.Select(T.EqualTo(x - x, zero), zero, T.Create(1f)));
    }

    /// <summary>
    /// x, with every NaN replaced by the one pattern of <see cref="float.NaN"/>. NaN signs and payloads depend on
    /// operand order (x86 keeps the first operand's NaN, and the JIT may swap commutative operands differently per
    /// ISA), so outputs canonicalize NaN to stay bit-identical on every width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T CanonicalNaN<T>(T x) where T : struct, ISimdLanes<T> => T.Select(T.EqualTo(x, x), x, T.Create(float.NaN));

    /// <summary>The scalar form of <see cref="CanonicalNaN{T}(T)"/>.</summary>
    public static float CanonicalNaN(float x) => float.IsNaN(x) ? float.NaN : x;
}
