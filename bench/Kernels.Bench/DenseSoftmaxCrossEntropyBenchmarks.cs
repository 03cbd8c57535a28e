using BenchmarkDotNet.Attributes;
using Kernels.Bench.Baselines;
using Kernels.Bench.Columns;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// The fused dense layer d→k ending in a softmax over k classes (<see cref="DenseSoftmaxCrossEntropy"/>, class
/// labels, Mean) against a scalar float loop and the per-output TensorPrimitives composition around the library's
/// softmax cross-entropy kernel. Every row computes the cost, ∂W, ∂b and ∂X.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(DenseLayerColumnsConfig))]
[SummaryKernel(Order = 5, Throughput = ThroughputUnit.Flops, PerElement = 3 * 2 * Outputs, Note = "GFLOP/s: 3·2·k flops per feature (forward, ∂W, ∂X), k = 10; ns per feature")]
public class DenseSoftmaxCrossEntropyBenchmarks : DenseLayerBenchmarks
{
    private static readonly PerformanceTarget[] FusedTargets = TargetsFor(nameof(Fused), nameof(ScalarLoop), nameof(TensorPrimitivesComposition));

    private int[] labels = [];
    private TensorPrimitivesDenseLayer? composition;

    /// <inheritdoc/>
    private protected override IReadOnlyList<PerformanceTarget> Targets => FusedTargets;

    /// <summary>Straightforward scalar loops, one row at a time.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [ReturnsCost]
    public float ScalarLoop() => ScalarDenseLayer.Softmax(features, weights, bias, labels, weightGradient, biasGradient, inputGradient, row);

    /// <summary>Dot per row and class, the softmax cross-entropy kernel, MultiplyAdd per row and class.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float TensorPrimitivesComposition() => composition!.Softmax(features, bias, labels, weightGradient, biasGradient, inputGradient);

    /// <summary>The fused kernel under test.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Fused() => DenseSoftmaxCrossEntropy.CostAndGradient(features, weights, bias, labels, weightGradient, biasGradient, inputGradient);

    /// <inheritdoc/>
    private protected override void SetUpTargets(Random random, int samples)
    {
        labels = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            labels[i] = random.Next(Outputs);
        }

        composition = new TensorPrimitivesDenseLayer(weights, samples, Outputs);
    }

    /// <inheritdoc/>
    private protected override void DropTargets()
    {
        labels = [];
        composition = null;
    }

    /// <inheritdoc/>
    private protected override double ReferenceCost(double[] features, double[] weights, double[] bias) =>
        Kernels.Reference.DenseSoftmaxCrossEntropy.CostInDouble(features, weights, bias, labels);
}
