using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.Columns;

/// <summary>
/// Mean time divided by the element count n (see <see cref="ElementCount"/>): makes rows of different n comparable
/// and shows where a method leaves the caches.
/// </summary>
internal sealed class NanosecondsPerElementColumn() : KernelColumn("ns/elem", 0, UnitType.Dimensionless, "Mean time per element (Mean / N), in nanoseconds")
{
    /// <summary>The single instance.</summary>
    public static readonly NanosecondsPerElementColumn Instance = new();

    /// <inheritdoc/>
    protected override string Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        int? n = ElementCount.Of(benchmarkCase);
        return meanNanoseconds is double mean && n is > 0
            ? (mean / n.Value).ToString("0.000", CultureInfo.InvariantCulture)
            : "-";
    }
}
