using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>The focal factors of a row (one row per lane): q^γ for the loss and F for the gradient's label weight.</summary>
internal struct FocalWeights<T> where T : struct, ISimdLanes<T>
{
    public T Power, GradientFactor;
}

/// <summary>
/// The math of softmax focal loss, per row: loss = -w_y·q^γ·ln p_y with q = 1 - p_y (Lin et al.'s focal loss with
/// class labels, α per class as the class weights), written once for every layout and lane type.
/// </summary>
/// <remarks>
/// <para><b>Gradient.</b> With ℓ = -ln p_y, dℓ/dz_c = p_c - [c = y] and dq/dz_c = -p_y·(p_c - [c = y]), so
/// ∂(q^γ·ℓ)/∂z_c = F·(p_c - [c = y]) with F = q^γ·(1 + γ·p_y·ℓ/q): focal loss is cross-entropy whose label weight
/// w_y becomes w_y·F in the gradient (and w_y·q^γ in the loss), so the row math of <see cref="SoftmaxRowMath"/>
/// serves it unchanged. Both terms of F are ≥ 0: no cancellation. p_y·ℓ/q = e_y·ℓ/N (N = Σc≠y e_c, the sum the
/// label's gradient uses), which tends to 1 as q → 0, so F stays finite for 0 &lt; γ &lt; 1 where q^{γ-1} alone
/// would not; N = 0 (q = 0) takes that limit, and e_y = 0 (p_y = 0, ℓ possibly ∞) the limit 0 of p_y·ℓ.</para>
/// <para><b>The power.</b> q = N/S is formed in double from the row's exact sums (relative accuracy as q → 0, where
/// 1 - p_y in float would be 0) and q^n, n = ⌊γ⌋, by squaring in double: whole γ (1, 2, 5: the usual ones) costs one
/// rounding. A fractional part f = γ - n adds e^{f·ln q} in float, whose relative error is about (1 + f·|ln q|)·2^-24
/// (ln q rounded, then exp): at most 1 + 17·f ulp for q ≥ 2^-24, and q^γ ≤ 2^-24·f there anyway.</para>
/// <para>γ = 0 never reaches this class: the caller keeps cross-entropy's own code, so its bits are unchanged.</para>
/// </remarks>
internal static class SoftmaxFocal
{
    /// <summary>
    /// The factors for γ &gt; 0 from the row math's lanes: <paramref name="inputs"/> A = ties, B = U, E = e_y,
    /// F = m - z_y (as <see cref="SoftmaxRowMath"/> fills them), <paramref name="labelLoss"/> = ℓ, and E in
    /// <paramref name="sum"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static FocalWeights<T> Weights<T>(float gamma, scoped in LaneInputs<T> inputs, T labelLoss, ref double sum)
        where T : struct, ISimdLanes<T>
    {
        float whole = float.Floor(gamma), fraction = gamma - whole;
        T power = T.InDouble(new Remainder((long)whole), inputs, ref sum, out T remainder);
        if (fraction != 0f)
        {
            power *= LossMath.ExpNonPositive(T.Create(fraction) * LossMath.LogUnitInterval(remainder));
        }

        LaneInputs<T> factorInputs = inputs;
        factorInputs.C = power;
        factorInputs.D = labelLoss;
        FocalWeights<T> weights = default;
        weights.Power = power;
        weights.GradientFactor = T.InDouble(new GradientFactor(gamma), factorInputs, ref sum, out _);
        return weights;
    }

    /// <summary>q^n (returned) and q = N/S (second), n ≥ 0; wide = E.</summary>
    private readonly struct Remainder(long wholePower) : IDoubleLaneFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TDouble Invoke<TDouble>(scoped in LaneInputs<TDouble> inputs, TDouble wide, out TDouble second) where TDouble : struct, IDoubleLanes<TDouble>
        {
            TDouble total = wide + (inputs.A * inputs.B);
            TDouble q = SoftmaxRowMath.Others(inputs, wide, total) / total;
            second = q;
            TDouble power = TDouble.Create(1), square = q;
            for (long n = wholePower; n != 0; n >>= 1)
            {
                if ((n & 1) != 0)
                {
                    power *= square;
                }

                square *= square;
            }

            return power;
        }
    }

    /// <summary>F = q^γ·(1 + γ·e_y·ℓ/N): inputs C = q^γ, D = ℓ (others as in <see cref="Weights"/>).</summary>
    private readonly struct GradientFactor(float gamma) : IDoubleLaneFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TDouble Invoke<TDouble>(scoped in LaneInputs<TDouble> inputs, TDouble wide, out TDouble second) where TDouble : struct, IDoubleLanes<TDouble>
        {
            TDouble zero = TDouble.Create(0), one = TDouble.Create(1);
            TDouble others = SoftmaxRowMath.Others(inputs, wide, wide + (inputs.A * inputs.B));
            // p_y·ℓ/q → 1 as q → 0 (N = 0), and → 0 as p_y → 0 (e_y = 0, where ℓ may be ∞): both limits, never 0/0 or 0·∞.
            TDouble ratio = TDouble.SelectEqual(others, zero, one, TDouble.SelectEqual(inputs.E, zero, zero, inputs.E * inputs.D / others));
            second = zero;
            return inputs.C * (one + (TDouble.Create(gamma) * ratio));
        }
    }
}
