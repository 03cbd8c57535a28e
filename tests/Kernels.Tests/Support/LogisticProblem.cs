namespace Kernels.Tests.Support;

/// <summary>
/// A large logistic-regression problem for the n = 2^20 accuracy tests. The features are a cheap deterministic hash
/// (Random would cost more than the kernel), with per-feature offsets and scales so the gradient components span
/// several magnitudes and some nearly cancel; the targets follow a logistic model so that σ(z) - y is not trivially
/// small.
/// </summary>
internal static class LogisticProblem
{
    /// <summary>n×d features, d weights sin(j)·0.3 and n hard targets drawn from σ(0.8·(x·w + bias)).</summary>
    public static (float[] Features, float[] Weights, float[] Targets) Create(int n, int d, float bias, uint seed)
    {
        float[] features = new float[n * d], weights = new float[d], targets = new float[n];
        for (int j = 0; j < d; j++)
        {
            weights[j] = (float)(Math.Sin(j) * 0.3);
        }

        uint state = seed;
        for (int i = 0; i < n; i++)
        {
            double z = bias;
            for (int j = 0; j < d; j++)
            {
                float x = ((Next(ref state) >> 8) * (1f / (1 << 24)) * 2f - 1f) * (1f + (j % 4)) + ((j % 7) - 3) * 0.05f;
                features[(i * d) + j] = x;
                z += x * weights[j];
            }

            targets[i] = (Next(ref state) >> 8) * (1.0 / (1 << 24)) < 1 / (1 + Math.Exp(-0.8 * z)) ? 1f : 0f;
        }

        return (features, weights, targets);
    }

    /// <summary>Marsaglia's xorshift32.</summary>
    private static uint Next(ref uint state)
    {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    }
}
