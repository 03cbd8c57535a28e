using BenchmarkDotNet.Running;

namespace Kernels.Bench.Infrastructure;

/// <summary>
/// The convention shared by the columns and the quick-run targets: a benchmark's problem size is its
/// <c>[Params]</c> property named <see cref="ParameterName"/>, the number of float elements per call.
/// </summary>
internal static class ElementCount
{
    /// <summary>The name of the element-count parameter.</summary>
    public const string ParameterName = "N";

    /// <summary>The element count of a benchmark case, or null if it has no such parameter.</summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>n, or null.</returns>
    public static int? Of(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == ParameterName)?.Value as int?;
}
