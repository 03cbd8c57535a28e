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
