using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// How a row's exponentials are taken, one row per lane: e_c = e^{z_c - m}·U, where U = e of the maximum itself (the
/// "unit"), is what the walks store and sum; every ratio (probabilities, t = Σ others / U) cancels U.
/// </summary>
/// <remarks>
/// Two rules. <see cref="ScaledRule"/> (finite |m| ≤ 128, every realistic row): e^z·2^-K with K = round(m·log2 e), so
/// the argument reduction runs on z and no difference is rounded (U ∈ [2^-½, 2^½]). <see cref="CarriedRule"/> (huge,
/// infinite or NaN maxima): e^{z - m} with m - z carried exactly and equal infinities read as a difference of 0 (U = 1).
/// The rule is chosen per lane from that lane's maximum alone, so a row's bits never depend on its neighbours.
/// </remarks>
internal readonly struct RowExponential<T> where T : struct, ISimdLanes<T>
{
    public readonly T Maximum;
    public readonly T Shift;
    public readonly T LowLimit;
    public readonly T Unit;

    /// <summary>All-ones in the lanes that take <see cref="CarriedRule"/>.</summary>
    public readonly T Carried;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RowExponential(T maximum, T shift, T lowLimit, T unit, T carried)
    {
        Maximum = maximum;
        Shift = shift;
        LowLimit = lowLimit;
        Unit = unit;
        Carried = carried;
    }

    /// <summary>The constants of rows with these maxima (NaN and ±∞ included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RowExponential<T> Create(T maximum)
    {
        T zero = T.Create(0f);
        // Not "≤ limit" negated, so NaN takes the carried rule.
        T scaled = T.GreaterThanOrEqual(T.Create(LossMath.ScaledExpLimit), T.Abs(maximum));
        T carried = T.Select(scaled, zero, T.Create(BitConverter.Int32BitsToSingle(-1)));
        T finiteMaximum = T.Select(scaled, maximum, zero);
        T shift = LossMath.ScaledExpShift(finiteMaximum);
        T lowLimit = finiteMaximum - T.Create(109f);
        T unit = T.Select(scaled, LossMath.ExpScaled(finiteMaximum, shift, lowLimit), T.Create(1f));
        return new(maximum, shift, lowLimit, unit, carried);
    }

    /// <summary>The constants of one row (a scalar lane) broadcast to every lane of <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RowExponential<T> Broadcast(in RowExponential<ScalarLanes> row) => new(
        T.Create(row.Maximum.Value), T.Create(row.Shift.Value), T.Create(row.LowLimit.Value), T.Create(row.Unit.Value), T.Create(row.Carried.Value));
}

/// <summary>One of the ways of <see cref="RowExponential{T}"/>, as a type so each walk is compiled for it.</summary>
internal interface IExponentialRule
{
    /// <summary>e_c for logits z of the rows.</summary>
    static abstract T Exp<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T>;

    /// <summary>m - z, exactly 0 where z = m (infinities included).</summary>
    static abstract T Difference<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T>;
}

internal readonly struct ScaledRule : IExponentialRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T> => LossMath.ExpScaled(z, row.Shift, row.LowLimit);

    /// <summary>m is finite here, so m - m is exactly 0 without a select.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Difference<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T> => row.Maximum - z;
}

internal readonly struct CarriedRule : IExponentialRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T> => LossMath.ExpOfDifference(row.Maximum, z, out _);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Difference<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T> =>
        T.Select(T.EqualTo(row.Maximum, z), T.Create(0f), row.Maximum - z);
}

/// <summary>Both rules, selected per lane (a group of narrow rows where some maxima need the carried rule).</summary>
internal readonly struct MixedRule : IExponentialRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T> =>
        T.Select(row.Carried, CarriedRule.Exp(row, z), ScaledRule.Exp(row, z));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Difference<T>(in RowExponential<T> row, T z) where T : struct, ISimdLanes<T> => CarriedRule.Difference(row, z);
}
