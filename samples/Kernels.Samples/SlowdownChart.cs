using ScottPlot;

namespace Kernels.Samples;

/// <summary>
/// The chart of cost against epoch: the quadratic runs on the left, the cross-entropy runs on the right. Two panels,
/// because the cross-entropy cost of a badly wrong neuron (~4) would flatten the quadratic curves (≤ ½) on a shared axis.
/// </summary>
internal static class SlowdownChart
{
    /// <summary>The file name written into the output folder.</summary>
    public const string FileName = "learning-slowdown.png";

    private const int Width = 1100;
    private const int Height = 460;

    /// <summary>Draws every trajectory into the panel of its cost and saves the PNG; returns its path.</summary>
    public static string Save(IReadOnlyList<NeuronTrajectory> trajectories, string folder)
    {
        Directory.CreateDirectory(folder);
        Multiplot chart = new(Panel(trajectories, NeuronCost.Quadratic, "Quadratic cost")) { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        chart.AddPlot(Panel(trajectories, NeuronCost.CrossEntropy, "Cross-entropy cost"));
        string path = Path.Combine(folder, FileName);
        chart.SavePng(path, Width, Height);
        return path;
    }

    private static Plot Panel(IReadOnlyList<NeuronTrajectory> trajectories, NeuronCost cost, string title)
    {
        Plot panel = new();
        foreach (NeuronTrajectory trajectory in trajectories.Where(t => t.Run.Cost == cost))
        {
            double[] epochs = [.. Enumerable.Range(0, trajectory.Costs.Length).Select(e => (double)e)];
            double[] costs = [.. trajectory.Costs.Select(c => (double)c)];
            ScottPlot.Plottables.Scatter line = panel.Add.ScatterLine(epochs, costs);
            line.LineWidth = 2;
            line.LegendText = FormattableString.Invariant(
                $"(w, b) = ({trajectory.Run.InitialWeight}, {trajectory.Run.InitialBias}), initial output {trajectory.Outputs[0]:F2}, η = {trajectory.Run.LearningRate}");
        }

        panel.Title(title);
        panel.XLabel("Epoch");
        panel.YLabel("Cost");
        // Cost 0 at the bottom, so the height of the plateau reads as a fraction of the starting cost.
        panel.Axes.Rules.Add(new ScottPlot.AxisRules.LockedBottom(panel.Axes.Left, 0));
        // Below the axes: inside them the legend would hide the plateau, which sits at the top.
        panel.ShowLegend(Edge.Bottom);
        return panel;
    }
}
