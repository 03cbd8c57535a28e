using BenchmarkDotNet.Attributes;
using Kernels.Bench.Infrastructure;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// What the dense-layer benchmarks (issue 4's k-output layers, <see cref="DenseSigmoidCrossEntropyBenchmarks"/> and
/// <see cref="DenseSoftmaxCrossEntropyBenchmarks"/>) share: the two shapes, the data and the targets. Every row
/// computes the cost, ∂W, ∂b and ∂X. The shape is n samples × d features: 65,536 × 64 (16 MB of features) and
/// 8,192 × 784 (25 MB); k = <see cref="Outputs"/> at both.
/// </summary>
public abstract class DenseLayerBenchmarks : IReferenceCostSource, IQuickRunBenchmark
{
    /// <summary>k, the outputs (sigmoid) or classes (softmax), at both shapes.</summary>
    public const int Outputs = 10;

    private protected static readonly Shape Small = new(65_536, 64);
    private protected static readonly Shape Large = new(8_192, 784);

    // TierUp's data, alternating between the two feature counts: a few hundred rows keep 160 scalar calls short.
    private static readonly (int Samples, int Features)[] TierUpShapes = [(600, 64), (96, 784)];

    private protected float[] features = [], weights = [], bias = [], weightGradient = [], biasGradient = [], inputGradient = [], row = [];

    /// <summary>The shapes n × d.</summary>
    public static IEnumerable<Shape> Shapes => [Small, Large];

    /// <summary>n samples × d features.</summary>
    [ParamsSource(nameof(Shapes))]
    public Shape Shape { get; set; }

    /// <inheritdoc/>
    IReadOnlyList<PerformanceTarget> IQuickRunBenchmark.Targets => Targets;

    /// <summary>The targets of the class, from <see cref="TargetsFor"/>.</summary>
    private protected abstract IReadOnlyList<PerformanceTarget> Targets { get; }

    /// <summary>Features in [-1, 1), weights in ±4/√d (logits of order 1), bias in [-0.5, 0.5), and the head's targets.</summary>
    [GlobalSetup]
    public void Setup()
    {
        SetUp(Shape.Rows, Shape.Columns);
    }

    /// <summary>Drops the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        features = weights = bias = weightGradient = biasGradient = inputGradient = row = [];
        DropTargets();
    }

    /// <inheritdoc/>
    bool IQuickRunBenchmark.SetUpForTierUp(int round)
    {
        (int samples, int d) = TierUpShapes[round % TierUpShapes.Length];
        SetUp(samples, d);
        return true;
    }

    /// <inheritdoc/>
    double IReferenceCostSource.ReferenceCost() =>
        ReferenceCost(Array.ConvertAll(features, x => (double)x), Array.ConvertAll(weights, w => (double)w), Array.ConvertAll(bias, b => (double)b));

    /// <summary>Issue 4's targets: the fused kernel at least 10× the scalar loop and faster than the composition, at both shapes.</summary>
    private protected static PerformanceTarget[] TargetsFor(string fused, string scalarLoop, string composition) =>
    [
        new SpeedupTarget(fused, scalarLoop, Small, Must: 10, Aim: null),
        new SpeedupTarget(fused, composition, Small, Must: 1, Aim: null),
        new SpeedupTarget(fused, scalarLoop, Large, Must: 10, Aim: null),
        new SpeedupTarget(fused, composition, Large, Must: 1, Aim: null),
    ];

    /// <summary>Draws the head's targets for <paramref name="samples"/> rows and prepares its composition.</summary>
    private protected abstract void SetUpTargets(Random random, int samples);

    /// <summary>Drops the head's targets and composition buffers.</summary>
    private protected abstract void DropTargets();

    /// <summary>The double-precision reference cost of the current data.</summary>
    private protected abstract double ReferenceCost(double[] features, double[] weights, double[] bias);

    private void SetUp(int samples, int d)
    {
        // A fixed seed: every run and every process (BenchmarkDotNet's and the columns' probe) sees the same data.
        var random = new Random(20_240_605);
        features = new float[samples * d];
        weights = new float[d * Outputs];
        bias = new float[Outputs];
        weightGradient = new float[d * Outputs];
        biasGradient = new float[Outputs];
        inputGradient = new float[samples * d];
        row = new float[Outputs];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)(2 * random.NextDouble() - 1);
        }

        float scale = 4 / MathF.Sqrt(d);
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(2 * random.NextDouble() - 1) * scale;
        }

        for (int o = 0; o < Outputs; o++)
        {
            bias[o] = (float)(random.NextDouble() - 0.5);
        }

        SetUpTargets(random, samples);
    }
}
