using System.Reflection;
using BenchmarkDotNet.Reports;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// <c>--check</c>: the internal performance targets of every <see cref="IQuickRunBenchmark"/> class, checked against
/// the run's median times. Not part of the product summary.
/// </summary>
internal static class TargetCheck
{
    /// <summary>Prints every target with its measured ratio; returns whether every measured must is met.</summary>
    /// <param name="assembly">The assembly holding the benchmark classes.</param>
    /// <param name="summaries">The run's summaries.</param>
    /// <returns>True when no must was missed (classes that did not run are left out; targets not measured do not count).</returns>
    public static bool Run(Assembly assembly, IReadOnlyList<Summary> summaries)
    {
        BenchmarkReport[] reports = [.. summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null)];
        int missed = 0, measured = 0;
        Console.WriteLine();
        Console.WriteLine("Internal performance targets (--check; ratios of median times from this run):");
        foreach (Type type in QuickRunner.Classes(assembly).Where(type => reports.Any(r => r.BenchmarkCase.Descriptor.Type == type)))
        {
            var benchmark = (IQuickRunBenchmark)Activator.CreateInstance(type)!;
            foreach (PerformanceTarget target in benchmark.Targets)
            {
                string line = target.Check((method, shape) => reports
                    .FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == type
                        && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
                        && Equals(ElementCount.ShapeOf(r.BenchmarkCase), shape))
                    ?.ResultStatistics?.Median, out bool? met);
                measured += met is null ? 0 : 1;
                missed += met == false ? 1 : 0;
                Console.WriteLine($"  {type.Name}: {line}");
            }
        }

        Console.WriteLine($"Targets: {measured - missed} of {measured} measured musts met{(missed > 0 ? $", {missed} MISSED" : "")}.");
        return missed == 0;
    }
}
