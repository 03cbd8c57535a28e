using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Kernels.Bench.Baselines;
using Kernels.Bench.Columns;
using Kernels.Bench.Infrastructure;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// Cost and gradient of the mean binary cross-entropy from logits (issue 2's benchmarks): the fused kernel against a
/// scalar loop, the double reference and a TensorPrimitives composition, plus two speed limits measured in the same
/// run: a triad moving the same 12 bytes per element (memory bandwidth) and one exp per element (transcendental
/// throughput).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelColumnsConfig))]
[SummaryKernel(Order = 1, Throughput = ThroughputUnit.Bytes, PerElement = BytesPerElement, Note = "GB/s: logits and targets read, gradient written, 12 B per element")]
public class BinaryCrossEntropyBenchmarks : IReferenceCostSource, IQuickRunBenchmark
{
    // Logits and targets read, gradient written: 3 floats per element.
    internal const int BytesPerElement = 12;

    // 65,536 elements (768 KB in flight) fit a 1 MB L2 (Zen 5); 16,777,216 (192 MB) stream from DRAM.
    private const int CacheResident = 65_536;
    private const int MemoryResident = 16_777_216;

    // Issue 2's targets for the fused kernel.
    private static readonly PerformanceTarget[] FusedTargets =
    [
        new SpeedupTarget(nameof(Fused), nameof(ScalarLoop), CacheResident, Must: 20, Aim: 30),
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), CacheResident, Must: 2.5, Aim: 3.5),
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), MemoryResident, Must: 6, Aim: null),
        new BandwidthShareTarget(nameof(Fused), nameof(TriadBandwidth), MemoryResident, BytesPerElement, Must: 0.60, Aim: 0.85),
    ];

    private float[] logits = [];
    private float[] targets = [];
    private float[] gradient = [];
    private TensorPrimitivesBinaryCrossEntropy composition = new(0);

    /// <summary>The number of elements per call.</summary>
    [Params(1_024, 65_536, 1_048_576, 16_777_216)]
    public int N { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => FusedTargets;

    /// <summary>Random logits in [-8, 8) and hard 0/1 targets, the same for every method at a given n.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // A fixed seed: every run and every process (BenchmarkDotNet's and the columns' probe) sees the same data.
        var random = new Random(20_240_602);
        logits = new float[N];
        targets = new float[N];
        gradient = new float[N];
        composition = new TensorPrimitivesBinaryCrossEntropy(N);
        for (int i = 0; i < N; i++)
        {
            logits[i] = (float)(16 * random.NextDouble() - 8);
            targets[i] = random.Next(2);
        }
    }

    /// <summary>Drops the buffers (hundreds of MB at the largest n) so the next setup does not hold two sets.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        logits = targets = gradient = [];
        composition = new TensorPrimitivesBinaryCrossEntropy(0);
    }

    /// <summary>A straightforward scalar <see cref="MathF"/> loop summing in float.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [ReturnsCost]
    public float ScalarLoop() => ScalarBinaryCrossEntropy.CostAndGradient(logits, targets, gradient);

    /// <summary>The double-precision reference.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    [SummaryRow(RowRole.Other, "reference (double)")]
    public float Reference() => Kernels.Reference.BinaryCrossEntropy.CostAndGradient(logits, targets, gradient);

    /// <summary>The natural TensorPrimitives composition over preallocated temporaries.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float TensorPrimitivesComposition() => composition.CostAndGradient(logits, targets, gradient);

    /// <summary>The fused kernel under test.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Fused() => BinaryCrossEntropy.CostAndGradient(logits, targets, gradient);

    /// <summary>The memory-bandwidth limit: a triad over the same three buffers (12 bytes per element).</summary>
    /// <returns>An element of the result, so the work is observable.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Other, "triad (12 B/elem)")]
    public float TriadBandwidth()
    {
        StreamTriad.Run(gradient, logits, targets, 0.5f);
        return gradient[^1];
    }

    /// <summary>The transcendental-throughput limit: one exp per element.</summary>
    /// <returns>An element of the result, so the work is observable.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Other, "TensorPrimitives.Exp")]
    public float TensorPrimitivesExp()
    {
        TensorPrimitives.Exp(logits, gradient);
        return gradient[^1];
    }

    /// <inheritdoc/>
    double IReferenceCostSource.ReferenceCost() => Kernels.Reference.BinaryCrossEntropy.CostInDouble(logits, targets);
}
