using System.Reflection;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.Report;

/// <summary>One line of a kernel's table: one shape, every row's median time per element.</summary>
/// <param name="Shape">The shape's label (see <see cref="ElementCount.Label(BenchmarkCase)"/>).</param>
/// <param name="Elements">The element count (1 when the class has no size parameter: times are then per call).</param>
/// <param name="Scalar">The scalar loop's ns per element, if it ran.</param>
/// <param name="Composition">The composition's ns per element, if it ran.</param>
/// <param name="Fused">The fused kernel's ns per element, if it ran.</param>
/// <param name="Others">The other rows' ns per element, in the order of <see cref="KernelTable.OtherColumns"/>.</param>
/// <param name="Throughput">The fused kernel's GB/s or GFLOP/s, if the class declares how to count it.</param>
/// <param name="AllocatedBytes">The most bytes any row of the shape allocated per call.</param>
/// <param name="Allocating">The labels of the rows that allocated.</param>
/// <param name="Relative">With <see cref="SummaryKernelAttribute.RelativeTo"/>: every other row's label and time(row) / time(that row).</param>
internal sealed record ShapeLine(
    string Shape,
    int Elements,
    double? Scalar,
    double? Composition,
    double? Fused,
    IReadOnlyList<double?> Others,
    double? Throughput,
    long AllocatedBytes,
    IReadOnlyList<string> Allocating,
    IReadOnlyList<(string Label, double? Ratio)> Relative)
{
    /// <summary>time(scalar) / time(fused).</summary>
    public double? FusedVsScalar => Scalar / Fused;

    /// <summary>time(composition) / time(fused).</summary>
    public double? FusedVsComposition => Composition / Fused;
}

/// <summary>One kernel (one benchmark class): its facts, its extra columns and a line per shape.</summary>
/// <param name="Kernel">The class name without the "Benchmarks" suffix.</param>
/// <param name="Facts">The class's <see cref="SummaryKernelAttribute"/> (or the defaults).</param>
/// <param name="OtherColumns">The labels of the rows other than scalar, composition and fused.</param>
/// <param name="Lines">A line per shape, in the run's order.</param>
/// <param name="RelativeToLabel">The label of the <see cref="SummaryKernelAttribute.RelativeTo"/> row, or null.</param>
internal sealed record KernelTable(string Kernel, SummaryKernelAttribute Facts, IReadOnlyList<string> OtherColumns, IReadOnlyList<ShapeLine> Lines, string? RelativeToLabel = null);

/// <summary>
/// The user-facing summary of a benchmark run, derived generically from BenchmarkDotNet's reports: a table per
/// benchmark class (kernel), a line per shape (parameter combination), columns for the scalar loop, the composition
/// and the fused kernel (<see cref="SummaryRowAttribute"/> or its naming convention), then every other row. A new
/// class or method shows up without changes here.
/// </summary>
internal static class KernelSummary
{
    private const string Suffix = "Benchmarks";

    /// <summary>Builds the tables from the summaries of one run.</summary>
    /// <param name="summaries">The summaries (one per class in the quick run; any grouping works).</param>
    /// <returns>The kernels' tables, ordered by <see cref="SummaryKernelAttribute.Order"/> then name.</returns>
    public static IReadOnlyList<KernelTable> From(IEnumerable<Summary> summaries)
    {
        BenchmarkReport[] reports = [.. summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null)];
        return [.. reports
            .GroupBy(r => r.BenchmarkCase.Descriptor.Type)
            .Select(group => Table(group.Key, [.. group]))
            .OrderBy(table => table.Facts.Order)
            .ThenBy(table => table.Kernel, StringComparer.Ordinal)];
    }

    /// <summary>The role a method plays and its column label, by attribute or convention.</summary>
    /// <param name="descriptor">The benchmark method's descriptor.</param>
    /// <returns>The role and the label.</returns>
    public static (RowRole Role, string Label) RoleOf(BenchmarkDotNet.Running.Descriptor descriptor)
    {
        MethodInfo method = descriptor.WorkloadMethod;
        if (method.GetCustomAttribute<SummaryRowAttribute>() is { } declared)
        {
            return (declared.Role, declared.Label ?? method.Name);
        }

        RowRole role = descriptor.Baseline ? RowRole.Scalar
            : method.Name == "Fused" ? RowRole.Fused
            : method.Name.Contains("Composition", StringComparison.Ordinal) ? RowRole.Composition
            : RowRole.Other;
        return (role, method.Name);
    }

    private static KernelTable Table(Type type, BenchmarkReport[] reports)
    {
        SummaryKernelAttribute facts = type.GetCustomAttribute<SummaryKernelAttribute>() ?? new SummaryKernelAttribute();
        string kernel = type.Name.EndsWith(Suffix, StringComparison.Ordinal) ? type.Name[..^Suffix.Length] : type.Name;

        // Each method's role; a second method claiming scalar, composition or fused becomes an extra column.
        Dictionary<string, (RowRole Role, string Label)> roles = [];
        HashSet<RowRole> taken = [];
        foreach (BenchmarkDotNet.Running.Descriptor descriptor in reports.Select(r => r.BenchmarkCase.Descriptor).DistinctBy(d => d.WorkloadMethod.Name).OrderBy(d => d.MethodIndex))
        {
            (RowRole role, string label) = RoleOf(descriptor);
            if (role != RowRole.Other && !taken.Add(role))
            {
                role = RowRole.Other;
            }

            roles[descriptor.WorkloadMethod.Name] = (role, label);
        }

        string[] others = [.. roles.Values.Where(r => r.Role == RowRole.Other).Select(r => r.Label)];
        List<ShapeLine> lines = [];
        foreach (IGrouping<string, BenchmarkReport> shape in reports.GroupBy(r => ElementCount.Label(r.BenchmarkCase)))
        {
            int elements = ElementCount.Of(shape.First().BenchmarkCase) ?? 1;
            Dictionary<string, double> perElement = shape.ToDictionary(
                r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name, r => r.ResultStatistics!.Median / elements);
            double? Of(RowRole role) => roles.Where(r => r.Value.Role == role && perElement.ContainsKey(r.Key)).Select(r => (double?)perElement[r.Key]).FirstOrDefault();
            double?[] otherTimes = [.. roles.Where(r => r.Value.Role == RowRole.Other).Select(r => perElement.TryGetValue(r.Key, out double t) ? t : (double?)null)];

            double? fused = Of(RowRole.Fused);
            double? throughput = facts.Throughput != ThroughputUnit.None && fused is double f ? facts.PerElement / f : null;

            // Allocations are counted outside the timed runs, on one thread (see BenchmarkProbe): exact in any mode.
            var allocations = shape.Select(r => (Label: roles[r.BenchmarkCase.Descriptor.WorkloadMethod.Name].Label,
                Bytes: BenchmarkProbe.Of(r.BenchmarkCase).Calls[r.BenchmarkCase.Descriptor.WorkloadMethod.Name].AllocatedBytes)).ToArray();
            // Ratios to the kernel's reference row, in the methods' order (null where either did not run).
            double? reference = facts.RelativeTo is { } name && perElement.TryGetValue(name, out double r) ? r : null;
            (string, double?)[] relative = facts.RelativeTo is null ? [] : [.. roles.Where(m => m.Key != facts.RelativeTo)
                .Select(m => (m.Value.Label, perElement.TryGetValue(m.Key, out double t) ? t / reference : null))];
            lines.Add(new ShapeLine(shape.Key, elements, Of(RowRole.Scalar), Of(RowRole.Composition), fused, otherTimes, throughput,
                allocations.Max(a => a.Bytes), [.. allocations.Where(a => a.Bytes > 0).Select(a => a.Label)], relative));
        }

        string? relativeToLabel = facts.RelativeTo is { } method && roles.TryGetValue(method, out var row) ? row.Label : null;
        return new KernelTable(kernel, facts, others, lines, relativeToLabel);
    }
}
