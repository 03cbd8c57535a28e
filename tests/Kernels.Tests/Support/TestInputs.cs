namespace Kernels.Tests.Support;

/// <summary>Which targets a generated case uses.</summary>
public enum TargetKind
{
    /// <summary>y ∈ {0, 1}: the case with the tight relative gradient bound.</summary>
    Hard,

    /// <summary>y ∈ [0, 1], uniform plus the ends and values next to them.</summary>
    Soft,

    /// <summary>
    /// y within a few ulp of σ(z) (logits) or of a (probabilities): the gradient σ(z) - y cancels, which is the
    /// worst case for its absolute bound.
    /// </summary>
    NearPrediction,
}

/// <summary>
/// Deterministic inputs: every generator takes a seed, so a failure reproduces exactly on every run and under
/// every ISA setting. Values mix the ranges where the math is delicate with special values.
/// </summary>
public static class TestInputs
{
    /// <summary>The smallest normal float, 2^-126.</summary>
    public const float SmallestNormal = 1.17549435e-38f;

    /// <summary>
    /// Finite logits where something changes: signed zeros, the smallest subnormal, the smallest normal, where
    /// e^{-|z|} drops below one ulp of 1 (±17), the saturated region (±30, ±100), where e^{-|z|} leaves the normal
    /// range (±87.3, ±88.8) and underflows to 0 (±104), and huge values up to ±float.MaxValue.
    /// </summary>
    public static readonly float[] SpecialLogits =
    [
        0f, -0f, float.Epsilon, -float.Epsilon, SmallestNormal, -SmallestNormal, 1e-30f, -1e-30f,
        1f, -1f, 17f, -17f, 30f, -30f, 87.33f, -87.33f, 87.34f, -87.34f, 88.8f, -88.8f, 100f, -100f, 104f, -104f,
        1e30f, -1e30f, float.MaxValue, -float.MaxValue,
    ];

    /// <summary>The non-finite logits: their limits are documented exactly.</summary>
    public static readonly float[] NonFiniteLogits = [float.PositiveInfinity, float.NegativeInfinity, float.NaN];

    /// <summary>
    /// Probabilities at the edges of [0, 1]: both zeros, subnormals, 1e-12 (where a(1-a) meets the 1e-12 floor of
    /// the gradient's denominator), ½ and its neighbours (where ln a switches to log1p(-(1-a))), and the floats
    /// just below 1 (1 - 1e-12 is not a float: the nearest below 1 is 1 - 2^-24).
    /// </summary>
    public static readonly float[] SpecialProbabilities =
    [
        0f, -0f, float.Epsilon, 1e-40f, SmallestNormal, 1e-30f, 1e-12f, 1e-7f, 0.5f,
        MathF.BitDecrement(0.5f), MathF.BitIncrement(0.5f), 1f - 1e-6f, 1f - (2f / (1 << 24)), MathF.BitDecrement(1f), 1f,
    ];

    /// <summary>Soft targets that are not uniform draws: the ends, ½, and the floats next to 0 and 1.</summary>
    private static readonly float[] SpecialSoftTargets = [0f, 1f, 0.5f, float.Epsilon, 1e-7f, MathF.BitDecrement(1f), 1f - 1e-6f];

    /// <summary>
    /// Logits: half log-uniform magnitudes 1e-30..1e30 of both signs (every binade is visited), a third uniform
    /// in ±20 (where σ neither saturates nor is linear: most real logits), and about one in ten a special value
    /// (<see cref="SpecialLogits"/>, plus ±∞ and NaN when <paramref name="nonFinite"/>).
    /// </summary>
    public static float[] Logits(int length, int seed, bool nonFinite = false)
    {
        Random random = new(seed);
        float[] logits = new float[length];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = random.Next(12) switch
            {
                0 => nonFinite && random.Next(3) == 0 ? Pick(random, NonFiniteLogits) : Pick(random, SpecialLogits),
                < 7 => RandomSign(random) * LogUniform(random, 1e-30, 1e30),
                _ => (random.NextSingle() * 40f) - 20f,
            };
        }

        return logits;
    }

    /// <summary>Logits uniform in [-<paramref name="bound"/>, <paramref name="bound"/>].</summary>
    public static float[] UniformLogits(int length, int seed, float bound)
    {
        Random random = new(seed);
        float[] logits = new float[length];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = ((random.NextSingle() * 2f) - 1f) * bound;
        }

        return logits;
    }

    /// <summary>
    /// Probabilities: uniform in [0, 1] for half, log-uniform down to 1e-30 near 0 and near 1 for a third, and one
    /// in ten <see cref="SpecialProbabilities"/> (or NaN, when <paramref name="nonFinite"/>).
    /// </summary>
    public static float[] Probabilities(int length, int seed, bool nonFinite = false)
    {
        Random random = new(seed);
        float[] probabilities = new float[length];
        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] = random.Next(12) switch
            {
                0 => nonFinite && random.Next(3) == 0 ? float.NaN : Pick(random, SpecialProbabilities),
                < 3 => LogUniform(random, 1e-30, 0.1),
                < 5 => 1f - LogUniform(random, 1e-8, 0.1),
                _ => random.NextSingle(),
            };
        }

        return probabilities;
    }

    /// <summary>Targets of <paramref name="kind"/> for <paramref name="predictions"/> (logits or probabilities).</summary>
    public static float[] Targets(TargetKind kind, ReadOnlySpan<float> predictions, bool predictionsAreLogits, int seed)
    {
        Random random = new(seed);
        float[] targets = new float[predictions.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = kind switch
            {
                TargetKind.Hard => random.Next(2),
                TargetKind.Soft => random.Next(8) == 0 ? Pick(random, SpecialSoftTargets) : random.NextSingle(),
                _ => NearPrediction(random, predictions[i], predictionsAreLogits),
            };
        }

        return targets;
    }

    /// <summary>Per-sample weights in [0, 3], with exact 0 and 1 now and then.</summary>
    public static float[] SampleWeights(int length, int seed) => Weights(length, seed, 3f);

    /// <summary>Per-output positive weights (pos_weight) in [0, 4], with exact 0 and 1 now and then.</summary>
    public static float[] PositiveWeights(int length, int seed) => Weights(length, seed, 4f);

    private static float[] Weights(int length, int seed, float max)
    {
        Random random = new(seed);
        float[] weights = new float[length];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = random.Next(10) switch
            {
                0 => 0f,
                1 => 1f,
                _ => random.NextSingle() * max,
            };
        }

        return weights;
    }

    /// <summary>A target within a few ulp of σ(z) or of a, clamped to [0, 1] (½ for a NaN prediction).</summary>
    private static float NearPrediction(Random random, float prediction, bool predictionIsLogit)
    {
        double p = predictionIsLogit ? 1 / (1 + Math.Exp(-(double)prediction)) : prediction;
        if (double.IsNaN(p))
        {
            return 0.5f;
        }

        float y = (float)p;
        for (int steps = random.Next(-3, 4); steps != 0; steps -= Math.Sign(steps))
        {
            y = steps > 0 ? MathF.BitIncrement(y) : MathF.BitDecrement(y);
        }

        return Math.Clamp(y, 0f, 1f);
    }

    private static float LogUniform(Random random, double min, double max) =>
        (float)Math.Exp(Math.Log(min) + (random.NextDouble() * (Math.Log(max) - Math.Log(min))));

    private static float RandomSign(Random random) => random.Next(2) == 0 ? 1f : -1f;

    private static float Pick(Random random, float[] values) => values[random.Next(values.Length)];
}
