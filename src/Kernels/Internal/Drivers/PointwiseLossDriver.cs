using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Drivers;

/// <summary>Which input of a pass held a value outside the operator's domain.</summary>
internal enum DomainViolation
{
    None,
    Prediction,
    Target,
}

/// <summary>
/// Everything one fused pass reads and writes. Empty optional spans mean "absent": weights default to 1, outputs are
/// not written. Lengths and overlaps are validated by the public API before a pass is built. The loss's own
/// parameters are not here: they are the operator's state.
/// </summary>
internal ref struct PointwiseLossPass
{
    public ReadOnlySpan<float> Predictions;
    public ReadOnlySpan<float> Targets;
    public ReadOnlySpan<float> ElementWeights;
    public float GradientScale;
    public Span<float> Gradient;
    public Span<float> Losses;
}

/// <summary>
/// Walks the spans of a pointwise loss once: reads predictions and targets (and weights), writes gradient and
/// losses, and sums the losses with <see cref="LaneSum"/>. Full groups of <see cref="LaneSum.LaneCount"/> elements run on the widest
/// accelerated lanes (<see cref="SimdDispatch"/>); the last, partial group runs the same operator on <see cref="ScalarLanes"/>,
/// so a tail never reads or writes outside the spans and produces the same bits as a vector would.
/// </summary>
internal static class PointwiseLossDriver
{
    /// <summary>Runs the pass with <paramref name="op"/>; returns the sum of the (weighted) losses in double.</summary>
    public static double Run<TOperator>(scoped in PointwiseLossPass pass, scoped in TOperator op, out DomainViolation violation)
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
    {
        Kernel<TOperator> kernel = new(pass, op);
        double total = SimdDispatch.Run<Kernel<TOperator>, double>(ref kernel);
        violation = kernel.Violation;
        return total;
    }

    /// <summary>
    /// The pass over n rows of k outputs: row i is a pointwise pass of its own with gradient scale
    /// <c>gradientScale·sampleWeights[i]</c> (the operator's per-element state is indexed within the row); its
    /// unweighted loss sum is multiplied by the sample weight in double, written to <c>sampleLosses[i]</c> (if
    /// given) and added to the total in row order.
    /// </summary>
    public static double RunRows<TOperator>(
        scoped in PointwiseLossPass pass, scoped in TOperator op, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses,
        out DomainViolation violation)
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
    {
        int rows = pass.Predictions.Length / outputCount;
        double total = 0;
        violation = DomainViolation.None;
        for (int row = 0; row < rows; row++)
        {
            int start = row * outputCount;
            float sampleWeight = sampleWeights.IsEmpty ? 1f : sampleWeights[row];
            PointwiseLossPass rowPass = new()
            {
                Predictions = pass.Predictions.Slice(start, outputCount),
                Targets = pass.Targets.Slice(start, outputCount),
                GradientScale = pass.GradientScale * sampleWeight,
                Gradient = pass.Gradient.IsEmpty ? default : pass.Gradient.Slice(start, outputCount),
            };
            double rowLoss = sampleWeight * Run(rowPass, op, out DomainViolation rowViolation);
            if (violation == DomainViolation.None)
            {
                violation = rowViolation;
            }

            if (!sampleLosses.IsEmpty)
            {
                sampleLosses[row] = LossMath.CanonicalNaN((float)rowLoss);
            }

            total += rowLoss;
        }

        return total;
    }

    /// <summary>The pass as a <see cref="SimdDispatch"/> kernel: instantiates the loop for the optional inputs and outputs present.</summary>
    private ref struct Kernel<TOperator> : ISimdKernel<double>
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
    {
        private readonly PointwiseLossPass _pass;
        private readonly TOperator _op;
        public DomainViolation Violation;

        public Kernel(scoped in PointwiseLossPass pass, scoped in TOperator op)
        {
            _pass = pass;
            _op = op;
        }

        public double Run<T>() where T : struct, ISimdLanes<T> =>
            _pass.ElementWeights.IsEmpty ? Run<T, FlagUnset>() : Run<T, FlagSet>();

        private double Run<T, THasElementWeights>()
            where T : struct, ISimdLanes<T>
            where THasElementWeights : IStaticFlag =>
            (_pass.Gradient.IsEmpty, _pass.Losses.IsEmpty) switch
            {
                (true, true) => Loop<TOperator, T, Shape<THasElementWeights, FlagUnset, FlagUnset>>(_pass, _op, out Violation),
                (false, true) => Loop<TOperator, T, Shape<THasElementWeights, FlagSet, FlagUnset>>(_pass, _op, out Violation),
                (true, false) => Loop<TOperator, T, Shape<THasElementWeights, FlagUnset, FlagSet>>(_pass, _op, out Violation),
                (false, false) => Loop<TOperator, T, Shape<THasElementWeights, FlagSet, FlagSet>>(_pass, _op, out Violation),
            };
    }

    // Never inlined: the dispatch chain above (SimdDispatch.Run, Kernel.Run, the shape switch) is small, and with the
    // loop inlined into it the JIT ran out of inlining budget inside Step and left the lane operators as calls
    // (BCE CostAndGradient went from ~0.7 to ~10 ns per element). Compiled alone, the walk inlines its whole step.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Loop<TOperator, T, TShape>(scoped in PointwiseLossPass pass, scoped in TOperator op, out DomainViolation violation)
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
        where T : struct, ISimdLanes<T>
        where TShape : IPassShape
    {
        Cursor cursor = new(pass);
        nuint length = (nuint)pass.Predictions.Length;
        LaneSum sum = default;
        T badPredictions = T.Create(0f), badTargets = T.Create(0f);
        ScalarLanes badPredictionTail = ScalarLanes.Create(0f), badTargetTail = ScalarLanes.Create(0f);

        nuint i = 0, groupsEnd = length & ~(nuint)(LaneSum.LaneCount - 1);
        for (; i < groupsEnd; i += LaneSum.LaneCount)
        {
            for (int lane = 0; lane < LaneSum.LaneCount; lane += T.Count)
            {
                Step<TOperator, T, TShape>(ref cursor, op, i + (nuint)lane, lane, ref sum, ref badPredictions, ref badTargets);
            }
        }

        if (i < length)
        {
            Tail<TOperator, TShape>(pass, op, i, length, ref sum, ref badPredictionTail, ref badTargetTail);
        }

        violation =
            TOperator.HasDomain && (T.AnyBitSet(badPredictions) || ScalarLanes.AnyBitSet(badPredictionTail)) ? DomainViolation.Prediction :
            TOperator.HasDomain && (T.AnyBitSet(badTargets) || ScalarLanes.AnyBitSet(badTargetTail)) ? DomainViolation.Target :
            DomainViolation.None;
        return sum.Total();
    }

    /// <summary>
    /// The last, partial group, element by element: the same operator into the same logical lanes. Never inlined, for
    /// the reason <see cref="Loop"/> is not: inside the loop's method a large operator (focal loss) exhausted the budget
    /// in this second copy of the step and left its scalar operators as calls (~60 ns per tail element).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tail<TOperator, TShape>(
        scoped in PointwiseLossPass pass, scoped in TOperator op, nuint i, nuint length, ref LaneSum sum, ref ScalarLanes badPredictions, ref ScalarLanes badTargets)
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
        where TShape : IPassShape
    {
        // A cursor of its own: passing the loop's by reference would keep it in memory, and the loop would reload its
        // references from the stack at every step.
        Cursor cursor = new(pass);
        for (; i < length; i++)
        {
            Step<TOperator, ScalarLanes, TShape>(ref cursor, op, i, (int)(i % LaneSum.LaneCount), ref sum, ref badPredictions, ref badTargets);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TOperator, T, TShape>(ref Cursor cursor, scoped in TOperator op, nuint i, int lane, ref LaneSum sum, ref T badPredictions, ref T badTargets)
        where TOperator : struct, IPointwiseLossOperator, allows ref struct
        where T : struct, ISimdLanes<T>
        where TShape : IPassShape
    {
        T prediction = T.Load(ref cursor.Predictions, i);
        T target = T.Load(ref cursor.Targets, i);
        if (TOperator.HasDomain)
        {
            badPredictions = T.Or(badPredictions, TOperator.OutOfDomain(prediction));
            badTargets = T.Or(badTargets, TOperator.OutOfDomain(target));
        }

        T loss = op.Invoke(prediction, target, i, out T gradient);
        T gradientScale = T.Create(cursor.GradientScale);
        if (TShape.HasElementWeights)
        {
            T weight = T.Load(ref cursor.ElementWeights, i);
            loss *= weight;
            gradientScale *= weight;
        }

        loss = LossMath.CanonicalNaN(loss);
        if (TShape.WritesGradient)
        {
            T.Store(LossMath.CanonicalNaN(gradient * gradientScale), ref cursor.Gradient, i);
        }

        if (TShape.WritesLosses)
        {
            T.Store(loss, ref cursor.Losses, i);
        }

        sum.Add(loss, lane);
    }

    /// <summary>Which optional inputs and outputs a pass has, as compile-time constants.</summary>
    private interface IPassShape
    {
        static abstract bool HasElementWeights { get; }
        static abstract bool WritesGradient { get; }
        static abstract bool WritesLosses { get; }
    }

    private readonly struct Shape<THasElementWeights, TWritesGradient, TWritesLosses> : IPassShape
        where THasElementWeights : IStaticFlag
        where TWritesGradient : IStaticFlag
        where TWritesLosses : IStaticFlag
    {
        public static bool HasElementWeights => THasElementWeights.IsSet;
        public static bool WritesGradient => TWritesGradient.IsSet;
        public static bool WritesLosses => TWritesLosses.IsSet;
    }

    /// <summary>The pass as raw references, so the hot loop indexes without bounds checks.</summary>
    private ref struct Cursor
    {
        public ref float Predictions;
        public ref float Targets;
        public ref float ElementWeights;
        public ref float Gradient;
        public ref float Losses;
        public readonly float GradientScale;

        public Cursor(scoped in PointwiseLossPass pass)
        {
            Predictions = ref MemoryMarshal.GetReference(pass.Predictions);
            Targets = ref MemoryMarshal.GetReference(pass.Targets);
            ElementWeights = ref MemoryMarshal.GetReference(pass.ElementWeights);
            Gradient = ref MemoryMarshal.GetReference(pass.Gradient);
            Losses = ref MemoryMarshal.GetReference(pass.Losses);
            GradientScale = pass.GradientScale;
        }
    }
}
