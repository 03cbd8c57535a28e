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
internal sealed class AllocatedPerCallColumn() : KernelColumn("Alloc/call", 2, UnitType.Size, "Bytes allocated by one call on the calling thread (GC.GetAllocatedBytesForCurrentThread, outside the timed runs)")
{
    /// <summary>The single instance.</summary>
    public static readonly AllocatedPerCallColumn Instance = new();

    /// <inheritdoc/>
    protected override string Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        long bytes = BenchmarkProbe.Of(benchmarkCase).Calls[benchmarkCase.Descriptor.WorkloadMethod.Name].AllocatedBytes;
        return bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
    }
}
