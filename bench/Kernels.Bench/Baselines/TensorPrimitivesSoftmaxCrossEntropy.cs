using System.Numerics.Tensors;

namespace Kernels.Bench.Baselines;

/// <summary>
/// Mean softmax cross-entropy with class labels composed from <see cref="TensorPrimitives"/> per row, over one
/// preallocated row buffer: Max, Subtract, Exp, Sum, Log, Divide — the natural vectorized code without a fused
/// kernel (max-shifted by hand, since <c>TensorPrimitives.SoftMax</c> does not subtract the maximum).
/// </summary>
internal sealed class TensorPrimitivesSoftmaxCrossEntropy(int classes)
{
    private readonly float[] shifted = new float[classes];

    public float CostAndGradient(float[] logits, int[] labels, float[] gradient)
    {
        int rows = labels.Length;
        float scale = 1f / rows;
        double cost = 0;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<float> row = logits.AsSpan(i * classes, classes);
            Span<float> rowGradient = gradient.AsSpan(i * classes, classes);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, shifted);
            TensorPrimitives.Exp(shifted, shifted);
            float sum = TensorPrimitives.Sum(shifted);
            cost += max + MathF.Log(sum) - row[labels[i]];
            TensorPrimitives.Divide(shifted, sum / scale, rowGradient);
            rowGradient[labels[i]] -= scale;
        }

        return (float)(cost * scale);
    }
}
