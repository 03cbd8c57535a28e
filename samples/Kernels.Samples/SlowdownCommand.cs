using System.Globalization;
using System.Text;

namespace Kernels.Samples;

/// <summary>The <c>slowdown</c> command: runs the four book runs, prints their progress and charts their costs.</summary>
internal static class SlowdownCommand
{
    /// <summary>Epochs between two printed rows.</summary>
    private const int ReportInterval = 50;

    public static int Run(CommandLine arguments)
    {
        if (arguments.Positionals.Count != 0)
        {
            throw new ArgumentException($"'slowdown' takes no positional argument ('{arguments.Positionals[0]}').");
        }

        NeuronTrajectory[] trajectories = [.. NeuronExperiment.BookRuns.Select(run => NeuronExperiment.Train(run))];
        Console.WriteLine($"Single sigmoid neuron, input x = {NeuronExperiment.Input}, target y = {NeuronExperiment.Target}, plain gradient descent.");
        for (int i = 0; i < trajectories.Length; i++)
        {
            Console.WriteLine($"  run {i + 1}: {trajectories[i].Run}");
        }

        Console.WriteLine();
        Console.Write(FormatTable(trajectories));
        string chart = SlowdownChart.Save(trajectories, arguments.Text("--out", "."));
        Console.WriteLine();
        Console.WriteLine($"Chart of cost against epoch: {chart}");
        return 0;
    }

    /// <summary>A markdown table: one row every <see cref="ReportInterval"/> epochs, a cost and an output column per run.</summary>
    private static string FormatTable(IReadOnlyList<NeuronTrajectory> trajectories)
    {
        StringBuilder table = new("| epoch |");
        StringBuilder rule = new("| ---: |");
        for (int i = 1; i <= trajectories.Count; i++)
        {
            table.Append(CultureInfo.InvariantCulture, $" run {i} cost | run {i} output |");
            rule.Append(" ---: | ---: |");
        }

        table.AppendLine().Append(rule).AppendLine();
        for (int epoch = 0; epoch <= trajectories[0].Epochs; epoch += ReportInterval)
        {
            table.Append(CultureInfo.InvariantCulture, $"| {epoch} |");
            foreach (NeuronTrajectory trajectory in trajectories)
            {
                table.Append(CultureInfo.InvariantCulture, $" {trajectory.Costs[epoch]:F4} | {trajectory.Outputs[epoch]:F4} |");
            }

            table.AppendLine();
        }

        return table.ToString();
    }
}
