using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// What the walks gather about a row (one row per lane): the exponential rule with the maximum m and unit U, the
/// sum E of the exponentials e_c = e^{z_c - m}·U that differ from U and the count of those equal to U (or, before a
/// gradient walk has refined them, the sum of all of them and a count of 0), the loss terms, and the label's values.
/// E itself is kept in double by the walker and handed to <see cref="SoftmaxRowMath"/> by reference.
/// </summary>
internal struct RowStatistics<T> where T : struct, ISimdLanes<T>
{
    public RowExponential<T> Exponential;
    public T Ties;

    /// <summary>Σ v_c·(m - z_c) (probability targets, smoothing), rounded from double.</summary>
    public T Terms;

    /// <summary>A = Σ a_c for probability targets, rounded from double.</summary>
    public T TargetWeight;

    // Class-index labels: z_y, e_y, w_y (0 for ignored rows), and all-ones lanes for ignored rows.
    public T LabelLogit, LabelExponential, LabelWeight, Ignored;
}

/// <summary>Per row: what the gradient walk and the outputs need.</summary>
internal struct RowPlan<T> where T : struct, ISimdLanes<T>
{
    public T LogSumExp, Loss, Coefficient, NegatedTargetScale, LabelGradient;
}

/// <summary>
/// The math of the softmax cross-entropy loss, per row, written once for every layout and lane type.
/// </summary>
/// <remarks>
/// With a_c the per-class target weights (see <see cref="SoftmaxCrossEntropyOptions"/>), A = Σ a_c, the row's
/// maximum m, t = Σ_{c ≠ one maximal c*} e^{z_c - m} = (E + (ties - 1)·U)/U and lse = m + log1p(t):
/// <list type="bullet">
/// <item>loss = Σ a_c·(m - z_c) + A·log1p(t) + λ·lse², every term non-negative; for a label holding the maximum
/// lse - z_y = log1p(t), so a loss near 0 keeps its relative accuracy (no log of a probability is formed);</item>
/// <item>gradient_c = s·(A'·p_c - a_c), A' = A + 2λ·lse, p_c = e_c/(E + ties·U): every element is e_c times one
/// coefficient s·A'/(E + ties·U) (rounded once from double) plus s·a_c where targets spread;</item>
/// <item>the label's gradient s·((A' - a_y) - A'·(1 - p_y)) in double, with 1 - p_y = t/(1 + t) when the label holds
/// the maximum: no cancellation as p_y → 1.</item>
/// </list>
/// </remarks>
internal static class SoftmaxRowMath
{
    /// <summary>The plan of the rows from their statistics; <paramref name="sum"/> holds E per lane (Count doubles).</summary>
    /// <remarks>Not inlined: once per row or group of rows, and inlined into the walks it exhausted the JIT's inlining budget there (the lane operators of the walks' loops were then left as calls).</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static RowPlan<T> Plan<T, TShape, TRule>(scoped in SoftmaxPass pass, scoped in RowStatistics<T> stats, ref double sum)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TRule : IExponentialRule
    {
        DoubleSteps steps = new(pass, TShape.ProbabilityTargets);
        T zero = T.Create(0f), unit = stats.Exponential.Unit, maximum = stats.Exponential.Maximum;
        LaneInputs<T> inputs = default;
        inputs.A = stats.Ties;
        inputs.B = unit;
        T t = T.InDouble(new RelativeSum(), inputs, ref sum, out _);
        T log1pT = LossMath.Log1p(t);
        T logSumExp = maximum + log1pT;

        // The target side: labels give A from w_y (ignored rows have w_y = 0), probability targets from their sum.
        inputs.C = TShape.ProbabilityTargets ? stats.TargetWeight : stats.LabelWeight;
        inputs.D = logSumExp;
        T ignored = TShape.ProbabilityTargets ? zero : stats.Ignored;
        RowPlan<T> plan = default;
        plan.LogSumExp = logSumExp;
        T rowScale = T.Select(ignored, zero, T.Create(pass.Scale));
        plan.NegatedTargetScale = -(TShape.ProbabilityTargets ? rowScale : rowScale * T.Create(pass.Smoothing / pass.ClassCount));

        T zLoss = pass.ZLossWeight == 0f ? zero : T.Create(pass.ZLossWeight) * logSumExp * logSumExp;
        if (TShape.ProbabilityTargets)
        {
            if (TShape.WritesGradient)
            {
                inputs.E = zero;
                inputs.F = zero;
                plan.Coefficient = T.InDouble(new GradientFactors(steps), inputs, ref sum, out _);
            }

            plan.Loss = T.FusedMultiplyAdd(log1pT, stats.TargetWeight, stats.Terms) + zLoss;
            return plan;
        }

        T difference = TRule.Difference(stats.Exponential, stats.LabelLogit);
        T labelLoss = T.Select(T.EqualTo(difference, zero), log1pT, difference + log1pT);
        T lossWeight = T.Create(1f - pass.Smoothing) * stats.LabelWeight;
        inputs.E = stats.LabelExponential;
        inputs.F = difference;
        if (pass.FocalGamma != 0f)
        {
            // Focal loss (labels only, no smoothing): the loss weight becomes w_y·q^γ and the gradient's label weight w_y·F.
            FocalWeights<T> focal = SoftmaxFocal.Weights(pass.FocalGamma, inputs, labelLoss, ref sum);
            lossWeight = stats.LabelWeight * focal.Power;
            inputs.C = stats.LabelWeight * focal.GradientFactor;
        }

        if (TShape.WritesGradient)
        {
            T coefficient = T.InDouble(new GradientFactors(steps), inputs, ref sum, out T labelGradient);
            plan.Coefficient = T.Select(ignored, zero, coefficient);
            plan.LabelGradient = T.Select(ignored, zero, LossMath.CanonicalNaN(labelGradient));
        }

        T otherLosses = zLoss;
        if (TShape.Terms)
        {
            T smoothingTerms = T.FusedMultiplyAdd(log1pT, T.Create(pass.ClassWeightSum), stats.Terms);
            otherLosses = T.FusedMultiplyAdd(T.Create(pass.Smoothing / pass.ClassCount), smoothingTerms, zLoss);
        }

        plan.Loss = T.Select(ignored, zero, T.FusedMultiplyAdd(lossWeight, labelLoss, otherLosses));
        return plan;
    }

    /// <summary>
    /// N = Σc≠y e_c from the lanes of <see cref="GradientFactors"/> (A = ties, B = U, E = e_y, F = m - z_y; wide = E)
    /// and the total S: E + (ties - 1)·U when the label holds the maximum (no S - e_y cancellation), else S - e_y.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TDouble Others<TDouble>(scoped in LaneInputs<TDouble> inputs, TDouble wide, TDouble total)
        where TDouble : struct, IDoubleLanes<TDouble> =>
        TDouble.SelectEqual(inputs.F, TDouble.Create(0), wide + ((inputs.A - TDouble.Create(1)) * inputs.B), total - inputs.E);

    /// <summary>The per-call constants of the double steps.</summary>
    private readonly struct DoubleSteps(scoped in SoftmaxPass pass, bool probabilityTargets)
    {
        public readonly double Scale = pass.ExactScale;
        public readonly double KeptShare = 1 - (double)pass.Smoothing;
        public readonly double SmoothingShare = (double)pass.Smoothing / pass.ClassCount;
        public readonly double ClassWeightSum = pass.ClassWeightSum;
        public readonly double TwiceZLossWeight = 2 * (double)pass.ZLossWeight;
        public readonly bool ProbabilityTargets = probabilityTargets;

        /// <summary>A' = A + 2λ·lse from w_y (labels: A = (1-ε)·w_y + (ε/C)·Σw) or A (probability targets).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TDouble TotalWeight<TDouble>(TDouble weight, TDouble logSumExp) where TDouble : struct, IDoubleLanes<TDouble>
        {
            TDouble total = ProbabilityTargets ? weight : (TDouble.Create(KeptShare) * weight) + TDouble.Create(SmoothingShare * ClassWeightSum);
            return TwiceZLossWeight == 0 ? total : total + (TDouble.Create(TwiceZLossWeight) * logSumExp);
        }
    }

    /// <summary>t = (E + (ties - 1)·U)/U. Inputs: A = ties, B = U; wide = E.</summary>
    private readonly struct RelativeSum : IDoubleLaneFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TDouble Invoke<TDouble>(scoped in LaneInputs<TDouble> inputs, TDouble wide, out TDouble second) where TDouble : struct, IDoubleLanes<TDouble>
        {
            second = wide;
            return (wide + ((inputs.A - TDouble.Create(1)) * inputs.B)) / inputs.B;
        }
    }

    /// <summary>
    /// The coefficient s·A'/S, S = E + ties·U, and the label's gradient s·((A' - a_y) - A'·N/S), N = S - e_y, or
    /// E + (ties - 1)·U when the label holds the maximum (m - z_y = 0): one division for both. Inputs: A = ties, B = U,
    /// C = w_y or A, D = lse, E = e_y, F = m - z_y; wide = E.
    /// </summary>
    private readonly struct GradientFactors(DoubleSteps steps) : IDoubleLaneFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TDouble Invoke<TDouble>(scoped in LaneInputs<TDouble> inputs, TDouble wide, out TDouble second) where TDouble : struct, IDoubleLanes<TDouble>
        {
            TDouble weight = inputs.C;
            TDouble total = steps.TotalWeight(weight, inputs.D);
            TDouble sum = wide + (inputs.A * inputs.B);
            TDouble scaledInverse = TDouble.Create(steps.Scale) / sum;

            // A' - a_y = (ε/C)·(Σw - w_y) + 2λ·lse, formed from its parts (no A' - a_y cancellation); 0·∞ never forms.
            TDouble remainder = TDouble.Create(steps.SmoothingShare) * (TDouble.Create(steps.ClassWeightSum) - weight);
            if (steps.TwiceZLossWeight != 0)
            {
                remainder += TDouble.Create(steps.TwiceZLossWeight) * inputs.D;
            }

            TDouble others = Others(inputs, wide, sum);
            second = (TDouble.Create(steps.Scale) * remainder) - (total * others * scaledInverse);
            return total * scaledInverse;
        }
    }
}
