using System.Numerics.Tensors;

namespace Kernels.Bench.Baselines;

/// <summary>
/// Binary cross-entropy from logits composed from <see cref="TensorPrimitives"/> over preallocated temporaries:
/// the natural vectorized code a user writes without a fused kernel. Each primitive is a full pass over memory,
/// and <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/> adds in float.
/// </summary>
internal sealed class TensorPrimitivesBinaryCrossEntropy
{
    // Allocated once, as a training loop would, so a call allocates nothing.
    private readonly float[] softplusTail;
    private readonly float[] losses;
    private readonly float[] logitTimesTarget;

    /// <summary>Preallocates the temporaries for batches of <paramref name="length"/> elements.</summary>
    /// <param name="length">The batch length n.</param>
    public TensorPrimitivesBinaryCrossEntropy(int length)
    {
        softplusTail = new float[length];
        losses = new float[length];
        logitTimesTarget = new float[length];
    }

    /// <summary>Returns the mean cost and writes <c>gradient[i] = (σ(z_i) - y_i)/n</c>.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n.</param>
    /// <returns>The mean cost.</returns>
    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        int n = logits.Length;
        Span<float> tail = softplusTail.AsSpan(0, n), loss = losses.AsSpan(0, n), product = logitTimesTarget.AsSpan(0, n);

        // loss = max(z, 0) - z·y + log(1 + e^{-|z|}), the stable softplus form.
        TensorPrimitives.Abs(logits, tail);
        TensorPrimitives.Negate(tail, tail);
        TensorPrimitives.Exp(tail, tail);
        TensorPrimitives.Add(tail, 1f, tail);
        TensorPrimitives.Log(tail, tail);
        TensorPrimitives.Max(logits, 0f, loss);
        TensorPrimitives.Multiply(logits, targets, product);
        TensorPrimitives.Subtract(loss, product, loss);
        TensorPrimitives.Add(loss, tail, loss);
        float cost = TensorPrimitives.Sum(loss) / n;

        // gradient = (σ(z) - y)/n.
        TensorPrimitives.Sigmoid(logits, gradient);
        TensorPrimitives.Subtract(gradient, targets, gradient);
        TensorPrimitives.Multiply(gradient, 1f / n, gradient);
        return cost;
    }
}
