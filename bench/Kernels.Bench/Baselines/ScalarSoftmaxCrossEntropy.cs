namespace Kernels.Bench.Baselines;

/// <summary>
/// Mean softmax cross-entropy with class labels as a straightforward scalar float loop: per row the maximum, the
/// shifted exponentials summed in float, lse, then the gradient (softmax - onehot)/n with a second exp per element.
/// </summary>
internal static class ScalarSoftmaxCrossEntropy
{
    public static float CostAndGradient(float[] logits, int[] labels, float[] gradient, int classes)
    {
        int rows = labels.Length;
        float scale = 1f / rows, cost = 0f;
        for (int i = 0; i < rows; i++)
        {
            int offset = i * classes;
            float max = float.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                max = MathF.Max(max, logits[offset + c]);
            }

            float sum = 0f;
            for (int c = 0; c < classes; c++)
            {
                sum += MathF.Exp(logits[offset + c] - max);
            }

            float lse = max + MathF.Log(sum);
            cost += lse - logits[offset + labels[i]];
            for (int c = 0; c < classes; c++)
            {
                gradient[offset + c] = scale * (MathF.Exp(logits[offset + c] - lse) - (c == labels[i] ? 1f : 0f));
            }
        }

        return cost * scale;
    }
}
