using System.Diagnostics;
using System.Globalization;
using Kernels.Samples;
using Kernels.Tests.Support;

namespace Kernels.Tests.EndToEnd;

/// <summary>
/// A softmax classifier (multinomial logistic regression, 64×10 weights and 10 biases) trained with
/// <see cref="SoftmaxCrossEntropy"/> on the handwritten digits: 1797 images of 8×8 pixels valued 0..16, 10 classes.
/// </summary>
public class DigitsSoftmaxRegressionTests
{
    private const int SplitSeed = 20240601;
    private const double TrainFraction = 0.8;
    private const int ClassCount = 10;

    /// <summary>Pixel counts 0..16 scaled to [0, 1].</summary>
    private const float PixelScale = 1f / 16;

    private const int Epochs = 200;
    private const float LearningRate = 1f;

    [Fact]
    public void ReachesAtLeast93PercentHeldOutAccuracy()
    {
        LabeledDataSet data = CsvDataSet.Load(TestDatasets.PathOf("digits.csv"));
        Assert.Equal((1797, 64), (data.RowCount, data.FeatureCount));
        TrainTestSplit split = TrainTestSplit.Shuffled(data, TrainFraction, SplitSeed);
        float[] trainPixels = Scaled(split.Train.Features);
        float[] testPixels = Scaled(split.Test.Features);
        int[] trainLabels = split.Train.ClassLabels();
        int[] testLabels = split.Test.ClassLabels();

        SoftmaxRegression model = new(data.FeatureCount, ClassCount);
        float cost = float.NaN;
        long start = Stopwatch.GetTimestamp();
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            cost = model.GradientStep(trainPixels, trainLabels, LearningRate);
        }

        TimeSpan trainingTime = Stopwatch.GetElapsedTime(start);
        double trainAccuracy = model.Accuracy(trainPixels, trainLabels);
        double testAccuracy = model.Accuracy(testPixels, testLabels);
        TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"digits, {trainLabels.Length} train / {testLabels.Length} held-out rows (seed {SplitSeed}), full-batch GD η = {LearningRate}, " +
            $"{Epochs} epochs in {trainingTime.TotalSeconds:F2} s: cost {cost:F4}, train accuracy {trainAccuracy:F4}, held-out accuracy {testAccuracy:F4}"));
        Assert.True(testAccuracy >= 0.93, $"held-out accuracy {testAccuracy:F4}");
    }

    private static float[] Scaled(float[] pixels) => [.. pixels.Select(p => p * PixelScale)];
}
