using System.Numerics.Tensors;

namespace Kernels.Bench.Baselines;

/// <summary>The logistic-regression step written without a fused kernel.</summary>
internal static class LogisticRegressionBaselines
{
    /// <summary>Straightforward scalar float loops: per row the dot product, the loss and σ(z) - y, then ∂w += δ·x.</summary>
    public static float ScalarLoops(float[] features, float[] weights, float bias, float[] targets, float[] weightGradient, out float biasGradient)
    {
        int n = targets.Length, d = weights.Length;
        float scale = 1f / n, cost = 0f, biasSum = 0f;
        Array.Clear(weightGradient);
        for (int i = 0; i < n; i++)
        {
            float z = bias;
            for (int j = 0; j < d; j++)
            {
                z += features[i * d + j] * weights[j];
            }

            cost += MathF.Max(z, 0) - z * targets[i] + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));
            float delta = scale * (1f / (1f + MathF.Exp(-z)) - targets[i]);
            biasSum += delta;
            for (int j = 0; j < d; j++)
            {
                weightGradient[j] += delta * features[i * d + j];
            }
        }

        biasGradient = biasSum;
        return cost * scale;
    }

    /// <summary>
    /// The two-pass composition a user would write: <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// per row, the binary cross-entropy kernel over the logits, then <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
    /// per row into the gradient: the features are read twice.
    /// </summary>
    public static float TwoPass(float[] features, float[] weights, float bias, float[] targets, float[] logits, float[] deltas, float[] weightGradient, out float biasGradient)
    {
        int n = targets.Length, d = weights.Length;
        for (int i = 0; i < n; i++)
        {
            logits[i] = TensorPrimitives.Dot(features.AsSpan(i * d, d), weights) + bias;
        }

        float cost = BinaryCrossEntropy.CostAndGradient(logits, targets, deltas);
        Array.Clear(weightGradient);
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.MultiplyAdd(features.AsSpan(i * d, d), deltas[i], weightGradient, weightGradient);
        }

        biasGradient = TensorPrimitives.Sum(deltas);
        return cost;
    }
}
