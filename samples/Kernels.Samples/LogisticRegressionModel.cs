using System.Numerics.Tensors;

namespace Kernels.Samples;

/// <summary>
/// A binary classifier p(y = 1 | x) = σ(x·w + b) whose training step is one call of the fused kernel
/// <see cref="LogisticRegression.CostAndGradient"/>: cost, ∂C/∂w and ∂C/∂b from one pass over the features.
/// </summary>
public sealed class LogisticRegressionModel
{
    private readonly float[] _weightGradient;

    /// <summary>A model with d zero weights and a zero bias (the cost is convex, so no random start is needed).</summary>
    public LogisticRegressionModel(int featureCount)
    {
        Weights = new float[featureCount];
        _weightGradient = new float[featureCount];
    }

    /// <summary>The weights w, one per feature.</summary>
    public float[] Weights { get; }

    /// <summary>The bias b.</summary>
    public float Bias { get; private set; }

    /// <summary>
    /// One gradient-descent step on the mean cross-entropy over every row of <paramref name="data"/>; allocates nothing.
    /// </summary>
    /// <returns>The mean cost at the parameters the step started from.</returns>
    public float GradientStep(LabeledDataSet data, float learningRate)
    {
        float cost = LogisticRegression.CostAndGradient(data.Features, Weights, Bias, data.Labels, _weightGradient, out float biasGradient);
        TensorPrimitives.MultiplyAdd(_weightGradient, -learningRate, Weights, Weights);
        Bias -= learningRate * biasGradient;
        return cost;
    }

    /// <summary>The fraction of rows whose label (0 or 1) is the side of ½ the predicted probability falls on.</summary>
    public double Accuracy(LabeledDataSet data)
    {
        float[] probabilities = new float[data.RowCount];
        LogisticRegression.Predict(data.Features, Weights, Bias, probabilities);
        int correct = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            correct += (probabilities[i] >= 0.5f) == (data.Labels[i] == 1f) ? 1 : 0;
        }

        return (double)correct / data.RowCount;
    }
}
