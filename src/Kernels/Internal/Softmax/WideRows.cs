using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// Rows wider than <see cref="NarrowRows"/> takes, one at a time, in three walks:
/// the maximum; the exponentials e_c = e^{z_c - m}·U, stored into the gradient and summed (with the loss terms);
/// the gradient e_c·coefficient - s·v_c in place of e_c. One exponential per element, and no memory but the gradient.
/// </summary>
/// <remarks>
/// The label's logit is read before the exponentials overwrite it (in place, the gradient is the logits). The sum
/// of all e_c gives the coefficient; where t = Σ others/U is small and the loss needs it exactly (the label holds the
/// maximum, or targets spread over the classes) the scale walk also recounts it from the stored e_c, excluding the
/// ones equal to U (without a gradient, a second exponentials walk does). A row with a NaN takes the canonicalizing
/// scale walk. Rows that do not fit in L2 (C = 2^18, 1 MB of logits) measured 0.35–0.40 ns per element against
/// 0.31–0.35 for rows that do (C = 2^15), so the walks are not split into chunks; folding the next row's maximum into
/// the scale walk measured slower (0.43–0.47 at C = 2^15) and was left out.
/// </remarks>
[SkipLocalsInit]
internal static class WideRows
{
    /// <summary>
    /// Below this t (and this |m|, for the log-sum-exp) the loss's log1p(t) and the label's 1 - p_y are recounted
    /// exactly; above, the float sums keep them within 2 ulp.
    /// </summary>
    private const double RecountBelow = 4;

    public static double Run<T, TShape>(scoped in SoftmaxPass pass)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        double total = 0;
        int rows = pass.Logits.Length / pass.ClassCount;
        for (int row = 0; row < rows; row++)
        {
            total += Row<T, TShape>(pass, row);
        }

        return total;
    }

    private static double Row<T, TShape>(scoped in SoftmaxPass pass, int row)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        int classes = pass.ClassCount;
        ReadOnlySpan<float> logits = pass.Logits.Slice(row * classes, classes);
        RowStatistics<ScalarLanes> stats = default;
        if (!TShape.ProbabilityTargets)
        {
            int label = pass.Labels[row];
            bool ignored = pass.IsIgnored(label);
            stats.Ignored = ScalarLanes.Create(ignored ? BitConverter.Int32BitsToSingle(-1) : 0f);
            stats.LabelLogit = ScalarLanes.Create(ignored ? 0f : logits[label]);
            stats.LabelWeight = ScalarLanes.Create(ignored ? 0f : pass.ClassWeight(label));
        }

        stats.Exponential = RowExponential<ScalarLanes>.Create(ScalarLanes.Create(Greatest<T>(logits)));
        return BitConverter.SingleToInt32Bits(stats.Exponential.Carried.Value) != 0
            ? Row<T, TShape, CarriedRule>(pass, row, ref stats)
            : Row<T, TShape, ScaledRule>(pass, row, ref stats);
    }

    private static double Row<T, TShape, TRule>(scoped in SoftmaxPass pass, int row, ref RowStatistics<ScalarLanes> stats)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TRule : IExponentialRule
    {
        int classes = pass.ClassCount;
        ReadOnlySpan<float> logits = pass.Logits.Slice(row * classes, classes);
        ReadOnlySpan<float> targets = TShape.ProbabilityTargets ? pass.Targets.Slice(row * classes, classes) : default;
        Span<float> gradient = TShape.WritesGradient ? pass.Gradient.Slice(row * classes, classes) : default;
        bool ignored = !TShape.ProbabilityTargets && BitConverter.SingleToInt32Bits(stats.Ignored.Value) != 0;
        stats.LabelExponential = TRule.Exp(stats.Exponential, stats.LabelLogit);
        bool store = TShape.WritesGradient && !ignored;

        WideConstants<T> constants = new(pass, stats.Exponential, 0f, 0f);
        Unsafe.SkipInit(out WideSums sums);
        if (store)
        {
            Exponentials<T, TShape, TRule, FlagUnset, FlagSet>(logits, targets, pass.ClassWeights, gradient, constants, ref sums);
        }
        else
        {
            Exponentials<T, TShape, TRule, FlagUnset, FlagUnset>(logits, targets, pass.ClassWeights, default, constants, ref sums);
        }

        double sum = sums.Sum.Total();
        stats.Ties = ScalarLanes.Create(0f);
        if (TShape.Terms)
        {
            stats.Terms = ScalarLanes.Create((float)sums.Terms.Total());
        }

        if (TShape.ProbabilityTargets)
        {
            stats.TargetWeight = ScalarLanes.Create((float)sums.Weight.Total());
        }

        double unit = stats.Exponential.Unit.Value;
        bool labelHoldsMaximum = !TShape.ProbabilityTargets && !ignored && stats.LabelLogit.Value == stats.Exponential.Maximum.Value;
        // lse = m + log1p(t) is promised within a few 2^-24·(|m| + log1p(t)), which a small |m| leaves to t alone.
        bool smallMaximum = float.Abs(stats.Exponential.Maximum.Value) < RecountBelow;
        bool recount = (TShape.Terms || labelHoldsMaximum || smallMaximum) && sum - unit < RecountBelow * unit;
        if (recount && (!store || pass.FocalGamma != 0f))
        {
            // Focal loss's gradient coefficient needs q = 1 - p_y exactly, so with a gradient the recount comes before
            // the scale walk: a scale walk by 1 (e_c·1 = e_c, every bit kept) that recounts.
            if (store)
            {
                RecountingScale<T, TShape, FlagUnset>(targets, pass.ClassWeights, gradient, new WideConstants<T>(pass, stats.Exponential, 1f, 0f), ref sums);
            }
            else
            {
                Exponentials<T, TShape, TRule, FlagSet, FlagUnset>(logits, targets, pass.ClassWeights, default, constants, ref sums);
            }

            sum = sums.Sum.Total();
            stats.Ties = ScalarLanes.Create((float)sums.Ties.Total());
            recount = false;
        }

        RowPlan<ScalarLanes> plan = SoftmaxRowMath.Plan<ScalarLanes, TShape, TRule>(pass, stats, ref sum);
        if (store)
        {
            constants = new(pass, stats.Exponential, plan.Coefficient.Value, plan.NegatedTargetScale.Value);
            bool canonical = !float.IsFinite(plan.Coefficient.Value);
            if (recount)
            {
                if (canonical)
                {
                    RecountingScale<T, TShape, FlagSet>(targets, pass.ClassWeights, gradient, constants, ref sums);
                }
                else
                {
                    RecountingScale<T, TShape, FlagUnset>(targets, pass.ClassWeights, gradient, constants, ref sums);
                }

                sum = sums.Sum.Total();
                stats.Ties = ScalarLanes.Create((float)sums.Ties.Total());
                RowPlan<ScalarLanes> refined = SoftmaxRowMath.Plan<ScalarLanes, TShape, TRule>(pass, stats, ref sum);
                plan.Loss = refined.Loss;
                plan.LogSumExp = refined.LogSumExp;
                plan.LabelGradient = refined.LabelGradient;
            }
            else if (canonical)
            {
                Scale<T, TShape, FlagSet>(targets, pass.ClassWeights, gradient, constants);
            }
            else
            {
                Scale<T, TShape, FlagUnset>(targets, pass.ClassWeights, gradient, constants);
            }

            if (!TShape.ProbabilityTargets)
            {
                gradient[pass.Labels[row]] = plan.LabelGradient.Value;
            }
        }
        else if (TShape.WritesGradient)
        {
            gradient.Clear();
        }

        float loss = LossMath.CanonicalNaN(plan.Loss.Value);
        if (!pass.Losses.IsEmpty)
        {
            pass.Losses[row] = loss;
        }

        if (!pass.LogSumExp.IsEmpty)
        {
            pass.LogSumExp[row] = LossMath.CanonicalNaN(plan.LogSumExp.Value);
        }

        return loss;
    }

    /// <summary>The exponentials walk over the row's whole groups, then over its padded tail.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Exponentials<T, TShape, TRule, TExact, TStore>(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, ReadOnlySpan<float> classWeights, Span<float> gradient,
        in WideConstants<T> constants, ref WideSums sums)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TRule : IExponentialRule
        where TExact : IStaticFlag
        where TStore : IStaticFlag
    {
        sums.Clear<ExponentialStep<T, TShape, TRule, TExact, TStore, FlagUnset>>();
        int groupsEnd = logits.Length & ~(WideWalk.Lanes - 1), tail = logits.Length - groupsEnd;
        ExponentialStep<T, TShape, TRule, TExact, TStore, FlagUnset> step = new(logits, targets, classWeights, gradient, constants);
        WideWalk.Run<T, ExponentialStep<T, TShape, TRule, TExact, TStore, FlagUnset>>(ref step, (nuint)groupsEnd, ref sums);
        if (tail == 0)
        {
            return;
        }

        Unsafe.SkipInit(out TailBuffers buffers);
        ExponentialStep<T, TShape, TRule, TExact, TStore, FlagSet> tailStep = new(
            TailBuffers.Fill(logits[groupsEnd..], buffers.Logits, float.NegativeInfinity),
            TShape.ProbabilityTargets ? TailBuffers.Fill(targets[groupsEnd..], buffers.Targets, 0f) : default,
            TShape.Terms ? TailBuffers.FillWeights(classWeights, groupsEnd, tail, buffers.Weights) : default,
            buffers.Gradient, constants, TailBuffers.FillValid(tail, buffers.Valid));
        WideWalk.Run<T, ExponentialStep<T, TShape, TRule, TExact, TStore, FlagSet>>(ref tailStep, WideWalk.Lanes, ref sums);
        if (TStore.IsSet)
        {
            ((ReadOnlySpan<float>)buffers.Gradient)[..tail].CopyTo(gradient[groupsEnd..]);
        }
    }

    /// <summary>The scale walk in lane order, recounting the e_c ≠ U exactly; the padded tail's e_c are +0.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RecountingScale<T, TShape, TCanonical>(
        ReadOnlySpan<float> targets, ReadOnlySpan<float> classWeights, Span<float> gradient, in WideConstants<T> constants, ref WideSums sums)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TCanonical : IStaticFlag
    {
        sums.Clear<ScaleStep<T, TShape, FlagSet, TCanonical, FlagUnset>>();
        int groupsEnd = gradient.Length & ~(WideWalk.Lanes - 1), tail = gradient.Length - groupsEnd;
        ScaleStep<T, TShape, FlagSet, TCanonical, FlagUnset> step = new(targets, classWeights, gradient, constants);
        WideWalk.Run<T, ScaleStep<T, TShape, FlagSet, TCanonical, FlagUnset>>(ref step, (nuint)groupsEnd, ref sums);
        if (tail == 0)
        {
            return;
        }

        Unsafe.SkipInit(out TailBuffers buffers);
        ScaleStep<T, TShape, FlagSet, TCanonical, FlagSet> tailStep = new(
            TShape.ProbabilityTargets ? TailBuffers.Fill(targets[groupsEnd..], buffers.Targets, 0f) : default,
            TShape.Terms ? TailBuffers.FillWeights(classWeights, groupsEnd, tail, buffers.Weights) : default,
            TailBuffers.Fill(gradient[groupsEnd..], buffers.Gradient, 0f), constants);
        WideWalk.Run<T, ScaleStep<T, TShape, FlagSet, TCanonical, FlagSet>>(ref tailStep, WideWalk.Lanes, ref sums);
        ((ReadOnlySpan<float>)buffers.Gradient)[..tail].CopyTo(gradient[groupsEnd..]);
    }

    /// <summary>The plain scale walk: no sums, so any order; vectors, then the last elements one by one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Scale<T, TShape, TCanonical>(
        ReadOnlySpan<float> targets, ReadOnlySpan<float> classWeights, Span<float> gradient, in WideConstants<T> constants)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
        where TCanonical : IStaticFlag
    {
        ScaleStep<T, TShape, FlagUnset, TCanonical, FlagUnset> step = new(targets, classWeights, gradient, constants);
        LaneAccumulators<T> unused = default;
        LaneAccumulators<ScalarLanes> unusedScalar = default;
        RowConstants<T> row = step.Constants<T>();
        nuint length = (nuint)gradient.Length, i = 0;
        for (; i + (nuint)T.Count <= length; i += (nuint)T.Count)
        {
            step.Step(i, ref unused, row);
        }

        RowConstants<ScalarLanes> scalarRow = step.Constants<ScalarLanes>();
        for (; i < length; i++)
        {
            step.Step(i, ref unusedScalar, scalarRow);
        }
    }

    /// <summary>
    /// The row's greatest logit by the one-op x86 rule (a &gt; b ? a : b), which may skip a NaN: a NaN still reaches
    /// the sums through its exponential and makes the row NaN. Between ±0 either may be kept; every output is the
    /// same for both.
    /// </summary>
    private static float Greatest<T>(ReadOnlySpan<float> logits) where T : struct, ISimdLanes<T>
    {
        ref float z = ref MemoryMarshal.GetReference(logits);
        nuint length = (nuint)logits.Length, i = 0, width = (nuint)T.Count;
        // Four running maxima: the walk is bound by the maximum's latency, not by loads.
        T first = T.Create(float.NegativeInfinity), second = first, third = first, fourth = first;
        for (; i + (4 * width) <= length; i += 4 * width)
        {
            first = T.GreaterOrRight(first, T.Load(ref z, i));
            second = T.GreaterOrRight(second, T.Load(ref z, i + width));
            third = T.GreaterOrRight(third, T.Load(ref z, i + (2 * width)));
            fourth = T.GreaterOrRight(fourth, T.Load(ref z, i + (3 * width)));
        }

        for (; i + width <= length; i += width)
        {
            first = T.GreaterOrRight(first, T.Load(ref z, i));
        }

        Unsafe.SkipInit(out Lanes16 lanes);
        T.Store(T.GreaterOrRight(T.GreaterOrRight(first, second), T.GreaterOrRight(third, fourth)), ref lanes[0], 0);
        float greatest = float.NegativeInfinity;
        for (int lane = 0; lane < T.Count; lane++)
        {
            greatest = lanes[lane] > greatest ? lanes[lane] : greatest;
        }

        for (; i < length; i++)
        {
            float logit = Unsafe.Add(ref z, i);
            greatest = logit > greatest ? logit : greatest;
        }

        return greatest;
    }

    [InlineArray(16)]
    private struct Lanes16
    {
        private float _element;
    }
}
