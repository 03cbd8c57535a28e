using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Kernels.Bench.Baselines;
using Kernels.Bench.Columns;
using Kernels.Bench.Infrastructure;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// The fused logistic-regression step (issue 4's single-output benchmarks): against scalar loops, the two-pass
/// TensorPrimitives composition, and a row that only reads the features once (the read-bandwidth limit).
/// The shape is n samples × d features: 65,536 × 64 (16 MB of features) and 262,144 × 256 (256 MB, beyond every cache).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelColumnsConfig))]
[SummaryKernel(Order = 3, Throughput = ThroughputUnit.Bytes, PerElement = 4, Note = "GB/s: features read once, 4 B per feature; ns per feature")]
public class LogisticRegressionBenchmarks : IReferenceCostSource, IQuickRunBenchmark
{
    private static readonly Shape Small = new(65_536, 64);
    private static readonly Shape Large = new(262_144, 256);

    // "Fused at most 1.5× (aim 1.15×) the read-only row" is time(ReadOnlySum)/time(Fused) ≥ 1/1.5 (1/1.15).
    private static readonly PerformanceTarget[] FusedTargets =
    [
        new SpeedupTarget(nameof(Fused), nameof(TwoPassComposition), Small, Must: 1.6, Aim: 1.9),
        new SpeedupTarget(nameof(Fused), nameof(ReadOnlySum), Small, Must: 1 / 1.5, Aim: 1 / 1.15),
        new SpeedupTarget(nameof(Fused), nameof(TwoPassComposition), Large, Must: 1.6, Aim: 1.9),
        new SpeedupTarget(nameof(Fused), nameof(ReadOnlySum), Large, Must: 1 / 1.5, Aim: 1 / 1.15),
    ];

    private float[] features = [], weights = [], targets = [], weightGradient = [], logits = [], deltas = [];

    /// <summary>The shapes n × d.</summary>
    public static IEnumerable<Shape> Shapes => [Small, Large];

    /// <summary>n samples × d features.</summary>
    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => FusedTargets;

    /// <summary>Features in [-1, 1), weights in [-0.25, 0.25), hard targets.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int d = Shape.Columns, n = Shape.Rows;
        var random = new Random(20_240_604);
        features = new float[Shape.Elements];
        weights = new float[d];
        weightGradient = new float[d];
        targets = new float[n];
        logits = new float[n];
        deltas = new float[n];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)(2 * random.NextDouble() - 1);
        }

        for (int j = 0; j < d; j++)
        {
            weights[j] = (float)(0.5 * random.NextDouble() - 0.25);
        }

        for (int i = 0; i < n; i++)
        {
            targets[i] = random.Next(2);
        }
    }

    /// <summary>Drops the buffers (256 MB at the largest N).</summary>
    [GlobalCleanup]
    public void Cleanup() => features = weights = targets = weightGradient = logits = deltas = [];

    /// <summary>Straightforward scalar loops.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [ReturnsCost]
    public float ScalarLoops() => LogisticRegressionBaselines.ScalarLoops(features, weights, 0.1f, targets, weightGradient, out _);

    /// <summary>Dot per row, the BCE kernel, MultiplyAdd per row (the composition): the features are read twice.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float TwoPassComposition() => LogisticRegressionBaselines.TwoPass(features, weights, 0.1f, targets, logits, deltas, weightGradient, out _);

    /// <summary>The read-bandwidth limit: one pass reading the features, nothing else.</summary>
    /// <returns>The sum, so the read is observable.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Other, "read-only Sum")]
    public float ReadOnlySum() => TensorPrimitives.Sum(features);

    /// <summary>The fused kernel under test.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Fused() => LogisticRegression.CostAndGradient(features, weights, 0.1f, targets, weightGradient, out _);

    /// <inheritdoc/>
    double IReferenceCostSource.ReferenceCost()
    {
        int n = targets.Length, d = weights.Length;
        double cost = 0;
        for (int i = 0; i < n; i++)
        {
            double z = 0.1;
            for (int j = 0; j < d; j++)
            {
                z += (double)features[i * d + j] * weights[j];
            }

            cost += Kernels.Reference.BinaryCrossEntropy.LogitLoss(z, targets[i], 1, out _);
        }

        return cost / n;
    }
}
