using System.Globalization;
using Kernels.Samples;
using Kernels.Tests.Support;

namespace Kernels.Tests.Samples;

/// <summary>
/// The figures of the single-neuron experiment in chapter 3 of Nielsen's <i>Neural Networks and Deep Learning</i>,
/// reproduced by <see cref="NeuronExperiment"/> (the sample's code, compiled into this project) with the library kernels.
/// </summary>
public class LearningSlowdownTests
{
    private static readonly NeuronRun QuadraticMildlyWrong = NeuronExperiment.BookRuns[0];
    private static readonly NeuronRun QuadraticBadlyWrong = NeuronExperiment.BookRuns[1];

    /// <summary>The book: from (0.6, 0.9), output 0.82, the output falls to about 0.09 after 300 epochs.</summary>
    [Fact]
    public void QuadraticCostFromAMildlyWrongStartReachesTheBooksOutputAfter300Epochs()
    {
        NeuronTrajectory trajectory = NeuronExperiment.Train(QuadraticMildlyWrong);

        Report(trajectory, 0, NeuronExperiment.BookEpochs);
        Assert.Equal(0.82f, trajectory.Outputs[0], 0.005f);
        Assert.Equal(0.09f, trajectory.Outputs[NeuronExperiment.BookEpochs], 0.005f);
    }

    /// <summary>The book: from (2.0, 2.0), output 0.98, the output barely moves for about 150 epochs.</summary>
    [Fact]
    public void QuadraticCostFromABadlyWrongStartPlateausFor150Epochs()
    {
        NeuronTrajectory trajectory = NeuronExperiment.Train(QuadraticBadlyWrong);

        Report(trajectory, 0, 150, NeuronExperiment.BookEpochs);
        Assert.Equal(0.98f, trajectory.Outputs[0], 0.005f);
        Assert.True(trajectory.Outputs[150] > 0.93f, $"output at epoch 150: {trajectory.Outputs[150]}");
    }

    /// <summary>Indices into <see cref="NeuronExperiment.BookRuns"/>.</summary>
    public static TheoryData<int> CrossEntropyRuns => [2, 3];

    public static TheoryData<int> AllRuns => [0, 1, 2, 3];

    /// <summary>The book: under cross-entropy, learning is fastest where the error is largest, at the start.</summary>
    [Theory]
    [MemberData(nameof(CrossEntropyRuns))]
    public void CrossEntropyCostFallsFasterInTheFirst50EpochsThanInTheLast50(int bookRun)
    {
        NeuronTrajectory trajectory = NeuronExperiment.Train(NeuronExperiment.BookRuns[bookRun]);
        float[] cost = trajectory.Costs;
        int last = trajectory.Epochs;

        Report(trajectory, 0, 50, last - 50, last);
        Assert.True(cost[0] - cost[50] > cost[last - 50] - cost[last], $"first 50 epochs: -{cost[0] - cost[50]}, last 50: -{cost[last - 50] - cost[last]}");
    }

    /// <summary>
    /// The whole trajectory agrees with the book's closed forms in double precision — ∂C/∂z = a²(1-a) for the
    /// quadratic cost and a for cross-entropy, with a = σ(w + b) — so the kernels, the chain rule and the update
    /// are right, not just the end points.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllRuns))]
    public void EveryEpochMatchesTheClosedFormInDouble(int bookRun)
    {
        NeuronRun run = NeuronExperiment.BookRuns[bookRun];
        NeuronTrajectory trajectory = NeuronExperiment.Train(run);

        double w = run.InitialWeight, b = run.InitialBias;
        for (int epoch = 0; epoch <= trajectory.Epochs; epoch++)
        {
            double a = 1 / (1 + Math.Exp(-(w + b)));
            double cost = run.Cost == NeuronCost.Quadratic ? a * a / 2 : -Math.Log(1 - a);
            Assert.Equal(a, trajectory.Outputs[epoch], 1e-4);
            Assert.Equal(cost, trajectory.Costs[epoch], 1e-4 * Math.Max(1, cost));
            double logitGradient = run.Cost == NeuronCost.Quadratic ? a * a * (1 - a) : a;
            w -= run.LearningRate * logitGradient;
            b -= run.LearningRate * logitGradient;
        }
    }

    private static void Report(NeuronTrajectory trajectory, params int[] epochs) =>
        TestOutput.WriteLine($"{trajectory.Run}: " + string.Join("; ", epochs.Select(e =>
            string.Create(CultureInfo.InvariantCulture, $"epoch {e}: cost {trajectory.Costs[e]:F4}, output {trajectory.Outputs[e]:F4}"))));
}
