using BenchmarkDotNet.Configs;

namespace Kernels.Bench.Columns;

/// <summary>
/// The columns every kernel benchmark shows, in the quick run and the full suite alike; apply it with
/// <c>[Config(typeof(KernelColumnsConfig))]</c>.
/// </summary>
internal sealed class KernelColumnsConfig : ManualConfig
{
    /// <summary>Adds <see cref="NanosecondsPerElementColumn"/> and <see cref="CostErrorColumn"/>.</summary>
    public KernelColumnsConfig() => AddColumn(NanosecondsPerElementColumn.Instance, CostErrorColumn.Instance);
}
