namespace Kernels.Tests.Support;

/// <summary>
/// Seeded inputs for <see cref="KernelCase.Prepare"/>: the same seed gives the same bits in every process, on every
/// OS and .NET version (own generator, not <see cref="Random"/>, whose seeded sequence is not a contract).
/// </summary>
internal static class KernelInputs
{
    public delegate float Generator(ref SplitMix64 random);

    /// <summary>A quiet NaN with a payload no kernel produces: an output left unwritten keeps it.</summary>
    public static readonly float Sentinel = BitConverter.Int32BitsToSingle(0x7FC0BEEF);

    /// <summary>Logits that hit every branch and limit: signed zeros, subnormals, saturation, overflow, NaN.</summary>
    private static readonly float[] SpecialLogits =
    [
        0f, -0f, float.Epsilon, -float.Epsilon, 1e-39f, -1e-39f, 1e-30f, -1e-30f, 1f, -1f, 15f, -15f, 16.6f, -16.6f,
        30f, -30f, 87.3f, -87.3f, 88.8f, -88.8f, 100f, -100f, 104f, -104f, 1e30f, -1e30f, float.MaxValue, -float.MaxValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN,
    ];

    /// <summary>
    /// Probabilities at the edges of [0, 1]: exact ends, subnormals, one ulp inside, the log clamp at e^-100; and NaN,
    /// which the API accepts and propagates.
    /// </summary>
    private static readonly float[] SpecialProbabilities =
    [
        0f, -0f, 1f, float.Epsilon, 1e-39f, 1.17549435e-38f, 1e-30f, 3.7e-44f, 1e-12f, 1e-6f, 0.5f,
        MathF.BitDecrement(0.5f), MathF.BitIncrement(0.5f), MathF.BitDecrement(1f), 1f - 1e-6f, 0.999f, float.NaN,
    ];

    /// <summary>
    /// Fills the inputs and prefills the outputs with <see cref="Sentinel"/>. Odd seeds include NaN, ±∞ and magnitudes up
    /// to float.MaxValue; even seeds keep |x| ≤ 1e30, so that their costs stay finite and informative (a single NaN,
    /// infinite or overflowing loss decides a whole cost).
    /// </summary>
    public static void Fill(scoped in KernelBuffers buffers, bool probabilities, int seed)
    {
        SplitMix64 random = new((ulong)seed);
        bool extremes = (seed & 1) != 0;
        foreach (ref float value in buffers.Predictions)
        {
            value = Draw(ref random, probabilities ? Probability : Logit, extremes);
        }

        foreach (ref float value in buffers.Targets)
        {
            value = Draw(ref random, probabilities ? ProbabilityTarget : LogitTarget, extremes);
        }

        foreach (ref float value in buffers.SampleWeights)
        {
            value = random.Next(8) == 0 ? 0f : random.Uniform(0f, 2f);
        }

        foreach (ref float value in buffers.PositiveWeights)
        {
            value = random.Uniform(0.1f, 5f);
        }

        buffers.Gradient.Fill(Sentinel);
        buffers.Losses.Fill(Sentinel);
    }

    private static float Draw(ref SplitMix64 random, Generator generator, bool extremes)
    {
        float value = generator(ref random);
        while (!extremes && !(float.Abs(value) <= 1e30f))
        {
            value = generator(ref random);
        }

        return value;
    }

    public static float Logit(ref SplitMix64 random) => random.Next(10) switch
    {
        0 => SpecialLogits[random.Next(SpecialLogits.Length)],
        1 => random.Magnitude(0, 254) * random.Sign(),
        2 or 3 => random.Uniform(-100f, 100f),
        _ => random.Uniform(-12f, 12f),
    };

    /// <summary>Hard and soft labels, and (rarely) reals outside [0, 1] and NaN: the logits path takes any real.</summary>
    public static float LogitTarget(ref SplitMix64 random) => random.Next(20) switch
    {
        0 => random.Uniform(-2f, 3f),
        1 => random.Next(8) == 0 ? float.NaN : 0.5f,
        < 10 => random.Next(2),
        _ => random.Uniform(0f, 1f),
    };

    public static float Probability(ref SplitMix64 random) => random.Next(10) switch
    {
        0 or 1 => SpecialProbabilities[random.Next(SpecialProbabilities.Length)],
        2 => random.Magnitude(0, 126),
        3 => 1f - random.Uniform(0f, 1e-3f),
        _ => random.Uniform(0f, 1f),
    };

    public static float ProbabilityTarget(ref SplitMix64 random) => random.Next(64) switch
    {
        0 => float.NaN,
        < 32 => random.Next(2),
        _ => random.Uniform(0f, 1f),
    };
}

/// <summary>Steele, Lea and Flood's SplitMix64: tiny, fast, and fully specified by its seed.</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>) (the tiny modulo bias is irrelevant for test data).</summary>
    public int Next(int bound) => (int)(NextUInt64() % (ulong)bound);

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>], from 24 random bits.</summary>
    public float Uniform(float low, float high) => low + ((NextUInt64() >> 40) * (1f / (1 << 24)) * (high - low));

    /// <summary>
    /// A positive float with biased exponent uniform in [<paramref name="minExponent"/>, <paramref name="maxExponent"/>]
    /// and random mantissa: every magnitude from subnormal (exponent 0) up, built from bits (no libm involved).
    /// </summary>
    public float Magnitude(int minExponent, int maxExponent)
    {
        int exponent = minExponent + Next(maxExponent - minExponent + 1);
        return BitConverter.Int32BitsToSingle((exponent << 23) | (int)(NextUInt64() >> 41));
    }

    public float Sign() => Next(2) == 0 ? 1f : -1f;
}

/// <summary>
/// Seeded inputs of one dense-layer call (<see cref="DenseKernelCase"/>), from <see cref="SplitMix64"/> like
/// <see cref="KernelInputs"/>: features in [-2, 2], weights of scale 1.7/√d (logits of order 1), bias in [-1, 1],
/// sigmoid targets (hard and soft) n×k and softmax labels (1 in 5 ignored when the case uses an ignore index), sample,
/// positive and class weights. Odd seeds add extremes: one row in 8 scaled by 1e3 (saturated logits) and one in 8
/// with a feature from <see cref="SpecialFeatures"/> (NaN, ±∞, huge, subnormal, signed zero), and the targets of
/// <see cref="KernelInputs.LogitTarget"/> (reals outside [0, 1], NaN). Outputs are prefilled with
/// <see cref="KernelInputs.Sentinel"/>.
/// </summary>
internal sealed class DenseInputs
{
    public const int IgnoredLabel = -100;

    private static readonly float[] SpecialFeatures =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f, -1e30f, float.MaxValue, float.Epsilon, -0f, 1e-39f,
    ];

    private DenseInputs(int samples, int features, int outputs, bool inputGradient)
    {
        X = new float[samples * features];
        W = new float[features * outputs];
        B = new float[outputs];
        Targets = new float[samples * outputs];
        Labels = new int[samples];
        SampleWeights = new float[samples];
        PositiveWeights = new float[outputs];
        ClassWeights = new float[outputs];
        WeightGradient = new float[features * outputs];
        BiasGradient = new float[outputs];
        InputGradient = inputGradient ? new float[samples * features] : [];
    }

    public float[] X { get; }
    public float[] W { get; }
    public float[] B { get; }
    public float[] Targets { get; }
    public int[] Labels { get; }
    public float[] SampleWeights { get; }
    public float[] PositiveWeights { get; }
    public float[] ClassWeights { get; }
    public float[] WeightGradient { get; }
    public float[] BiasGradient { get; }

    /// <summary>Empty when the case does not compute ∂X.</summary>
    public float[] InputGradient { get; }

    public static DenseInputs Create(int samples, int features, int outputs, int seed, bool inputGradient, bool ignore)
    {
        DenseInputs inputs = new(samples, features, outputs, inputGradient);
        SplitMix64 random = new((ulong)seed);
        bool extremes = (seed & 1) != 0;
        for (int i = 0; i < samples; i++)
        {
            Span<float> row = inputs.X.AsSpan(i * features, features);
            foreach (ref float x in row)
            {
                x = random.Uniform(-2f, 2f);
            }

            if (extremes && features > 0 && random.Next(8) == 0)
            {
                foreach (ref float x in row)
                {
                    x *= 1e3f;
                }
            }

            if (extremes && features > 0 && random.Next(8) == 0)
            {
                row[random.Next(features)] = SpecialFeatures[random.Next(SpecialFeatures.Length)];
            }
        }

        float scale = 1.7f / MathF.Sqrt(Math.Max(features, 1));
        foreach (ref float w in inputs.W.AsSpan())
        {
            w = random.Uniform(-scale, scale);
        }

        foreach (ref float b in inputs.B.AsSpan())
        {
            b = random.Uniform(-1f, 1f);
        }

        foreach (ref float y in inputs.Targets.AsSpan())
        {
            y = extremes ? KernelInputs.LogitTarget(ref random) : random.Next(3) == 0 ? random.Uniform(0f, 1f) : random.Next(2);
        }

        foreach (ref int label in inputs.Labels.AsSpan())
        {
            label = ignore && random.Next(5) == 0 ? IgnoredLabel : random.Next(outputs);
        }

        foreach (ref float weight in inputs.SampleWeights.AsSpan())
        {
            weight = random.Next(8) == 0 ? 0f : random.Uniform(0f, 2f);
        }

        foreach (ref float weight in inputs.PositiveWeights.AsSpan())
        {
            weight = random.Uniform(0.1f, 5f);
        }

        foreach (ref float weight in inputs.ClassWeights.AsSpan())
        {
            weight = random.Uniform(0.1f, 2f);
        }

        inputs.WeightGradient.AsSpan().Fill(KernelInputs.Sentinel);
        inputs.BiasGradient.AsSpan().Fill(KernelInputs.Sentinel);
        inputs.InputGradient.AsSpan().Fill(KernelInputs.Sentinel);
        return inputs;
    }

    /// <summary>The call's result for the hash: the cost, and ∂W, ∂b and ∂X (if computed) as one gradient.</summary>
    public KernelResult Result(float cost) => new(cost, [.. WeightGradient, .. BiasGradient, .. InputGradient], []);
}
