using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// Everything one fused pass reads and writes. Empty optional spans mean "absent": weights default to 1
/// (<see cref="PositiveWeight"/> stands in for <see cref="PositiveWeights"/>), outputs are not written.
/// Lengths and overlaps are validated by the public API before a pass is built.
/// </summary>
internal ref struct PointwiseLossPass
{
    public ReadOnlySpan<float> Predictions;
    public ReadOnlySpan<float> Targets;
    public ReadOnlySpan<float> ElementWeights;
    public ReadOnlySpan<float> PositiveWeights;
    public float PositiveWeight;
    public float GradientScale;
    public Span<float> Gradient;
    public Span<float> Losses;
}

/// <summary>
/// Walks the spans of a pointwise loss once: reads predictions and targets (and weights), writes gradient and
/// losses, and sums the losses with <see cref="LaneSum"/>. Full groups of <see cref="LaneSum.LaneCount"/> elements run on the widest
/// accelerated lanes; the last, partial group runs the same operator on <see cref="ScalarLanes"/>, so a tail
/// never reads or writes outside the spans and produces the same bits as a vector would.
/// </summary>
internal static class PointwiseLossDriver
{
    /// <summary>Runs the pass; returns the sum of the (weighted) losses in double.</summary>
    public static double Run<TOperator>(scoped in PointwiseLossPass pass, out DomainViolation violation)
        where TOperator : IPointwiseLossOperator
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Run<TOperator, Lanes512>(pass, out violation);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Run<TOperator, Lanes256>(pass, out violation);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return Run<TOperator, Lanes128>(pass, out violation);
        }

        return Run<TOperator, ScalarLanes>(pass, out violation);
    }

    /// <summary>
    /// The pass over n rows of k outputs: row i is a pointwise pass of its own with gradient scale
    /// <c>gradientScale·sampleWeights[i]</c> and per-output positive weights; its unweighted loss sum is multiplied
    /// by the sample weight in double, written to <c>sampleLosses[i]</c> (if given) and added to the total in row order.
    /// </summary>
    public static double RunRows<TOperator>(
        scoped in PointwiseLossPass pass, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses,
        out DomainViolation violation)
        where TOperator : IPointwiseLossOperator
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
                PositiveWeights = pass.PositiveWeights,
                PositiveWeight = pass.PositiveWeight,
                GradientScale = pass.GradientScale * sampleWeight,
                Gradient = pass.Gradient.IsEmpty ? default : pass.Gradient.Slice(start, outputCount),
            };
            double rowLoss = sampleWeight * Run<TOperator>(rowPass, out DomainViolation rowViolation);
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

    // Instantiate the loop for the optional inputs and outputs actually present (see IStaticFlag).
    private static double Run<TOperator, T>(scoped in PointwiseLossPass pass, out DomainViolation violation)
        where TOperator : IPointwiseLossOperator
        where T : struct, ISimdLanes<T> =>
        !pass.PositiveWeights.IsEmpty ? Run<TOperator, T, FlagSet, FlagSet>(pass, out violation) :
        pass.PositiveWeight != 1f ? Run<TOperator, T, FlagSet, FlagUnset>(pass, out violation) :
        Run<TOperator, T, FlagUnset, FlagUnset>(pass, out violation);

    private static double Run<TOperator, T, THasPositiveWeight, TPositiveWeightPerElement>(scoped in PointwiseLossPass pass, out DomainViolation violation)
        where TOperator : IPointwiseLossOperator
        where T : struct, ISimdLanes<T>
        where THasPositiveWeight : IStaticFlag
        where TPositiveWeightPerElement : IStaticFlag =>
        pass.ElementWeights.IsEmpty
            ? Run<TOperator, T, THasPositiveWeight, TPositiveWeightPerElement, FlagUnset>(pass, out violation)
            : Run<TOperator, T, THasPositiveWeight, TPositiveWeightPerElement, FlagSet>(pass, out violation);

    private static double Run<TOperator, T, THasPositiveWeight, TPositiveWeightPerElement, THasElementWeights>(scoped in PointwiseLossPass pass, out DomainViolation violation)
        where TOperator : IPointwiseLossOperator
        where T : struct, ISimdLanes<T>
        where THasPositiveWeight : IStaticFlag
        where TPositiveWeightPerElement : IStaticFlag
        where THasElementWeights : IStaticFlag =>
        (pass.Gradient.IsEmpty, pass.Losses.IsEmpty) switch
        {
            (true, true) => Run<TOperator, T, Shape<THasPositiveWeight, TPositiveWeightPerElement, THasElementWeights, FlagUnset, FlagUnset>>(pass, out violation),
            (false, true) => Run<TOperator, T, Shape<THasPositiveWeight, TPositiveWeightPerElement, THasElementWeights, FlagSet, FlagUnset>>(pass, out violation),
            (true, false) => Run<TOperator, T, Shape<THasPositiveWeight, TPositiveWeightPerElement, THasElementWeights, FlagUnset, FlagSet>>(pass, out violation),
            (false, false) => Run<TOperator, T, Shape<THasPositiveWeight, TPositiveWeightPerElement, THasElementWeights, FlagSet, FlagSet>>(pass, out violation),
        };

    private static double Run<TOperator, T, TShape>(scoped in PointwiseLossPass pass, out DomainViolation violation)
        where TOperator : IPointwiseLossOperator
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
                Step<TOperator, T, TShape>(ref cursor, i + (nuint)lane, lane, ref sum, ref badPredictions, ref badTargets);
            }
        }

        // The last, partial group runs element by element, same operator, into the same logical lanes.
        for (; i < length; i++)
        {
            Step<TOperator, ScalarLanes, TShape>(ref cursor, i, (int)(i % LaneSum.LaneCount), ref sum, ref badPredictionTail, ref badTargetTail);
        }

        violation =
            TOperator.HasDomain && (T.AnyBitSet(badPredictions) || ScalarLanes.AnyBitSet(badPredictionTail)) ? DomainViolation.Prediction :
            TOperator.HasDomain && (T.AnyBitSet(badTargets) || ScalarLanes.AnyBitSet(badTargetTail)) ? DomainViolation.Target :
            DomainViolation.None;
        return sum.Total();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TOperator, T, TShape>(ref Cursor cursor, nuint i, int lane, ref LaneSum sum, ref T badPredictions, ref T badTargets)
        where TOperator : IPointwiseLossOperator
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

        T positiveWeight = TShape.PositiveWeightPerElement ? T.Load(ref cursor.PositiveWeights, i) : T.Create(cursor.PositiveWeight);
        T loss = TShape.HasPositiveWeight
            ? TOperator.Invoke<T, FlagSet>(prediction, target, positiveWeight, out T gradient)
            : TOperator.Invoke<T, FlagUnset>(prediction, target, positiveWeight, out gradient);
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
        static abstract bool HasPositiveWeight { get; }
        static abstract bool PositiveWeightPerElement { get; }
        static abstract bool HasElementWeights { get; }
        static abstract bool WritesGradient { get; }
        static abstract bool WritesLosses { get; }
    }

    private readonly struct Shape<THasPositiveWeight, TPositiveWeightPerElement, THasElementWeights, TWritesGradient, TWritesLosses> : IPassShape
        where THasPositiveWeight : IStaticFlag
        where TPositiveWeightPerElement : IStaticFlag
        where THasElementWeights : IStaticFlag
        where TWritesGradient : IStaticFlag
        where TWritesLosses : IStaticFlag
    {
        public static bool HasPositiveWeight => THasPositiveWeight.IsSet;
        public static bool PositiveWeightPerElement => TPositiveWeightPerElement.IsSet;
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
        public ref float PositiveWeights;
        public ref float Gradient;
        public ref float Losses;
        public readonly float PositiveWeight;
        public readonly float GradientScale;

        public Cursor(scoped in PointwiseLossPass pass)
        {
            Predictions = ref MemoryMarshal.GetReference(pass.Predictions);
            Targets = ref MemoryMarshal.GetReference(pass.Targets);
            ElementWeights = ref MemoryMarshal.GetReference(pass.ElementWeights);
            PositiveWeights = ref MemoryMarshal.GetReference(pass.PositiveWeights);
            Gradient = ref MemoryMarshal.GetReference(pass.Gradient);
            Losses = ref MemoryMarshal.GetReference(pass.Losses);
            PositiveWeight = pass.PositiveWeight;
            GradientScale = pass.GradientScale;
        }
    }
}
