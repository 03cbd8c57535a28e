using System.Numerics.Tensors;

namespace Kernels.Samples;

/// <summary>
/// A binary classification problem that needs no file: standard-normal features, and a label that is the side of a
/// fixed random hyperplane a noisy point falls on, so a linear model can learn it well but not perfectly.
/// </summary>
public static class SyntheticDataSet
{
    /// <summary>
    /// Generates <paramref name="rows"/> rows of <paramref name="featureCount"/> features; label 1 where
    /// x·w* + ε &gt; 0, with w* and the noise ε ~ N(0, <paramref name="noise"/>²) drawn from <paramref name="seed"/>.
    /// </summary>
    public static LabeledDataSet Generate(int rows, int featureCount, int seed, float noise = 0.2f)
    {
        Random random = new(seed);
        float[] hyperplane = new float[featureCount];
        FillStandardNormal(random, hyperplane);
        float norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(hyperplane));

        float[] features = new float[rows * featureCount];
        FillStandardNormal(random, features);
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            // Scaling by |w*| makes the margin x·w*/|w*| standard normal whatever d is, so the noise level means the same.
            float margin = TensorPrimitives.Dot(features.AsSpan(i * featureCount, featureCount), hyperplane) / norm;
            labels[i] = margin + (noise * StandardNormal(random)) > 0 ? 1f : 0f;
        }

        return new LabeledDataSet(features, labels, featureCount);
    }

    private static void FillStandardNormal(Random random, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = StandardNormal(random);
        }
    }

    /// <summary>Box–Muller: one standard-normal draw from two uniform ones (1 - u keeps the logarithm finite).</summary>
    private static float StandardNormal(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
