using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Simd;
using Kernels.Tests.Support;

namespace Kernels.Tests.Internal.Simd;

/// <summary>
/// Which lane width the kernels run on, and that every width computes the same bits. .ci/run runs the suite once per
/// ISA setting and sets KERNELS_EXPECTED_SIMD_WIDTH, so a DOTNET_Enable* knob that silently does nothing fails the run;
/// the instantiation tests below compare all four lane types inside one process (software Vector512 included where
/// the hardware lacks it), so a width-specific bug shows even on a machine or run with a single ISA.
/// </summary>
public class SimdWidthTests(ITestOutputHelper output)
{
    public const string ExpectedWidthVariable = "KERNELS_EXPECTED_SIMD_WIDTH";
    private const int InputCount = 100_000; // a multiple of 16, so every lane type covers every input

    [Fact]
    public void ActiveWidthIsTheExpectedOne()
    {
        // .ci/run reads this line from the TRX report for its per-ISA table.
        output.WriteLine(
            $"SIMD: ActiveSimd.Width={ActiveSimd.Width} Vector512={Vector512.IsHardwareAccelerated} " +
            $"Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated} " +
            $"Fma={Fma.IsSupported} Avx2={Avx2.IsSupported} Avx512F={Avx512F.IsSupported}");

        string? expected = Environment.GetEnvironmentVariable(ExpectedWidthVariable);
        if (string.IsNullOrEmpty(expected))
        {
            output.WriteLine($"{ExpectedWidthVariable} is not set: width reported, not checked.");
            return;
        }

        Assert.True(int.TryParse(expected, out int expectedWidth), $"{ExpectedWidthVariable}='{expected}' is not an integer.");
        Assert.Equal(expectedWidth, ActiveSimd.Width);
    }

    [Fact]
    public void ExpNonPositiveIsTheSameAtEveryWidth()
    {
        // Its domain is x ≤ 0 (every caller passes -|z| or a difference from a maximum); above it the power-of-two
        // scale is not defined (vscalefps and the bit-built scale then differ). The subnormal boundary is added.
        float[] x = Values(1, Wide);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = float.IsNaN(x[i]) ? x[i] : -MathF.Abs(x[i]);
        }

        x[0] = -103.972076f; // ln(2^-150): the last argument that is not flushed by the select of the corrected form
        x[1] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(-103.972076f) + 1);
        x[2] = -110f; // the clamp
        x[3] = -109.99999f;
        AssertEveryWidthAgrees<ExpNonPositive>(x);
    }

    [Fact]
    public void ExpOfDifferenceIsTheSameAtEveryWidth()
    {
        float[] maximum = Values(2, KernelInputs.Logit, Wide), value = Values(3, KernelInputs.Logit, Wide);
        for (int i = 0; i < maximum.Length; i++)
        {
            // Its domain is value ≤ maximum (a row maximum and a row element).
            (maximum[i], value[i]) = value[i] > maximum[i] ? (value[i], maximum[i]) : (maximum[i], value[i]);
        }

        AssertEveryWidthAgrees<ExpOfDifference>(maximum, value);
    }

    [Fact]
    public void TwiceAtanhIsTheSameAtEveryWidth() =>
        AssertEveryWidthAgrees<TwiceAtanh>(Values(4, (ref SplitMix64 random) => random.Uniform(-0.34f, 0.34f), Wide));

    [Fact]
    public void LogUnitIntervalIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<LogUnitInterval>(Values(5, KernelInputs.Probability, Wide));

    [Fact]
    public void Log1pIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<Log1p>(Values(6, (ref SplitMix64 random) => random.Magnitude(0, 254), Wide));

    [Fact]
    public void SigmoidIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<Sigmoid>(Values(7, KernelInputs.Logit, Wide));

    [Fact]
    public void SigmoidCrossEntropyIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<SigmoidCrossEntropy<FlagUnset>>(
        Values(8, KernelInputs.Logit, Wide), Values(9, KernelInputs.LogitTarget, Wide));

    [Fact]
    public void SigmoidCrossEntropyWithPositiveWeightIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<SigmoidCrossEntropy<FlagSet>>(
        Values(10, KernelInputs.Logit, Wide), Values(11, KernelInputs.LogitTarget, Wide), Values(12, PositiveWeight, Wide));

    [Fact]
    public void ProbabilityCrossEntropyIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<ProbabilityCrossEntropy>(
        Values(13, KernelInputs.Probability, Special), Values(14, KernelInputs.ProbabilityTarget, Special));

    [Fact]
    public void QuadraticCostIsTheSameAtEveryWidth() => AssertEveryWidthAgrees<QuadraticCost>(
        Values(15, KernelInputs.Logit, Wide), Values(16, KernelInputs.LogitTarget, Wide));

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(255)]
    public void TryTransposeSquareTransposesOrDeclines(int stride)
    {
        AssertTransposes<ScalarLanes>(stride);
        AssertTransposes<Lanes128>(stride);
        AssertTransposes<Lanes256>(stride);
        AssertTransposes<Lanes512>(stride);
    }

    private void AssertTransposes<T>(int stride) where T : struct, ISimdLanes<T>
    {
        // Distinct bit patterns (NaN payloads and -0 included) so a misplaced or altered element shows.
        float[] source = new float[((T.Count - 1) * stride) + T.Count];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = BitConverter.Int32BitsToSingle(i % 7 == 3 ? 0x7FC00000 + i : i % 11 == 5 ? int.MinValue : 0x3F800000 + i);
        }

        // The destination rows are strided too (a different stride than the source's), with untouched gaps between them.
        int destinationStride = T.Count + 3;
        float[] destination = new float[T.Count * destinationStride];
        Array.Fill(destination, 12345f);
        if (!T.TryTransposeSquare(ref source[0], (nuint)stride, ref destination[0], (nuint)destinationStride))
        {
            Assert.All(destination, value => Assert.Equal(12345f, value));
            output.WriteLine($"{typeof(T).Name}: no register transpose (the caller gathers)");
            return;
        }

        for (int r = 0; r < T.Count; r++)
        {
            for (int c = 0; c < T.Count; c++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(source[(r * stride) + c]), BitConverter.SingleToInt32Bits(destination[(c * destinationStride) + r]));
            }

            for (int gap = T.Count; gap < destinationStride; gap++)
            {
                Assert.Equal(12345f, destination[(r * destinationStride) + gap]);
            }
        }

        output.WriteLine($"{typeof(T).Name}: {T.Count}×{T.Count} register transpose at stride {stride} checked");
    }

    /// <summary>A function of up to three lane values with two results, evaluated the same way for every lane type.</summary>
    private interface ILaneFunction
    {
        static abstract T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T>;
    }

    private readonly struct ExpNonPositive : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            second = LossMath.ExpNonPositive(a);
    }

    private readonly struct ExpOfDifference : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            LossMath.ExpOfDifference(a, b, out second);
    }

    private readonly struct TwiceAtanh : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            second = LossMath.TwiceAtanh(a);
    }

    private readonly struct LogUnitInterval : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            second = LossMath.LogUnitInterval(a);
    }

    private readonly struct Log1p : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            second = LossMath.Log1p(a);
    }

    private readonly struct Sigmoid : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            second = LossMath.Sigmoid(a);
    }

    private readonly struct SigmoidCrossEntropy<THasPositiveWeight> : ILaneFunction where THasPositiveWeight : IStaticFlag
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            THasPositiveWeight.IsSet
                ? new SigmoidCrossEntropyOperator<FlagSet, FlagSet>(new ReadOnlySpan<float>(ref Unsafe.As<T, float>(ref c))).Invoke(a, b, 0, out second)
                : default(SigmoidCrossEntropyOperator<FlagUnset, FlagUnset>).Invoke(a, b, 0, out second);
    }

    /// <summary>The loss and gradient, with the domain mask folded into the loss bits so it is compared too.</summary>
    private readonly struct ProbabilityCrossEntropy : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T>
        {
            T loss = default(ProbabilityCrossEntropyOperator).Invoke(a, b, 0, out second);
            T outOfDomain = T.Or(ProbabilityCrossEntropyOperator.OutOfDomain(a), ProbabilityCrossEntropyOperator.OutOfDomain(b));
            return T.Select(outOfDomain, T.Create(float.NaN), loss);
        }
    }

    private readonly struct QuadraticCost : ILaneFunction
    {
        public static T Apply<T>(T a, T b, T c, out T second) where T : struct, ISimdLanes<T> =>
            default(QuadraticCostOperator).Invoke(a, b, 0, out second);
    }

    /// <summary>Evaluates <typeparamref name="TFunction"/> on every lane type; unused arguments repeat <paramref name="a"/>.</summary>
    private void AssertEveryWidthAgrees<TFunction>(float[] a, float[]? b = null, float[]? c = null) where TFunction : ILaneFunction
    {
        b ??= a;
        c ??= a;
        string name = typeof(TFunction).IsGenericType
            ? $"{typeof(TFunction).Name.Split('`')[0]}<{typeof(TFunction).GetGenericArguments()[0].Name}>"
            : typeof(TFunction).Name;
        (float[] first, float[] second) expected = Evaluate<TFunction, ScalarLanes>(a, b, c);
        Check("Lanes128", Vector128.IsHardwareAccelerated, Evaluate<TFunction, Lanes128>(a, b, c));
        Check("Lanes256", Vector256.IsHardwareAccelerated, Evaluate<TFunction, Lanes256>(a, b, c));
        Check("Lanes512", Vector512.IsHardwareAccelerated, Evaluate<TFunction, Lanes512>(a, b, c));

        string Inputs(int i) => $"inputs {BitwiseAssert.Describe(a[i])}, {BitwiseAssert.Describe(b[i])}, {BitwiseAssert.Describe(c[i])}";

        void Check(string lanes, bool hardware, (float[] First, float[] Second) actual)
        {
            output.WriteLine($"{name}: {lanes} ({(hardware ? "hardware" : "software")}) vs ScalarLanes over {a.Length} inputs");
            BitwiseAssert.Equal(expected.first, actual.First, $"{name}, {lanes} vs ScalarLanes, first result", Inputs);
            BitwiseAssert.Equal(expected.second, actual.Second, $"{name}, {lanes} vs ScalarLanes, second result", Inputs);
        }
    }

    private static (float[] First, float[] Second) Evaluate<TFunction, T>(float[] a, float[] b, float[] c)
        where TFunction : ILaneFunction
        where T : struct, ISimdLanes<T>
    {
        float[] first = new float[a.Length], second = new float[a.Length];
        for (int i = 0; i < a.Length; i += T.Count)
        {
            nuint at = (nuint)i;
            T result = TFunction.Apply(T.Load(ref a[0], at), T.Load(ref b[0], at), T.Load(ref c[0], at), out T other);

            // The drivers canonicalize NaN before anything is written (NaN sign and payload depend on operand order,
            // which the JIT and software FMA choose per width); compare what they write, not the raw NaN bits.
            T.Store(LossMath.CanonicalNaN(result), ref first[0], at);
            T.Store(LossMath.CanonicalNaN(other), ref second[0], at);
        }

        return (first, second);
    }

    /// <summary><see cref="InputCount"/> values: mostly from <paramref name="typical"/>, one in eight from <paramref name="unusual"/>.</summary>
    private static float[] Values(int seed, KernelInputs.Generator typical, KernelInputs.Generator? unusual = null)
    {
        SplitMix64 random = new((ulong)seed);
        float[] values = new float[InputCount];
        foreach (ref float value in values.AsSpan())
        {
            value = unusual is not null && random.Next(8) == 0 ? unusual(ref random) : typical(ref random);
        }

        return values;
    }

    /// <summary>Any float: every exponent (subnormals included), both signs, ±0, ±∞ and NaNs with different payloads.</summary>
    private static float Wide(ref SplitMix64 random) => random.Next(16) switch
    {
        0 => Special(ref random),
        _ => random.Magnitude(0, 254) * random.Sign(),
    };

    private static float Special(ref SplitMix64 random) => random.Next(10) switch
    {
        0 => 0f,
        1 => -0f,
        2 => float.PositiveInfinity,
        3 => float.NegativeInfinity,
        4 => float.NaN,
        5 => BitConverter.Int32BitsToSingle(0x7FC00000), // positive quiet NaN (float.NaN is negative on .NET)
        6 => BitConverter.Int32BitsToSingle(0x7FC12345), // quiet NaN with a payload
        7 => float.Epsilon,
        8 => -float.Epsilon,
        _ => -87.3365479f, // the exp helper's subnormal cut-off
    };

    private static float PositiveWeight(ref SplitMix64 random) => random.Next(2) == 0 ? 1f : random.Uniform(0.1f, 5f);
}
