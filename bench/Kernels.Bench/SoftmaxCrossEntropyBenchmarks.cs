using BenchmarkDotNet.Attributes;
using Kernels.Bench.Baselines;
using Kernels.Bench.Columns;
using Kernels.Bench.Infrastructure;
using Kernels.Bench.QuickRun;

namespace Kernels.Bench;

/// <summary>
/// Cost and gradient of the mean softmax cross-entropy with class labels (issue 3's benchmarks): the fused kernel
/// against a scalar float loop, the double reference and a per-row TensorPrimitives composition. N is the number of
/// logits n·C; each N stands for one (n × C) shape of the issue, <see cref="ClassesFor"/> gives C.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelColumnsConfig))]
public class SoftmaxCrossEntropyBenchmarks : IReferenceCostSource, IQuickRunBenchmark
{
    private const int SmallClasses = 4_096 * 10;
    private const int LargeVocabulary = 64 * 32_768;

    private static readonly PerformanceTarget[] FusedTargets =
    [
        new SpeedupTarget(nameof(Fused), nameof(ScalarLoop), LargeVocabulary, Must: 15, Aim: 30),
        new SpeedupTarget(nameof(Fused), nameof(TensorPrimitivesComposition), LargeVocabulary, Must: 3, Aim: 5),
        new SpeedupTarget(nameof(Fused), nameof(ScalarLoop), SmallClasses, Must: 5, Aim: 10),
    ];

    private float[] logits = [];
    private int[] labels = [];
    private float[] gradient = [];
    private int classes;
    private TensorPrimitivesSoftmaxCrossEntropy composition = new(1);

    /// <summary>n·C: 4,096 × 10, 1,024 × 1,000 and 64 × 32,768 (8 × 262,144 is in <see cref="SoftmaxCrossEntropyVocabularyBenchmarks"/>).</summary>
    [Params(SmallClasses, 1_024 * 1_000, LargeVocabulary)]
    public virtual int N { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => Targets;

    /// <summary>The targets; the 8 × 262,144 class has none of its own.</summary>
    private protected virtual IReadOnlyList<PerformanceTarget> Targets => FusedTargets;

    /// <summary>Random logits in [-8, 8) and uniform labels, the same for every method at a given shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        classes = ClassesFor(N);
        var random = new Random(20_240_603);
        logits = new float[N];
        gradient = new float[N];
        labels = new int[N / classes];
        composition = new TensorPrimitivesSoftmaxCrossEntropy(classes);
        for (int i = 0; i < N; i++)
        {
            logits[i] = (float)(16 * random.NextDouble() - 8);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(classes);
        }
    }

    /// <summary>A straightforward scalar <see cref="MathF"/> loop summing in float.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [ReturnsCost]
    public float ScalarLoop() => ScalarSoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, classes);

    /// <summary>The double-precision reference.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Reference() => Kernels.Reference.SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);

    /// <summary>The per-row TensorPrimitives composition over a preallocated row buffer.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float TensorPrimitivesComposition() => composition.CostAndGradient(logits, labels, gradient);

    /// <summary>
    /// No arithmetic at all: the logits copied into the gradient buffer, i.e. reading the input once and writing
    /// the output once, which any implementation (fused or composed) must do. Not a target: it shows how much of
    /// the composition's time is left to win at each shape.
    /// </summary>
    /// <returns>An element of the result, so the work is observable.</returns>
    [Benchmark]
    public float CopyFloor()
    {
        logits.AsSpan().CopyTo(gradient);
        return gradient[^1];
    }

    /// <summary>The fused kernel under test.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Fused() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);

    /// <inheritdoc/>
    double IReferenceCostSource.ReferenceCost() => Kernels.Reference.SoftmaxCrossEntropy.CostInDouble(logits, labels);

    /// <summary>The class count C of the shape with n·C = <paramref name="elements"/>.</summary>
    /// <param name="elements">N.</param>
    /// <returns>C.</returns>
    protected virtual int ClassesFor(int elements) => elements switch
    {
        SmallClasses => 10,
        LargeVocabulary => 32_768,
        _ => 1_000,
    };
}

/// <summary>The 8 × 262,144 shape (same N as 64 × 32,768, so it needs a class of its own).</summary>
public class SoftmaxCrossEntropyVocabularyBenchmarks : SoftmaxCrossEntropyBenchmarks
{
    /// <summary>n·C = 8 × 262,144.</summary>
    [Params(8 * 262_144)]
    public override int N { get; set; }

    /// <inheritdoc/>
    private protected override IReadOnlyList<PerformanceTarget> Targets => [];

    /// <inheritdoc/>
    protected override int ClassesFor(int elements) => 262_144;
}
