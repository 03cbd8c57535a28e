using System.Numerics.Tensors;

namespace Kernels.Tests.EndToEnd;

/// <summary>
/// Multinomial logistic regression: logits Z = X·W + b (W is d×k row-major, b has k entries) and the softmax
/// cross-entropy cost, trained by full-batch gradient descent. <see cref="SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Reduction)"/>
/// gives G = ∂C/∂Z in place of the logits; the layer's backward pass is written out here: ∂C/∂W = Xᵀ·G, ∂C/∂b = Σ rows of G.
/// </summary>
internal sealed class SoftmaxRegression
{
    private readonly int _featureCount;
    private readonly int _classCount;
    private readonly float[] _weights;
    private readonly float[] _biases;
    private readonly float[] _weightGradient;
    private readonly float[] _biasGradient;

    /// <summary>A model with all weights and biases 0 (the cost is convex, so no random start is needed).</summary>
    public SoftmaxRegression(int featureCount, int classCount)
    {
        _featureCount = featureCount;
        _classCount = classCount;
        _weights = new float[featureCount * classCount];
        _biases = new float[classCount];
        _weightGradient = new float[_weights.Length];
        _biasGradient = new float[classCount];
    }

    /// <summary>One step on the mean cost over all <paramref name="labels"/>.Length rows; returns the cost before the step.</summary>
    public float GradientStep(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, float learningRate)
    {
        // In place: the kernel overwrites the logits with G = ∂C/∂Z (mean over the rows).
        float[] logitGradient = Logits(features, labels.Length);
        float cost = SoftmaxCrossEntropy.CostAndGradient(logitGradient, labels, logitGradient);
        Array.Clear(_weightGradient);
        Array.Clear(_biasGradient);
        for (int row = 0; row < labels.Length; row++)
        {
            ReadOnlySpan<float> g = logitGradient.AsSpan(row * _classCount, _classCount);
            TensorPrimitives.Add(_biasGradient, g, _biasGradient);
            AddOuterProduct(features.Slice(row * _featureCount, _featureCount), g, _weightGradient);
        }

        TensorPrimitives.MultiplyAdd(_weightGradient, -learningRate, _weights, _weights);
        TensorPrimitives.MultiplyAdd(_biasGradient, -learningRate, _biases, _biases);
        return cost;
    }

    /// <summary>The fraction of rows whose largest logit is the label's.</summary>
    public double Accuracy(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        float[] logits = Logits(features, labels.Length);
        int correct = 0;
        for (int row = 0; row < labels.Length; row++)
        {
            correct += TensorPrimitives.IndexOfMax(logits.AsSpan(row * _classCount, _classCount)) == labels[row] ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }

    /// <summary>Z = X·W + b, one row of k logits per row of X.</summary>
    private float[] Logits(ReadOnlySpan<float> features, int rows)
    {
        float[] logits = new float[rows * _classCount];
        for (int row = 0; row < rows; row++)
        {
            Span<float> z = logits.AsSpan(row * _classCount, _classCount);
            _biases.CopyTo(z);
            AddRowTimesWeights(features.Slice(row * _featureCount, _featureCount), z);
        }

        return logits;
    }

    /// <summary>z += Σj x_j·W[j, :] (the forward product of one row).</summary>
    private void AddRowTimesWeights(ReadOnlySpan<float> x, Span<float> z)
    {
        for (int j = 0; j < x.Length; j++)
        {
            // Skipping zero inputs is exact and halves the work on digit images, whose borders are mostly blank.
            if (x[j] != 0f)
            {
                TensorPrimitives.MultiplyAdd(_weights.AsSpan(j * _classCount, _classCount), x[j], z, z);
            }
        }
    }

    /// <summary>∂W[j, :] += x_j·g for every j (one row's outer product x ⊗ g, accumulated into Xᵀ·G).</summary>
    private static void AddOuterProduct(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> weightGradient)
    {
        int classCount = g.Length;
        for (int j = 0; j < x.Length; j++)
        {
            if (x[j] != 0f)
            {
                Span<float> row = weightGradient.Slice(j * classCount, classCount);
                TensorPrimitives.MultiplyAdd(g, x[j], row, row);
            }
        }
    }
}
