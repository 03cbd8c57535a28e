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
internal sealed class NanosecondsPerElementColumn : IColumn
{
    /// <summary>The single instance.</summary>
    public static readonly NanosecondsPerElementColumn Instance = new();

    private NanosecondsPerElementColumn()
    {
    }

    /// <inheritdoc/>
    public string Id => nameof(NanosecondsPerElementColumn);

    /// <inheritdoc/>
    public string ColumnName => "ns/elem";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Mean time per element (Mean / N), in nanoseconds";

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        int? n = ElementCount.Of(benchmarkCase);
        return meanNanoseconds is double mean && n is > 0
            ? (mean / n.Value).ToString("0.000", CultureInfo.InvariantCulture)
            : "-";
    }
}
