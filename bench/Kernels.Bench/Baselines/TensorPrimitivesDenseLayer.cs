using System.Numerics.Tensors;

namespace Kernels.Bench.Baselines;

/// <summary>
/// The dense layers d→k composed per output from <see cref="TensorPrimitives"/> and the library's own loss kernels,
/// over buffers preallocated once, as a user would write it without the fused kernel: W gathered once into k
/// contiguous columns; Z by a <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per row and
/// output; the loss kernel over Z (G = ∂C/∂Z, n×k); ∂W by a
/// <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/> per row and
/// output into the columns (written back as d×k at the end); ∂b by adding the rows of G (G is row-major, so a
/// per-output <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/> would need a transposed copy); ∂x by a
/// Multiply and k - 1 MultiplyAdds of the weight columns per row. The features are read twice from memory (the
/// forward loop, then the backward loop doing ∂W and ∂X per row while the row is in cache).
/// </summary>
internal sealed class TensorPrimitivesDenseLayer
{
    private readonly int features, outputs;
    private readonly float[] weightColumns, weightGradientColumns, logits, logitGradient;

    /// <summary>Gathers the columns of W (d×k) and preallocates Z, G and the ∂W columns for <paramref name="samples"/> rows.</summary>
    public TensorPrimitivesDenseLayer(float[] weights, int samples, int outputs)
    {
        this.outputs = outputs;
        features = weights.Length / outputs;
        weightColumns = new float[features * outputs];
        weightGradientColumns = new float[features * outputs];
        logits = new float[samples * outputs];
        logitGradient = new float[samples * outputs];
        for (int j = 0; j < features; j++)
        {
            for (int o = 0; o < outputs; o++)
            {
                weightColumns[o * features + j] = weights[j * outputs + o];
            }
        }
    }

    /// <summary>k sigmoids against n×k targets (the multi-output binary cross-entropy kernel), Mean over the n samples.</summary>
    public float Sigmoid(float[] x, float[] bias, float[] targets, float[] weightGradient, float[] biasGradient, float[] inputGradient)
    {
        Forward(x, bias);
        float cost = BinaryCrossEntropy.CostAndGradient(logits, targets, outputs, default, default, logitGradient, default);
        Backward(x, weightGradient, biasGradient, inputGradient);
        return cost;
    }

    /// <summary>A softmax over k classes against n labels (the softmax cross-entropy kernel), Mean over the n rows.</summary>
    public float Softmax(float[] x, float[] bias, int[] labels, float[] weightGradient, float[] biasGradient, float[] inputGradient)
    {
        Forward(x, bias);
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, logitGradient);
        Backward(x, weightGradient, biasGradient, inputGradient);
        return cost;
    }

    private void Forward(float[] x, float[] bias)
    {
        int n = logits.Length / outputs, d = features;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = x.AsSpan(i * d, d);
            for (int o = 0; o < outputs; o++)
            {
                logits[i * outputs + o] = TensorPrimitives.Dot(row, weightColumns.AsSpan(o * d, d)) + bias[o];
            }
        }
    }

    private void Backward(float[] x, float[] weightGradient, float[] biasGradient, float[] inputGradient)
    {
        int n = logits.Length / outputs, d = features;
        Array.Clear(weightGradientColumns);
        Array.Clear(biasGradient);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = x.AsSpan(i * d, d);
            ReadOnlySpan<float> g = logitGradient.AsSpan(i * outputs, outputs);
            for (int o = 0; o < outputs; o++)
            {
                Span<float> column = weightGradientColumns.AsSpan(o * d, d);
                TensorPrimitives.MultiplyAdd(row, g[o], column, column);
            }

            TensorPrimitives.Add(biasGradient, g, biasGradient);
            Span<float> dx = inputGradient.AsSpan(i * d, d);
            TensorPrimitives.Multiply(weightColumns.AsSpan(0, d), g[0], dx);
            for (int o = 1; o < outputs; o++)
            {
                TensorPrimitives.MultiplyAdd(weightColumns.AsSpan(o * d, d), g[o], dx, dx);
            }
        }

        for (int j = 0; j < d; j++)
        {
            for (int o = 0; o < outputs; o++)
            {
                weightGradient[j * outputs + o] = weightGradientColumns[o * d + j];
            }
        }
    }
}
