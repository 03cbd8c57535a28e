using System.Globalization;
using ScottPlot;
using ScottPlot.Plottables;
using ScottPlot.TickGenerators;

namespace Kernels.Bench.Report;

/// <summary>
/// The summary as a bar chart: ns per element on a log scale, for every kernel and shape, with the scalar loop, the
/// composition and the fused kernel side by side.
/// </summary>
internal static class SummaryChart
{
    private static readonly (string Label, Color Color)[] Series =
    [
        ("scalar loop", new Color(158, 158, 158)),
        ("TensorPrimitives composition", new Color(66, 133, 244)),
        ("Kernels (fused)", new Color(234, 67, 53)),
    ];

    /// <summary>Draws the chart and saves it as a PNG.</summary>
    /// <param name="tables">The tables.</param>
    /// <param name="path">The PNG's path.</param>
    public static void Save(IReadOnlyList<KernelTable> tables, string path)
    {
        // Each group's tick shows its shape; the kernel's name sits under the first shape of the kernel, and a line
        // separates the kernels.
        var groups = tables.SelectMany(t => t.Lines.Select((line, i) => (Label: i == 0 ? $"{line.Shape}\n{t.Kernel}" : line.Shape, First: i == 0, Times: new[] { line.Scalar, line.Composition, line.Fused }))).ToArray();
        double[] all = [.. groups.SelectMany(g => g.Times).OfType<double>().Where(t => t > 0)];
        if (all.Length == 0)
        {
            return;
        }

        // Bars of log10(ns): they grow from the bottom decade, so every bar starts at the axis.
        int bottom = (int)Math.Floor(Math.Log10(all.Min())), top = (int)Math.Ceiling(Math.Log10(all.Max()));
        Plot plot = new();
        List<Bar> bars = [];
        double[] positions = new double[groups.Length];
        for (int g = 0; g < groups.Length; g++)
        {
            positions[g] = g * 4 + 1;
            for (int s = 0; s < Series.Length; s++)
            {
                if (groups[g].Times[s] is double time && time > 0)
                {
                    bars.Add(new Bar { Position = g * 4 + s, Value = Math.Log10(time), ValueBase = bottom, FillColor = Series[s].Color, Size = 0.9 });
                }
            }
        }

        plot.Add.Bars(bars);
        for (int g = 1; g < groups.Length; g++)
        {
            if (groups[g].First)
            {
                VerticalLine separator = plot.Add.VerticalLine(g * 4 - 1);
                separator.Color = Colors.Gray;
                separator.LinePattern = LinePattern.Dashed;
                separator.LineWidth = 1;
            }
        }

        foreach ((string label, Color color) in Series)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color });
        }

        plot.ShowLegend(Edge.Bottom);

        NumericManual ticks = new();
        for (int decade = bottom; decade <= top; decade++)
        {
            ticks.AddMajor(decade, Math.Pow(10, decade).ToString("0.###", CultureInfo.InvariantCulture));
            for (int k = 2; k < 10 && decade < top; k++)
            {
                ticks.AddMinor(decade + Math.Log10(k));
            }
        }

        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Bottom.SetTicks(positions, [.. groups.Select(g => g.Label)]);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 11;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimits(-1, groups.Length * 4 - 1, bottom, top);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.YLabel("ns per element (log scale, lower is better)");
        plot.Title($"{RunDescription.Library}: ns per element, scalar loop / TensorPrimitives composition / fused kernel");
        plot.SavePng(path, Math.Max(1000, groups.Length * 110), 640);
    }
}
