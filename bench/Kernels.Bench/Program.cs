using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.QuickRun;
using Kernels.Bench.Report;

// dotnet run -c Release --project bench/Kernels.Bench [-- [--check] [BenchmarkDotNet arguments]]
//
// No arguments: the quick run (every IQuickRunBenchmark class in-process, short iterations, 2–4 minutes). The
// console shows one progress line per class and ends with the summary table; BenchmarkDotNet's logs and per-class
// tables go to BenchmarkDotNet.Artifacts/, beside the summary as markdown (kernels-summary.md) and a chart
// (kernels-summary.png).
// Other arguments go to BenchmarkDotNet unchanged (its default job, one process per benchmark, full console log),
// e.g. `-- --filter '*'` for the full suite or `-- --filter '*Softmax*'`; the same summary follows its output.
// --check (alone or with BenchmarkDotNet arguments) also checks the internal performance targets against the run
// and exits with 1 when one is missed.
bool check = args.Contains("--check");
string[] benchmarkDotNetArguments = [.. args.Where(a => a != "--check")];
var assembly = typeof(Program).Assembly;

IReadOnlyList<Summary> summaries;
RunDescription run;
if (benchmarkDotNetArguments.Length == 0)
{
    summaries = QuickRunner.Run(assembly);
    run = new RunDescription(
        "dotnet run -c Release --project bench/Kernels.Bench",
        $"quick run, in-process, 3 warm-ups + 7 iterations of 100 ms per row, median");
}
else
{
    summaries = [.. BenchmarkSwitcher.FromAssembly(assembly).Run(benchmarkDotNetArguments)];
    string jobs = string.Join(", ", summaries.SelectMany(s => s.BenchmarksCases).Select(c => c.Job.ResolvedId).Distinct());
    run = new RunDescription(
        "dotnet run -c Release --project bench/Kernels.Bench -- " + string.Join(' ', args.Select(a => a.Any(c => c is '*' or ' ' or '?') ? $"'{a}'" : a)),
        $"BenchmarkDotNet job {jobs} (one process per benchmark unless the job says otherwise), median");
}

if (!summaries.SelectMany(s => s.Reports).Any(r => r.ResultStatistics is not null))
{
    return summaries.Count == 0 ? 0 : 1;
}

int exitCode = check && !TargetCheck.Run(assembly, summaries) ? 1 : 0;

IReadOnlyList<KernelTable> tables = KernelSummary.From(summaries);
string folder = QuickRunner.ArtifactsFolder(summaries);
Directory.CreateDirectory(folder);
const string ChartFile = "kernels-summary.png", MarkdownFile = "kernels-summary.md";
SummaryChart.Save(tables, Path.Combine(folder, ChartFile));
File.WriteAllText(Path.Combine(folder, MarkdownFile), SummaryWriter.Markdown(tables, run, ChartFile));
Console.WriteLine($"Summary written to {Path.Combine(folder, MarkdownFile)} and {Path.Combine(folder, ChartFile)}.");
Console.WriteLine();
foreach (string line in SummaryWriter.Text(tables, run))
{
    Console.WriteLine(line);
}

return exitCode;
