using BenchmarkDotNet.Attributes;
using Kernels.Bench.Infrastructure;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// Softmax focal loss (<see cref="SoftmaxCrossEntropyOptions.FocalGamma"/>, issue 13) beside plain softmax
/// cross-entropy at the same shapes: cost and gradient, Mean, class labels. The budget is a focal row at most
/// 1.5× the plain one (median ratio in one quick run). Focal changes only per-row math (a weight per row), so the
/// walks over the logits are the plain kernel's.
/// </summary>
[MemoryDiagnoser]
[SummaryKernel(Order = 2, Throughput = ThroughputUnit.Bytes, PerElement = 8, RelativeTo = nameof(Plain),
    Note = "fused = focal γ = 2; GB/s: logits read + gradient written, 8 B per logit")]
public class SoftmaxFocalLossBenchmarks : IQuickRunBenchmark
{
    private static readonly Shape SmallClasses = new(4_096, 10);
    private static readonly Shape Thousand = new(1_024, 1_000);
    private static readonly Shape LargeVocabulary = new(64, 32_768);

    private static readonly PerformanceTarget[] FocalTargets =
    [
        new TimeRatioTarget(nameof(Focal), nameof(Plain), SmallClasses, MaxTimes: 1.5, AimTimes: null),
        new TimeRatioTarget(nameof(Focal), nameof(Plain), Thousand, MaxTimes: 1.5, AimTimes: null),
        new TimeRatioTarget(nameof(Focal), nameof(Plain), LargeVocabulary, MaxTimes: 1.5, AimTimes: null),
    ];

    private float[] logits = [];
    private int[] labels = [];
    private float[] gradient = [];

    /// <summary>The shapes n × C: few classes (narrow layout), a thousand and a vocabulary (wide rows).</summary>
    public static IEnumerable<Shape> Shapes => [SmallClasses, Thousand, LargeVocabulary];

    /// <summary>n rows × C classes.</summary>
    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => FocalTargets;

    /// <summary>
    /// Logits from N(0, 3²); a third of the labels on the row's maximum (a trained classifier's confident rows, where
    /// wide rows recount the remainder before scaling), the rest uniform. Fixed seed.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20_240_613);
        logits = new float[Shape.Elements];
        gradient = new float[Shape.Elements];
        labels = new int[Shape.Rows];
        for (int i = 0; i < logits.Length; i++)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            logits[i] = (float)(3 * radius * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        for (int row = 0; row < labels.Length; row++)
        {
            ReadOnlySpan<float> z = logits.AsSpan(row * Shape.Columns, Shape.Columns);
            labels[row] = random.Next(3) == 0 ? z.IndexOf(z.ToArray().Max()) : random.Next(Shape.Columns);
        }
    }

    /// <summary>Plain softmax cross-entropy, the baseline of the ratio.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [SummaryRow(RowRole.Other, "plain softmax CE")]
    public float Plain() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);

    /// <summary>Focal loss, γ = 2.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Fused, "focal γ=2")]
    public float Focal() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = 2f });

    /// <summary>Focal loss, γ = 0.5 (a fractional power).</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Other, "focal γ=0.5")]
    public float FocalHalfGamma() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = 0.5f });
}
