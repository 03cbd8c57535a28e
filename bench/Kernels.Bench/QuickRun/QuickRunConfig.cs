using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kernels.Bench.Columns;
using Kernels.Bench.Infrastructure;
using Perfolizer.Horology;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// The configuration of the quick run: a short job run inside this process, so no per-benchmark project is
/// generated and built, with few, short iterations. Medians of 7 iterations are enough for the ratio targets;
/// the full suite (any command-line argument) keeps BenchmarkDotNet's default job for publishable numbers.
/// It has no console logger: BenchmarkDotNet's log goes to its artifacts folder (<c>BenchmarkDotNet.Artifacts/*.log</c>,
/// tables in <c>results/</c>) and the console shows only progress and the summary.
/// </summary>
/// <remarks>
/// In-process, BenchmarkDotNet's Allocated column is unreliable: it counts the whole process's allocations
/// (GC.GetTotalAllocatedBytes), so background work on other threads showed up as a few bytes to 2 KB on any row, even
/// the scalar loop that cannot allocate. The quick run replaces it with <see cref="AllocatedPerCallColumn"/>, counted
/// on one thread; the full suite runs each benchmark in its own process, where [MemoryDiagnoser] is exact.
/// </remarks>
internal static class QuickRunConfig
{
    private static readonly Job QuickJob = Job.Default
        .WithToolchain(InProcessEmitToolchain.DontLogOutput)
        .WithWarmupCount(3)
        .WithIterationCount(7)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
        .WithId("Quick");

    /// <summary>The configuration for one benchmark class, without the rows it skips in the quick run.</summary>
    /// <param name="benchmark">An instance of the class, asked which rows to skip.</param>
    /// <returns>The configuration.</returns>
    public static IConfig For(IQuickRunBenchmark benchmark) =>
        ManualConfig.CreateEmpty()
            .AddLogger(SilentLogger.Instance)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
            .AddAnalyser([.. DefaultConfig.Instance.GetAnalysers()])
            .AddValidator([.. DefaultConfig.Instance.GetValidators()])
            .AddJob(QuickJob)
            .AddColumn(StatisticColumn.Median, AllocatedPerCallColumn.Instance)
            .HideColumns("Allocated", "Alloc Ratio")

            // One unit for the whole table: rows span 60 ns to 1 s, and per-column units would print them all in ns.
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Microsecond))
            .AddFilter(new SimpleFilter(benchmarkCase =>
                !benchmark.IsSkippedInQuickRun(benchmarkCase.Descriptor.WorkloadMethod.Name, ElementCount.ShapeOf(benchmarkCase))));
}
