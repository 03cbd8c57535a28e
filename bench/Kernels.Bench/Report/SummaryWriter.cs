using System.Globalization;
using System.Text;

namespace Kernels.Bench.Report;

/// <summary>
/// Renders the <see cref="KernelSummary"/> tables: one consolidated table (a line per kernel and shape: scalar loop,
/// composition, fused, speed-ups, throughput, allocation), preceded on the console by the other rows (floors,
/// limits, references) and followed in markdown by a detailed table per kernel.
/// </summary>
internal static class SummaryWriter
{
    private static readonly string[] MainHeaders =
        ["kernel", "shape", "scalar loop", "composition", "fused", "fused vs scalar", "fused vs composition", "fused throughput", "alloc/call"];

    /// <summary>The console text; it ends with the consolidated table.</summary>
    /// <param name="tables">The tables.</param>
    /// <param name="run">The run's description.</param>
    /// <returns>The lines.</returns>
    public static IReadOnlyList<string> Text(IReadOnlyList<KernelTable> tables, RunDescription run)
    {
        List<string> lines =
        [
            $"{RunDescription.Library} benchmark summary: {run.Command}",
            $"  machine: {RunDescription.Machine}",
            $"  runtime: {RunDescription.Runtime}; SIMD: {RunDescription.Simd}; one thread",
            $"  timing:  {run.Method}",
            "  times are ns per element (median time / elements; lower is better); speed-up = time(scalar loop or composition) / time(fused);",
            "  alloc/call = the most bytes any row of that kernel and shape allocated in one call",
        ];

        string[][] others = [.. tables.SelectMany(t => t.Lines.Select((line, i) => (string[])
            [i == 0 ? t.Kernel : "", line.Shape, string.Join(" · ", t.OtherColumns.Zip(line.Others, (label, time) => $"{label} {Time(time)}"))]))
            .Where(row => row[2].Length > 0)];
        if (others.Length > 0)
        {
            lines.Add("");
            lines.Add("Other rows of the same run (floors, limits, references), ns per element:");
            lines.AddRange(Align(others));
        }

        string[][] relative = [.. RelativeRows(tables)];
        if (relative.Length > 0)
        {
            lines.Add("");
            lines.Add("Rows against the plain kernel they extend, same run and shape (time / time; lower is better):");
            lines.AddRange(Align(relative));
        }

        lines.Add("");
        lines.AddRange(Align([MainHeaders, .. MainRows(tables, bold: false)]));
        return lines;
    }

    /// <summary>The markdown: header, chart, the consolidated table, then a detailed table per kernel.</summary>
    /// <param name="tables">The tables.</param>
    /// <param name="run">The run's description.</param>
    /// <param name="chartFileName">The chart's file name (beside the markdown file).</param>
    /// <returns>The markdown text.</returns>
    public static string Markdown(IReadOnlyList<KernelTable> tables, RunDescription run, string chartFileName)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Measured with `{run.Command}` ({RunDescription.Library}; {run.Method}) on {RunDescription.Machine};");
        text.AppendLine(CultureInfo.InvariantCulture, $"{RunDescription.Runtime}; SIMD: {RunDescription.Simd}; one thread.");
        text.AppendLine("Times are ns per element (median time / elements; lower is better); speed-ups are time(scalar loop or composition) / time(fused);");
        text.AppendLine("alloc/call is the most bytes any row of that kernel and shape allocated in one call.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"![ns per element per kernel and shape]({chartFileName})");
        text.AppendLine();
        AppendTable(text, MainHeaders, MainRows(tables, bold: true));

        text.AppendLine();
        text.AppendLine("Every row of the run, per kernel (ns per element):");
        foreach (KernelTable table in tables)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"**{table.Kernel}**{(table.Facts.Note is { } note ? $" ({note})" : "")}");
            text.AppendLine();
            string[] relativeHeaders = table.RelativeToLabel is { } against && table.Lines.Count > 0
                ? [.. table.Lines[0].Relative.Select(r => $"{r.Label} / {against}")]
                : [];
            AppendTable(
                text,
                ["shape", "scalar loop", "composition", "fused", .. table.OtherColumns, .. relativeHeaders],
                table.Lines.Select(line => (string[])[line.Shape, Time(line.Scalar), Time(line.Composition), Time(line.Fused), .. line.Others.Select(Time),
                    .. line.Relative.Select(r => RelativeRatio(r.Ratio))]));
        }

        return text.ToString();
    }

    private static IEnumerable<string[]> MainRows(IReadOnlyList<KernelTable> tables, bool bold) =>
        tables.SelectMany(table => table.Lines.Select((line, i) => (string[])
        [
            i == 0 ? (bold ? $"`{table.Kernel}`" : table.Kernel) : "",
            line.Shape,
            Time(line.Scalar),
            Time(line.Composition),
            bold && line.Fused is not null ? $"**{Time(line.Fused)}**" : Time(line.Fused),
            Ratio(line.FusedVsScalar),
            Ratio(line.FusedVsComposition),
            line.Throughput is not double t ? "-"
                : table.Facts.Throughput == ThroughputUnit.Flops ? Invariant($"{t:0.0} GFLOP/s") : Invariant($"{t:0.0} GB/s"),
            line.AllocatedBytes == 0 ? "0 B" : Invariant($"{line.AllocatedBytes:N0} B ({string.Join(", ", line.Allocating)})"),
        ]));

    /// <summary>Per kernel with <see cref="SummaryKernelAttribute.RelativeTo"/> and shape: "label r× against" for every other row.</summary>
    private static IEnumerable<string[]> RelativeRows(IReadOnlyList<KernelTable> tables) =>
        tables.Where(t => t.RelativeToLabel is not null).SelectMany(t => t.Lines.Select((line, i) => (string[])
            [i == 0 ? t.Kernel : "", line.Shape, string.Join(" · ", line.Relative.Select(r => $"{r.Label} {RelativeRatio(r.Ratio)} {t.RelativeToLabel}"))]));

    /// <summary>A time ratio with two decimals (the budgets it is read against, such as 1.5×, need them).</summary>
    private static string RelativeRatio(double? ratio) => ratio is double r ? Invariant($"{r:0.00}×") : "-";

    private static void AppendTable(StringBuilder text, string[] headers, IEnumerable<string[]> rows)
    {
        text.AppendLine("| " + string.Join(" | ", headers) + " |");
        text.AppendLine("|" + string.Join("|", headers.Select((_, c) => c < 2 ? "---" : "---:")) + "|");
        foreach (string[] row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }
    }

    /// <summary>Pads the cells to aligned columns: the first two left-aligned, the rest right-aligned.</summary>
    private static IEnumerable<string> Align(string[][] rows)
    {
        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length))];
        return rows.Select(row => "  " + string.Join("  ", row.Select((cell, c) => c < 2 || c == row.Length - 1 && row.Length == 3
            ? cell.PadRight(widths[c])
            : cell.PadLeft(widths[c]))).TrimEnd());
    }

    /// <summary>ns per element with three significant digits (three decimals below 1).</summary>
    private static string Time(double? nanoseconds) => nanoseconds switch
    {
        null => "-",
        >= 100 => Invariant($"{nanoseconds:0}"),
        >= 10 => Invariant($"{nanoseconds:0.0}"),
        >= 1 => Invariant($"{nanoseconds:0.00}"),
        _ => Invariant($"{nanoseconds:0.000}"),
    };

    private static string Ratio(double? ratio) => ratio switch
    {
        null => "-",
        >= 100 => Invariant($"{ratio:0}×"),
        >= 1 => Invariant($"{ratio:0.0}×"),
        _ => Invariant($"{ratio:0.00}×"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
