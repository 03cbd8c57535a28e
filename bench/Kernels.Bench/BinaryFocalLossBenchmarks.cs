using BenchmarkDotNet.Attributes;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// Binary focal loss from logits (issue 13) beside the plain kernel at the same shapes: cost and gradient, Mean, on
/// the logits and hard targets of <see cref="BinaryCrossEntropyBenchmarks"/>. The budget is a focal row at
/// most 1.5× the plain one (median ratio in one quick run). γ = 2 with α = 0.25 (RetinaNet's setting) and γ = 0.5
/// (0 &lt; γ &lt; 1) are timed; the summary shows both against the plain kernel measured in the same run.
/// </summary>
[MemoryDiagnoser]
[SummaryKernel(Order = 2, Throughput = ThroughputUnit.Bytes, PerElement = BinaryCrossEntropyBenchmarks.BytesPerElement, RelativeTo = nameof(Plain),
    Note = "fused = focal γ = 2, α = 0.25; GB/s: logits and targets read, gradient written, 12 B per element")]
public class BinaryFocalLossBenchmarks : IQuickRunBenchmark
{
    // The L2-resident and the L3/DRAM-streaming case of the issue-13 budget: focal at most 1.5× the plain kernel.
    private const int CacheResident = 65_536;
    private const int Streaming = 1_048_576;

    private static readonly PerformanceTarget[] FocalTargets =
    [
        new TimeRatioTarget(nameof(Focal), nameof(Plain), CacheResident, MaxTimes: 1.5, AimTimes: null),
        new TimeRatioTarget(nameof(FocalHalfGamma), nameof(Plain), CacheResident, MaxTimes: 1.5, AimTimes: null),
        new TimeRatioTarget(nameof(Focal), nameof(Plain), Streaming, MaxTimes: 1.5, AimTimes: null),
        new TimeRatioTarget(nameof(FocalHalfGamma), nameof(Plain), Streaming, MaxTimes: 1.5, AimTimes: null),
    ];

    private float[] logits = [];
    private float[] targets = [];
    private float[] gradient = [];

    /// <summary>The number of elements per call (L1/L2-resident and streaming from L3/DRAM).</summary>
    [Params(1_024, 65_536, 1_048_576)]
    public int N { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => FocalTargets;

    /// <summary>Random logits in [-8, 8) and hard 0/1 targets, as in <see cref="BinaryCrossEntropyBenchmarks"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20_240_602);
        logits = new float[N];
        targets = new float[N];
        gradient = new float[N];
        for (int i = 0; i < N; i++)
        {
            logits[i] = (float)(16 * random.NextDouble() - 8);
            targets[i] = random.Next(2);
        }
    }

    /// <summary>The plain fused binary cross-entropy, the baseline of the ratio.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [SummaryRow(RowRole.Other, "plain BCE")]
    public float Plain() => BinaryCrossEntropy.CostAndGradient(logits, targets, gradient);

    /// <summary>Focal loss, γ = 2, α = 0.25.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Fused, "focal γ=2 α=0.25")]
    public float Focal() => BinaryFocalLoss.CostAndGradient(logits, targets, gradient, 2f, 0.25f);

    /// <summary>Focal loss, γ = 0.5, no α.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Other, "focal γ=0.5")]
    public float FocalHalfGamma() => BinaryFocalLoss.CostAndGradient(logits, targets, gradient, 0.5f);
}
