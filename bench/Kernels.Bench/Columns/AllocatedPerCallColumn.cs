using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.Columns;

/// <summary>
/// The bytes one call allocates, counted on the calling thread by <see cref="BenchmarkProbe"/>: exact where
/// BenchmarkDotNet's in-process Allocated column is not (it counts every thread of the process, so background
/// allocations land on whichever row is running).
/// </summary>
internal sealed class AllocatedPerCallColumn : IColumn
{
    /// <summary>The single instance.</summary>
    public static readonly AllocatedPerCallColumn Instance = new();

    private AllocatedPerCallColumn()
    {
    }

    /// <inheritdoc/>
    public string Id => nameof(AllocatedPerCallColumn);

    /// <inheritdoc/>
    public string ColumnName => "Alloc/call";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 2;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Size;

    /// <inheritdoc/>
    public string Legend => "Bytes allocated by one call on the calling thread (GC.GetAllocatedBytesForCurrentThread, outside the timed runs)";

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        long bytes = BenchmarkProbe.Of(benchmarkCase).Calls[benchmarkCase.Descriptor.WorkloadMethod.Name].AllocatedBytes;
        return bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
    }
}
