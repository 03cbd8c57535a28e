using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// Everything one softmax cross-entropy call reads and writes, plus its per-call constants. Exactly one of
/// <see cref="Labels"/> and <see cref="Targets"/> is used; empty outputs are not written. Validated by the caller.
/// </summary>
internal ref struct SoftmaxPass
{
    public ReadOnlySpan<float> Logits;
    public ReadOnlySpan<int> Labels;
    public ReadOnlySpan<float> Targets;
    public bool HasProbabilityTargets;
    public int ClassCount;
    public ReadOnlySpan<float> ClassWeights;
    public float ClassWeightSum;
    public float Smoothing;
    public float ZLossWeight;
    public int? IgnoreIndex;

    /// <summary>Focal γ (0: cross-entropy; labels only, without smoothing).</summary>
    public float FocalGamma;
    public float Scale;
    public double ExactScale;
    public Span<float> Gradient;
    public Span<float> Losses;
    public Span<float> LogSumExp;

    /// <summary>Rows whose label is the ignore index (class-index labels only).</summary>
    public readonly bool IsIgnored(int label) => IgnoreIndex.HasValue && label == IgnoreIndex.GetValueOrDefault();

    /// <summary>The weight of class <paramref name="c"/> (1 without class weights).</summary>
    public readonly float ClassWeight(int c) => ClassWeights.IsEmpty ? 1f : ClassWeights[c];
}

/// <summary>Which inputs and outputs a call has, as compile-time constants of the walks.</summary>
internal interface ISoftmaxShape
{
    static abstract bool ProbabilityTargets { get; }
    static abstract bool ClassWeights { get; }
    static abstract bool WritesGradient { get; }

    /// <summary>Whether targets spread over every class (probability targets or label smoothing): Σ a_c·(m - z_c) is then summed.</summary>
    static abstract bool Terms { get; }
}

internal readonly struct SoftmaxShape<TProbabilityTargets, TClassWeights, TWritesGradient, TTerms> : ISoftmaxShape
    where TProbabilityTargets : IStaticFlag
    where TClassWeights : IStaticFlag
    where TWritesGradient : IStaticFlag
    where TTerms : IStaticFlag
{
    public static bool ProbabilityTargets => TProbabilityTargets.IsSet;
    public static bool ClassWeights => TClassWeights.IsSet;
    public static bool WritesGradient => TWritesGradient.IsSet;
    public static bool Terms => TProbabilityTargets.IsSet || TTerms.IsSet;
}
