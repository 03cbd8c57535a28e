using BenchmarkDotNet.Attributes;
using Kernels.Bench.Baselines;
using Kernels.Bench.Columns;
using Kernels.Bench.Infrastructure;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// Cost and gradient of the mean softmax cross-entropy with class labels: the fused kernel against a scalar float
/// loop, a per-row TensorPrimitives composition and the double reference, with two floors measured in the same run:
/// <see cref="SoftmaxCrossEntropy.Cost"/> alone (one exponential per element, no gradient) and a copy of the logits
/// (read once, write once). One parameter, the (n × C) <see cref="Shape"/>, so only the listed shapes run.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelColumnsConfig))]
[SummaryKernel(Order = 2, Throughput = ThroughputUnit.Bytes, PerElement = 8, Note = "GB/s: logits read + gradient written, 8 B per logit")]
public class SoftmaxCrossEntropyBenchmarks : IReferenceCostSource, IQuickRunBenchmark
{
    private static readonly Shape SmallClasses = new(4_096, 10);
    private static readonly Shape Thousand = new(1_024, 1_000);
    private static readonly Shape LargeVocabulary = new(64, 32_768);
    private static readonly Shape HugeVocabulary = new(8, 262_144);

    private static readonly PerformanceTarget[] FusedTargets =
    [
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), SmallClasses, Must: 5, Aim: null),
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), Thousand, Must: 2, Aim: null),
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), LargeVocabulary, Must: 2.3, Aim: null),
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), HugeVocabulary, Must: 2.8, Aim: null),

        // "Fused takes at most 2× the time of Cost alone" is time(CostOnly)/time(Fused) ≥ 1/2.
        new SpeedupTarget(nameof(Fused), nameof(CostOnly), LargeVocabulary, Must: 0.5, Aim: null),
    ];

    private float[] logits = [];
    private int[] labels = [];
    private float[] gradient = [];
    private TensorPrimitivesSoftmaxCrossEntropy composition = new(1);

    /// <summary>The shapes n × C: few classes, a thousand, and two vocabularies.</summary>
    public static IEnumerable<Shape> Shapes => [SmallClasses, new(4_096, 100), Thousand, LargeVocabulary, HugeVocabulary];

    /// <summary>n rows × C classes.</summary>
    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => FusedTargets;

    /// <summary>
    /// Logits drawn from N(0, 3²) (normal, standard deviation 3) and uniform labels, with a fixed seed: the same data
    /// for every method, run and process at a given shape.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        int n = Shape.Rows, classes = Shape.Columns;
        var random = new Random(20_240_603);
        logits = new float[Shape.Elements];
        gradient = new float[Shape.Elements];
        labels = new int[n];
        composition = new TensorPrimitivesSoftmaxCrossEntropy(classes);
        for (int i = 0; i < logits.Length; i++)
        {
            // Box–Muller: 1 - NextDouble() is in (0, 1], so the logarithm is finite.
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            logits[i] = (float)(3 * radius * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(classes);
        }
    }

    /// <summary>Drops the buffers so the next setup does not hold two sets.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        logits = gradient = [];
        labels = [];
        composition = new TensorPrimitivesSoftmaxCrossEntropy(1);
    }

    /// <inheritdoc/>
    bool IQuickRunBenchmark.IsSkippedInQuickRun(string method, object? shape) => method == nameof(Reference);

    /// <summary>A straightforward scalar <see cref="MathF"/> loop summing in float.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [ReturnsCost]
    public float ScalarLoop() => ScalarSoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, Shape.Columns);

    /// <summary>The double-precision reference (full suite only: the quick run skips it).</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    [SummaryRow(RowRole.Other, "reference (double)")]
    public float Reference() => Kernels.Reference.SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);

    /// <summary>The per-row TensorPrimitives composition over a preallocated row buffer.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float TensorPrimitivesComposition() => composition.CostAndGradient(logits, labels, gradient);

    /// <summary>The fused kernel: cost and gradient.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Fused() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);

    /// <summary>
    /// <see cref="SoftmaxCrossEntropy.Cost"/> alone: the row statistics (maximum and one exponential per element)
    /// without the gradient, the one-exponential floor of any cost-and-gradient kernel.
    /// </summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    [SummaryRow(RowRole.Other, "Cost alone (1-exp floor)")]
    public float CostOnly() => SoftmaxCrossEntropy.Cost(logits, labels);

    /// <summary>
    /// No arithmetic at all: the logits copied into the gradient buffer, i.e. reading the input once and writing
    /// the output once, which any implementation (fused or composed) must do.
    /// </summary>
    /// <returns>An element of the result, so the work is observable.</returns>
    [Benchmark]
    [SummaryRow(RowRole.Other, "copy floor")]
    public float CopyFloor()
    {
        logits.AsSpan().CopyTo(gradient);
        return gradient[^1];
    }

    /// <inheritdoc/>
    double IReferenceCostSource.ReferenceCost() => Kernels.Reference.SoftmaxCrossEntropy.CostInDouble(logits, labels);
}
