using System.Diagnostics;

namespace Kernels.Samples;

/// <summary>How long and how fast to train.</summary>
/// <param name="Epochs">Full passes over the training rows; one gradient step each.</param>
/// <param name="LearningRate">The gradient-descent step size η.</param>
public sealed record LogisticTrainingOptions(int Epochs = 100, float LearningRate = 0.5f);

/// <summary>What one epoch did.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="Cost">The mean training cost at the parameters the epoch started from (the kernel returns it with the gradient).</param>
/// <param name="TrainAccuracy">Accuracy on the training rows after the epoch's step.</param>
/// <param name="TestAccuracy">Accuracy on the held-out rows after the epoch's step.</param>
/// <param name="RowsPerSecond">Training rows divided by the time of the step (kernel and update; evaluation not counted).</param>
public readonly record struct EpochReport(int Epoch, float Cost, double TrainAccuracy, double TestAccuracy, double RowsPerSecond);

/// <summary>
/// Logistic regression by full-batch gradient descent: each epoch is one call of the fused kernel over the whole
/// training split, then one step. Full batches keep the run deterministic (no batch order) and give the kernel the
/// long streaming pass it is built for; these data sets are small enough for that to converge in a few hundred
/// epochs on standardized features.
/// </summary>
public static class LogisticTraining
{
    /// <summary>Trains a zero-initialized model for <see cref="LogisticTrainingOptions.Epochs"/> epochs, reporting each.</summary>
    /// <exception cref="InvalidDataException">A label of either split is neither 0 nor 1.</exception>
    public static LogisticRegressionModel Train(TrainTestSplit data, LogisticTrainingOptions options, Action<EpochReport>? onEpoch = null)
    {
        RequireBinaryLabels(data.Train);
        RequireBinaryLabels(data.Test);
        LogisticRegressionModel model = new(data.Train.FeatureCount);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            long start = Stopwatch.GetTimestamp();
            float cost = model.GradientStep(data.Train, options.LearningRate);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            onEpoch?.Invoke(new EpochReport(
                epoch, cost, model.Accuracy(data.Train), model.Accuracy(data.Test), data.Train.RowCount / Math.Max(seconds, 1e-9)));
        }

        return model;
    }

    /// <summary>Throws unless every label is 0 or 1 (a multi-class file such as digits is rejected with its first bad label).</summary>
    /// <exception cref="InvalidDataException">A label is neither 0 nor 1.</exception>
    public static void RequireBinaryLabels(LabeledDataSet data)
    {
        int bad = Array.FindIndex(data.Labels, label => label is not (0f or 1f));
        if (bad >= 0)
        {
            throw new InvalidDataException($"Logistic regression needs labels 0 or 1; found {data.Labels[bad]}.");
        }
    }
}
