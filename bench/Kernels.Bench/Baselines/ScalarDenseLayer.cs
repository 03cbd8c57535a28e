namespace Kernels.Bench.Baselines;

/// <summary>
/// The dense layers d→k (sigmoid and softmax heads) as straightforward scalar float loops, one row at a time: the
/// forward z = x·W + b, the loss and its gradient g per output with <see cref="MathF"/>, then ∂W += x·g, ∂b += g and
/// ∂x = g·Wᵀ. The cost is summed in float. <paramref name="row"/> is a preallocated k-float scratch for z and g.
/// </summary>
internal static class ScalarDenseLayer
{
    /// <summary>k sigmoids against n×k targets, Mean over the n samples.</summary>
    public static float Sigmoid(
        float[] features, float[] weights, float[] bias, float[] targets,
        float[] weightGradient, float[] biasGradient, float[] inputGradient, float[] row)
    {
        int k = bias.Length, n = targets.Length / k, d = weights.Length / k;
        float scale = 1f / n, cost = 0f;
        Array.Clear(weightGradient);
        Array.Clear(biasGradient);
        for (int i = 0; i < n; i++)
        {
            Forward(features, weights, bias, i, d, row);
            for (int o = 0; o < k; o++)
            {
                float z = row[o], y = targets[i * k + o];
                cost += MathF.Max(z, 0) - z * y + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));
                row[o] = scale * (1f / (1f + MathF.Exp(-z)) - y);
            }

            Backward(features, weights, i, d, row, weightGradient, biasGradient, inputGradient);
        }

        return cost * scale;
    }

    /// <summary>A softmax over k classes against n labels, Mean over the n rows.</summary>
    public static float Softmax(
        float[] features, float[] weights, float[] bias, int[] labels,
        float[] weightGradient, float[] biasGradient, float[] inputGradient, float[] row)
    {
        int k = bias.Length, n = labels.Length, d = weights.Length / k;
        float scale = 1f / n, cost = 0f;
        Array.Clear(weightGradient);
        Array.Clear(biasGradient);
        for (int i = 0; i < n; i++)
        {
            Forward(features, weights, bias, i, d, row);
            float max = float.NegativeInfinity;
            for (int o = 0; o < k; o++)
            {
                max = MathF.Max(max, row[o]);
            }

            float sum = 0f;
            for (int o = 0; o < k; o++)
            {
                sum += MathF.Exp(row[o] - max);
            }

            float lse = max + MathF.Log(sum);
            cost += lse - row[labels[i]];
            for (int o = 0; o < k; o++)
            {
                row[o] = scale * (MathF.Exp(row[o] - lse) - (o == labels[i] ? 1f : 0f));
            }

            Backward(features, weights, i, d, row, weightGradient, biasGradient, inputGradient);
        }

        return cost * scale;
    }

    // z[o] = b[o] + Σj x[i, j]·W[j, o].
    private static void Forward(float[] features, float[] weights, float[] bias, int i, int d, float[] row)
    {
        int k = bias.Length;
        for (int o = 0; o < k; o++)
        {
            float z = bias[o];
            for (int j = 0; j < d; j++)
            {
                z += features[i * d + j] * weights[j * k + o];
            }

            row[o] = z;
        }
    }

    // With g = row: ∂b += g, ∂W[j, o] += x[i, j]·g[o], ∂x[i, j] = Σo g[o]·W[j, o].
    private static void Backward(float[] features, float[] weights, int i, int d, float[] row, float[] weightGradient, float[] biasGradient, float[] inputGradient)
    {
        int k = biasGradient.Length;
        for (int o = 0; o < k; o++)
        {
            biasGradient[o] += row[o];
        }

        for (int j = 0; j < d; j++)
        {
            float x = features[i * d + j], dx = 0f;
            for (int o = 0; o < k; o++)
            {
                weightGradient[j * k + o] += x * row[o];
                dx += row[o] * weights[j * k + o];
            }

            inputGradient[i * d + j] = dx;
        }
    }
}
