namespace Kernels.Bench.Baselines;

/// <summary>
/// Binary cross-entropy from logits as a user would first write it: one scalar pass with <see cref="MathF"/>,
/// the cost summed in a float. It is the benchmarks' baseline (speed ×1) and shows what a naive float sum costs
/// in accuracy.
/// </summary>
internal static class ScalarBinaryCrossEntropy
{
    /// <summary>Returns the mean cost and writes <c>gradient[i] = (σ(z_i) - y_i)/n</c>.</summary>
    /// <param name="logits">Logits z, length n.</param>
    /// <param name="targets">Targets y, length n.</param>
    /// <param name="gradient">Destination, length n.</param>
    /// <returns>The mean cost.</returns>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        int n = logits.Length;
        float scale = 1f / n;
        float sum = 0;
        for (int i = 0; i < n; i++)
        {
            float z = logits[i], y = targets[i];

            // The stable softplus form: no overflow of e^z for large z, no log(0) for large -z.
            sum += MathF.Max(z, 0) - z * y + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));

            // The textbook sigmoid, with its own exponential: what a straightforward loop does.
            float sigmoid = 1 / (1 + MathF.Exp(-z));
            gradient[i] = (sigmoid - y) * scale;
        }

        return sum * scale;
    }
}
