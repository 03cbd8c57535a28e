using System.Reflection;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// Runs every <see cref="IQuickRunBenchmark"/> class of an assembly with <see cref="QuickRunConfig"/>, one class
/// after another; after each class's table it prints that class's targets checked against the run.
/// </summary>
internal static class QuickRunner
{
    /// <summary>Runs the quick comparison.</summary>
    /// <param name="assembly">The assembly holding the benchmark classes.</param>
    public static void Run(Assembly assembly)
    {
        IEnumerable<Type> benchmarkTypes = assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.IsAssignableTo(typeof(IQuickRunBenchmark)))
            .OrderBy(type => type.Name, StringComparer.Ordinal);
        foreach (Type type in benchmarkTypes)
        {
            var benchmark = (IQuickRunBenchmark)Activator.CreateInstance(type)!;

            // All rows share this process, so the code must reach its optimized tier before the first row is timed.
            TierUp.Run(type);
            Summary summary = BenchmarkRunner.Run(type, QuickRunConfig.For(benchmark));
            PrintTargets(type.Name, benchmark.Targets, summary);
        }
    }

    private static void PrintTargets(string className, IReadOnlyList<PerformanceTarget> targets, Summary summary)
    {
        Console.WriteLine();
        Console.WriteLine($"Targets of {className} (ratios of median times from this run):");
        foreach (PerformanceTarget target in targets)
        {
            Console.WriteLine("  " + target.Check((method, n) => MedianNanoseconds(summary, method, n)));
        }

        Console.WriteLine();
    }

    private static double? MedianNanoseconds(Summary summary, string method, int n) =>
        summary.Reports
            .FirstOrDefault(report => report.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && ElementCount.Of(report.BenchmarkCase) == n)
            ?.ResultStatistics?.Median;
}
