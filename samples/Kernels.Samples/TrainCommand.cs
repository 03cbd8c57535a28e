using System.Globalization;

namespace Kernels.Samples;

/// <summary>The <c>train</c> command: logistic regression on a CSV file or on a synthetic data set.</summary>
internal static class TrainCommand
{
    /// <summary>Seeds the split (and the synthetic data): every run sees the same rows.</summary>
    private const int Seed = 20240601;

    private const double TrainFraction = 0.8;

    /// <summary>The synthetic default: big enough (8 MB of training features) for rows/second to mean something.</summary>
    private const int SyntheticRows = 80_000;
    private const int SyntheticFeatures = 32;

    public static int Run(CommandLine arguments)
    {
        if (arguments.Positionals.Count > 1)
        {
            throw new ArgumentException("'train' takes at most one CSV path.");
        }

        LogisticTrainingOptions options = new(
            arguments.PositiveInteger("--epochs", new LogisticTrainingOptions().Epochs),
            arguments.PositiveNumber("--lr", new LogisticTrainingOptions().LearningRate));
        (LabeledDataSet data, string source) = arguments.Positionals is [string path]
            ? (CsvDataSet.Load(path), path)
            : (SyntheticDataSet.Generate(SyntheticRows, SyntheticFeatures, Seed), "synthetic");
        LogisticTraining.RequireBinaryLabels(data);

        TrainTestSplit split = FeatureStandardizer.Standardize(TrainTestSplit.Shuffled(data, TrainFraction, Seed));

        Console.WriteLine($"Data: {source}: {data.RowCount} rows × {data.FeatureCount} features; train {split.Train.RowCount}, held out {split.Test.RowCount} (seed {Seed}).");
        Console.WriteLine(FormattableString.Invariant(
            $"Full-batch gradient descent, η = {options.LearningRate}, {options.Epochs} epochs; features standardized with the training rows' mean and deviation."));
        Console.WriteLine("epoch       cost   train acc    test acc        rows/s");
        LogisticTraining.Train(split, options, report => Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{report.Epoch,5} {report.Cost,10:F6} {report.TrainAccuracy,11:F4} {report.TestAccuracy,11:F4} {report.RowsPerSecond,13:N0}")));
        return 0;
    }
}
