using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// Runs every <see cref="IQuickRunBenchmark"/> class of an assembly with <see cref="QuickRunConfig"/>, one class
/// after another, printing one progress line per class; BenchmarkDotNet's own log goes to its artifacts folder.
/// </summary>
internal static class QuickRunner
{
    /// <summary>The classes that take part in the quick run, by name.</summary>
    /// <param name="assembly">The assembly holding the benchmark classes.</param>
    /// <returns>The classes.</returns>
    public static IReadOnlyList<Type> Classes(Assembly assembly) =>
    [
        .. assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.IsAssignableTo(typeof(IQuickRunBenchmark)))
            .OrderBy(type => type.Name, StringComparer.Ordinal),
    ];

    /// <summary>Runs the quick comparison.</summary>
    /// <param name="assembly">The assembly holding the benchmark classes.</param>
    /// <returns>One summary per class.</returns>
    public static IReadOnlyList<Summary> Run(Assembly assembly)
    {
        IReadOnlyList<Type> types = Classes(assembly);
        List<Summary> summaries = [];
        var total = Stopwatch.StartNew();
        for (int i = 0; i < types.Count; i++)
        {
            Type type = types[i];
            var benchmark = (IQuickRunBenchmark)Activator.CreateInstance(type)!;
            Console.Write(string.Create(CultureInfo.InvariantCulture, $"[{i + 1}/{types.Count}] {type.Name} ... "));
            var watch = Stopwatch.StartNew();

            // All rows share this process, so the code must reach its optimized tier before the first row is timed.
            TierUp.Run(type);
            Summary summary = BenchmarkRunner.Run(type, QuickRunConfig.For(benchmark));
            summaries.Add(summary);
            int failed = summary.Reports.Count(r => r.ResultStatistics is null);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Reports.Length} cases in {watch.Elapsed.TotalSeconds:0} s{(failed > 0 ? $", {failed} FAILED (see {summary.LogFilePath})" : "")}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Quick run done in {total.Elapsed.TotalMinutes:0.0} min; BenchmarkDotNet's logs and per-class tables: {ArtifactsFolder(summaries)}"));
        return summaries;
    }

    /// <summary>BenchmarkDotNet's artifacts folder of a run (the parent of its results folder).</summary>
    /// <param name="summaries">The run's summaries.</param>
    /// <returns>The folder, relative to the current directory where possible.</returns>
    public static string ArtifactsFolder(IReadOnlyList<Summary> summaries)
    {
        string folder = summaries.Count > 0 && Path.GetDirectoryName(summaries[0].ResultsDirectoryPath) is { } parent
            ? parent
            : Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
        return Path.GetRelativePath(Environment.CurrentDirectory, folder);
    }
}
