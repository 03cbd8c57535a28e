namespace Kernels.Bench.Columns;

/// <summary>
/// Marks a benchmark method whose return value is the loss cost it computed, so <see cref="CostErrorColumn"/>
/// reports its error; methods without it (bandwidth and throughput baselines) show "-".
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ReturnsCostAttribute : Attribute;
