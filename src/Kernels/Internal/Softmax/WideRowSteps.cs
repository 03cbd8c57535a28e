using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// Per-row constants as vector lanes and as one scalar lane: a wide walk runs its steps on both (full groups on
/// vectors, the last C mod 32 elements on scalars), and broadcasting once per row keeps the broadcasts out of the loop.
/// </summary>
internal readonly struct RowConstants<T> where T : struct, ISimdLanes<T>
{
    public readonly RowExponential<T> Exponential;
    public readonly T KeptShare, SmoothingShare, Coefficient, NegatedTargetScale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowConstants(scoped in SoftmaxPass pass, in RowExponential<ScalarLanes> exponential, float coefficient, float negatedTargetScale)
    {
        Exponential = RowExponential<T>.Broadcast(exponential);
        KeptShare = T.Create(1f - pass.Smoothing);
        SmoothingShare = T.Create(pass.Smoothing / pass.ClassCount);
        Coefficient = T.Create(coefficient);
        NegatedTargetScale = T.Create(negatedTargetScale);
    }
}

/// <summary>Both instantiations of a row's constants; <see cref="Get{TLanes}"/> picks the one of the lane type in use.</summary>
internal readonly struct WideConstants<T>(scoped in SoftmaxPass pass, in RowExponential<ScalarLanes> exponential, float coefficient, float negatedTargetScale)
    where T : struct, ISimdLanes<T>
{
    private readonly RowConstants<T> _vector = new(pass, exponential, coefficient, negatedTargetScale);
    private readonly RowConstants<ScalarLanes> _scalar = new(pass, exponential, coefficient, negatedTargetScale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RowConstants<TLanes> Get<TLanes>() where TLanes : struct, ISimdLanes<TLanes> =>
        typeof(TLanes) == typeof(T) ? Unsafe.As<RowConstants<T>, RowConstants<TLanes>>(ref Unsafe.AsRef(in _vector))
            : Unsafe.As<RowConstants<ScalarLanes>, RowConstants<TLanes>>(ref Unsafe.AsRef(in _scalar));
}

/// <summary>v_c: a_c = w_c·((1-ε)·t_c + ε/C) for probability targets, w_c (or 1) for labels, whose ε/C is per row.</summary>
internal static class ClassTerms
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Weight<T, TShape>(in RowConstants<T> constants, ref float targets, ref float classWeights, nuint at, bool readWeights)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape =>
        Weight<T, TShape>(constants.KeptShare, constants.SmoothingShare, ref targets, at, readWeights ? T.Load(ref classWeights, at) : T.Create(1f), readWeights);

    /// <summary>The same from a class weight already in lanes (the narrow layout broadcasts one class's weight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Weight<T, TShape>(T keptShare, T smoothingShare, ref float targets, nuint targetOffset, T classWeight, bool hasWeights)
        where T : struct, ISimdLanes<T>
        where TShape : ISoftmaxShape
    {
        if (!TShape.ProbabilityTargets)
        {
            return classWeight;
        }

        T smoothed = T.FusedMultiplyAdd(keptShare, T.Load(ref targets, targetOffset), smoothingShare);
        return hasWeights ? smoothed * classWeight : smoothed;
    }

    /// <summary>v·(m - z), and 0 where v = 0 (so 0·∞ never forms).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T WeightedDifference<T>(T weight, T difference) where T : struct, ISimdLanes<T>
    {
        T zero = T.Create(0f);
        return T.Select(T.EqualTo(weight, zero), zero, weight * difference);
    }
}

/// <summary>
/// The exponentials walk of a wide row: e_c (stored into the gradient when <typeparamref name="TStore"/> is set),
/// their sum (or, <typeparamref name="TExact"/>, the sum of those ≠ U and the count of those = U), and the loss terms.
/// </summary>
internal ref struct ExponentialStep<T, TShape, TRule, TExact, TStore, TPadded>(
    ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, ReadOnlySpan<float> classWeights, Span<float> gradient, in WideConstants<T> constants,
    ReadOnlySpan<float> valid = default) : IWideStep
    where T : struct, ISimdLanes<T>
    where TShape : ISoftmaxShape
    where TRule : IExponentialRule
    where TExact : IStaticFlag
    where TStore : IStaticFlag
    where TPadded : IStaticFlag
{
    private readonly ref float _z = ref MemoryMarshal.GetReference(logits);
    private readonly ref float _valid = ref MemoryMarshal.GetReference(valid);
    private readonly ref float _t = ref MemoryMarshal.GetReference(targets);
    private readonly ref float _w = ref MemoryMarshal.GetReference(classWeights);
    private readonly ref float _g = ref MemoryMarshal.GetReference(gradient);
    private readonly ref readonly WideConstants<T> _constants = ref constants;

    public static bool HasTies => TExact.IsSet;
    public static bool HasTerms => TShape.Terms;
    public static bool HasWeight => TShape.ProbabilityTargets;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly RowConstants<TLanes> Constants<TLanes>() where TLanes : struct, ISimdLanes<TLanes> => _constants.Get<TLanes>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Step<TLanes>(nuint at, ref LaneAccumulators<TLanes> sums, in RowConstants<TLanes> row) where TLanes : struct, ISimdLanes<TLanes>
    {
        TLanes logit = TLanes.Load(ref _z, at);
        TLanes exponential = TRule.Exp(row.Exponential, logit);
        if (TPadded.IsSet)
        {
            // Padding adds +0 even where -∞ is the row's maximum (a row of -∞, whose every element has e = U).
            exponential = TLanes.Select(TLanes.Load(ref _valid, at), exponential, TLanes.Create(0f));
        }

        if (TStore.IsSet)
        {
            TLanes.Store(exponential, ref _g, at);
        }

        sums.AddExponential(exponential, row.Exponential.Unit, TExact.IsSet);
        if (TShape.Terms)
        {
            TLanes weight = ClassTerms.Weight<TLanes, TShape>(row, ref _t, ref _w, at, TShape.ClassWeights || TPadded.IsSet);
            sums.Terms += ClassTerms.WeightedDifference(weight, TRule.Difference(row.Exponential, logit));
            if (TShape.ProbabilityTargets)
            {
                sums.Weight += weight;
            }
        }
    }
}

/// <summary>
/// The scale walk of a wide row: gradient_c = e_c·coefficient - s·v_c in place of e_c, canonicalizing NaN when
/// <typeparamref name="TCanonical"/> is set; with <typeparamref name="TExact"/> it also recounts the e_c ≠ U exactly.
/// </summary>
internal ref struct ScaleStep<T, TShape, TExact, TCanonical, TPadded>(
    ReadOnlySpan<float> targets, ReadOnlySpan<float> classWeights, Span<float> gradient, in WideConstants<T> constants) : IWideStep
    where T : struct, ISimdLanes<T>
    where TShape : ISoftmaxShape
    where TExact : IStaticFlag
    where TCanonical : IStaticFlag
    where TPadded : IStaticFlag
{
    private readonly ref float _t = ref MemoryMarshal.GetReference(targets);
    private readonly ref float _w = ref MemoryMarshal.GetReference(classWeights);
    private readonly ref float _g = ref MemoryMarshal.GetReference(gradient);
    private readonly ref readonly WideConstants<T> _constants = ref constants;

    public static bool HasTies => TExact.IsSet;
    public static bool HasTerms => false;
    public static bool HasWeight => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly RowConstants<TLanes> Constants<TLanes>() where TLanes : struct, ISimdLanes<TLanes> => _constants.Get<TLanes>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Step<TLanes>(nuint at, ref LaneAccumulators<TLanes> sums, in RowConstants<TLanes> row) where TLanes : struct, ISimdLanes<TLanes>
    {
        TLanes exponential = TLanes.Load(ref _g, at);
        if (TExact.IsSet)
        {
            sums.AddExponential(exponential, row.Exponential.Unit, exact: true);
        }

        TLanes gradient = TShape.Terms
            ? TLanes.FusedMultiplyAdd(exponential, row.Coefficient, row.NegatedTargetScale * ClassTerms.Weight<TLanes, TShape>(row, ref _t, ref _w, at, TShape.ClassWeights || TPadded.IsSet))
            : exponential * row.Coefficient;
        TLanes.Store(TCanonical.IsSet ? Math.LossMath.CanonicalNaN(gradient) : gradient, ref _g, at);
    }
}
