using System.Globalization;
using Kernels.Samples;
using Kernels.Tests.Support;

namespace Kernels.Tests.EndToEnd;

/// <summary>
/// Logistic regression trained with the fused kernel (<see cref="LogisticRegression.CostAndGradient"/>, through the
/// sample's <see cref="LogisticTraining"/>) on the Wisconsin breast-cancer data: 569 rows, 30 features, labels 0/1.
/// </summary>
public class BreastCancerLogisticRegressionTests
{
    private const int SplitSeed = 20240601;
    private const double TrainFraction = 0.8;
    private static readonly LogisticTrainingOptions Training = new(Epochs: 100, LearningRate: 0.5f);

    [Fact]
    public void ReachesAtLeast95PercentHeldOutAccuracy()
    {
        LabeledDataSet data = CsvDataSet.Load(TestDatasets.PathOf("breast_cancer.csv"));
        Assert.Equal((569, 30), (data.RowCount, data.FeatureCount));
        TrainTestSplit split = FeatureStandardizer.Standardize(TrainTestSplit.Shuffled(data, TrainFraction, SplitSeed));

        EpochReport last = default;
        LogisticTraining.Train(split, Training, report => last = report);

        TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"breast cancer, {split.Train.RowCount} train / {split.Test.RowCount} held-out rows (seed {SplitSeed}), full-batch GD η = {Training.LearningRate}, " +
            $"{last.Epoch} epochs: cost {last.Cost:F4}, train accuracy {last.TrainAccuracy:F4}, held-out accuracy {last.TestAccuracy:F4}"));
        Assert.True(last.TestAccuracy >= 0.95, $"held-out accuracy {last.TestAccuracy:F4}");
    }
}
