using BenchmarkDotNet.Configs;

namespace Kernels.Bench.Columns;

/// <summary>
/// The kernel columns plus <see cref="GigaflopsColumn"/> for the dense-layer benchmarks, whose N is n·d and whose
/// k is <see cref="DenseLayerBenchmarks.Outputs"/>: 3·2·n·d·k flops per call (the forward product, ∂W and ∂X).
/// </summary>
internal sealed class DenseLayerColumnsConfig : ManualConfig
{
    /// <summary>Adds <see cref="NanosecondsPerElementColumn"/>, <see cref="CostErrorColumn"/> and the GFLOP/s column.</summary>
    public DenseLayerColumnsConfig() => AddColumn(
        NanosecondsPerElementColumn.Instance,
        CostErrorColumn.Instance,
        new GigaflopsColumn(elements => 3.0 * 2 * elements * DenseLayerBenchmarks.Outputs, "3·2·n·d·k: forward, ∂W, ∂X"));
}
