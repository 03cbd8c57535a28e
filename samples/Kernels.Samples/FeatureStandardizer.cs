using System.Numerics.Tensors;

namespace Kernels.Samples;

/// <summary>
/// Rescales every feature to mean 0 and standard deviation 1 using statistics of the training rows only, so nothing
/// about the held-out rows leaks into the model. Gradient descent with one learning rate needs features on
/// comparable scales: the breast-cancer features range from ~0.001 to ~4000.
/// </summary>
public sealed class FeatureStandardizer
{
    private readonly float[] _means;
    private readonly float[] _inverseDeviations;

    private FeatureStandardizer(float[] means, float[] inverseDeviations)
    {
        _means = means;
        _inverseDeviations = inverseDeviations;
    }

    /// <summary>Learns each feature's mean and population standard deviation from <paramref name="training"/> (in double).</summary>
    public static FeatureStandardizer Fit(LabeledDataSet training)
    {
        int d = training.FeatureCount;
        double[] sums = new double[d];
        double[] squareSums = new double[d];
        for (int row = 0; row < training.RowCount; row++)
        {
            ReadOnlySpan<float> x = training.Row(row);
            for (int j = 0; j < d; j++)
            {
                sums[j] += x[j];
                squareSums[j] += (double)x[j] * x[j];
            }
        }

        float[] means = new float[d];
        float[] inverseDeviations = new float[d];
        for (int j = 0; j < d; j++)
        {
            double mean = sums[j] / training.RowCount;
            double variance = Math.Max(0, (squareSums[j] / training.RowCount) - (mean * mean));
            means[j] = (float)mean;
            // A constant feature carries no information: centre it and leave its scale alone rather than divide by 0.
            inverseDeviations[j] = variance > 0 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        }

        return new FeatureStandardizer(means, inverseDeviations);
    }

    /// <summary>Fits on the training rows of <paramref name="split"/> and standardizes both sides with those statistics.</summary>
    public static TrainTestSplit Standardize(TrainTestSplit split)
    {
        FeatureStandardizer standardizer = Fit(split.Train);
        return new TrainTestSplit(standardizer.Transform(split.Train), standardizer.Transform(split.Test));
    }

    /// <summary>A standardized copy of <paramref name="data"/> (labels shared).</summary>
    public LabeledDataSet Transform(LabeledDataSet data)
    {
        float[] features = (float[])data.Features.Clone();
        for (int row = 0; row < data.RowCount; row++)
        {
            Span<float> x = features.AsSpan(row * data.FeatureCount, data.FeatureCount);
            TensorPrimitives.Subtract(x, _means, x);
            TensorPrimitives.Multiply(x, _inverseDeviations, x);
        }

        return new LabeledDataSet(features, data.Labels, data.FeatureCount);
    }
}
