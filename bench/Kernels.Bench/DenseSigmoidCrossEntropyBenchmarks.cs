using BenchmarkDotNet.Attributes;
using Kernels.Bench.Baselines;
using Kernels.Bench.Columns;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

namespace Kernels.Bench;

/// <summary>
/// The fused dense layer d→k with k sigmoids (<see cref="DenseSigmoidCrossEntropy"/>, multi-label targets in {0, 1},
/// Mean) against a scalar float loop and the per-output TensorPrimitives composition around the library's
/// multi-output binary cross-entropy kernel. Every row computes the cost, ∂W, ∂b and ∂X.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(DenseLayerColumnsConfig))]
[SummaryKernel(Order = 4, Throughput = ThroughputUnit.Flops, PerElement = 3 * 2 * Outputs, Note = "GFLOP/s: 3·2·k flops per feature (forward, ∂W, ∂X), k = 10; ns per feature")]
public class DenseSigmoidCrossEntropyBenchmarks : DenseLayerBenchmarks
{
    private static readonly PerformanceTarget[] FusedTargets = TargetsFor(nameof(Fused), nameof(ScalarLoop), nameof(TensorPrimitivesComposition));

    private float[] targets = [];
    private TensorPrimitivesDenseLayer? composition;

    /// <inheritdoc/>
    private protected override IReadOnlyList<PerformanceTarget> Targets => FusedTargets;

    /// <summary>Straightforward scalar loops, one row at a time.</summary>
    /// <returns>The cost.</returns>
    [Benchmark(Baseline = true)]
    [ReturnsCost]
    public float ScalarLoop() => ScalarDenseLayer.Sigmoid(features, weights, bias, targets, weightGradient, biasGradient, inputGradient, row);

    /// <summary>Dot per row and output, the multi-output BCE kernel, MultiplyAdd per row and output.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float TensorPrimitivesComposition() => composition!.Sigmoid(features, bias, targets, weightGradient, biasGradient, inputGradient);

    /// <summary>The fused kernel under test.</summary>
    /// <returns>The cost.</returns>
    [Benchmark]
    [ReturnsCost]
    public float Fused() => DenseSigmoidCrossEntropy.CostAndGradient(features, weights, bias, targets, default, default, weightGradient, biasGradient, inputGradient);

    /// <inheritdoc/>
    private protected override void SetUpTargets(Random random, int samples)
    {
        targets = new float[samples * Outputs];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = random.Next(2);
        }

        composition = new TensorPrimitivesDenseLayer(weights, samples, Outputs);
    }

    /// <inheritdoc/>
    private protected override void DropTargets()
    {
        targets = [];
        composition = null;
    }

    /// <inheritdoc/>
    private protected override double ReferenceCost(double[] features, double[] weights, double[] bias) =>
        Kernels.Reference.DenseSigmoidCrossEntropy.CostInDouble(features, weights, bias, targets, default, default);
}
