using System.Runtime.InteropServices;

namespace Kernels.Tests;

/// <summary>
/// Bad arguments of the dense layers, for the fast classes and the references alike: every documented exception
/// (type and parameter name), thrown before anything is written — the whole arena holding every input and output
/// is compared bit for bit before and after. There is no in-place form: any overlap of an output with an input
/// (labels and class weights included) or with another output throws.
/// </summary>
public class DenseLayerArgumentTests
{
    // n = 3 samples, d = 2 features, k = 2 outputs; every span at a fixed offset of one arena, gaps of 4 floats.
    private const int N = 3, D = 2, K = 2;
    private const int X = 0, W = 10, B = 18, Y = 24, SW = 34, PW = 41, GW = 47, GB = 55, GX = 61, L = 71, CW = 78, Length = 84;

    public delegate float Sigmoid(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient, Reduction reduction);

    public delegate float Softmax(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels, Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient, SoftmaxCrossEntropyOptions options, Reduction reduction);

    private static Sigmoid SigmoidOf(string implementation) => implementation == "fast" ? DenseSigmoidCrossEntropy.CostAndGradient : Kernels.Reference.DenseSigmoidCrossEntropy.CostAndGradient;

    private static Softmax SoftmaxOf(string implementation) => implementation == "fast" ? DenseSoftmaxCrossEntropy.CostAndGradient : Kernels.Reference.DenseSoftmaxCrossEntropy.CostAndGradient;

    /// <summary>A sigmoid call described by offsets and lengths into the arena (-1 length: the default shape).</summary>
    public sealed record SigmoidCall(
        string Name, int X = X, int Xn = N * D, int W = W, int Wn = D * K, int B = B, int Bn = K, int Y = Y, int Yn = N * K,
        int SW = SW, int SWn = N, int PW = PW, int PWn = K, int GW = GW, int GWn = D * K, int GB = GB, int GBn = K, int GX = GX, int GXn = N * D,
        Reduction Reduction = Reduction.Mean)
    {
        public override string ToString() => Name;

        public float Invoke(Sigmoid method, float[] a) => method(
            a.AsSpan(X, Xn), a.AsSpan(W, Wn), a.AsSpan(B, Bn), a.AsSpan(Y, Yn), a.AsSpan(SW, SWn), a.AsSpan(PW, PWn),
            a.AsSpan(GW, GWn), a.AsSpan(GB, GBn), a.AsSpan(GX, GXn), Reduction);
    }

    /// <summary>A softmax call described by offsets into the arena; the labels live at <see cref="L"/> as ints.</summary>
    public sealed record SoftmaxCall(
        string Name, int X = X, int Xn = N * D, int W = W, int Wn = D * K, int B = B, int Bn = K, int L = L, int Ln = N,
        int GW = GW, int GWn = D * K, int GB = GB, int GBn = K, int GX = GX, int GXn = N * D, int CW = CW, int CWn = 0,
        float Smoothing = 0f, float ZLoss = 0f, int? Ignore = null, Reduction Reduction = Reduction.Mean)
    {
        public override string ToString() => Name;

        public float Invoke(Softmax method, float[] a)
        {
            SoftmaxCrossEntropyOptions options = new() { ClassWeights = a.AsSpan(CW, CWn), LabelSmoothing = Smoothing, ZLossWeight = ZLoss, IgnoreIndex = Ignore };
            return method(
                a.AsSpan(X, Xn), a.AsSpan(W, Wn), a.AsSpan(B, Bn), MemoryMarshal.Cast<float, int>(a.AsSpan(L, Ln)),
                a.AsSpan(GW, GWn), a.AsSpan(GB, GBn), a.AsSpan(GX, GXn), options, Reduction);
        }
    }

    public static TheoryData<string, SigmoidCall, Type, string> SigmoidCases()
    {
        (SigmoidCall Call, Type Exception, string Parameter)[] cases =
        [
            (new("empty bias", Bn: 0), typeof(ArgumentException), "bias"),
            (new("targets not n·k", Yn: 5), typeof(ArgumentException), "targets"),
            (new("features not a multiple of n", Xn: 5), typeof(ArgumentException), "features"),
            (new("weights not d·k", Wn: 3), typeof(ArgumentException), "weights"),
            (new("n = 0 with features", Yn: 0, SWn: 0, GXn: 0), typeof(ArgumentException), "features"),
            (new("n = 0, weights not a multiple of k", Xn: 0, Yn: 0, SWn: 0, GXn: 0, Wn: 3, GWn: 2), typeof(ArgumentException), "weights"),
            (new("sample weights", SWn: 2), typeof(ArgumentException), "sampleWeights"),
            (new("positive weights", PWn: 3), typeof(ArgumentException), "positiveWeights"),
            (new("weight gradient length", GWn: 3), typeof(ArgumentException), "weightGradient"),
            (new("bias gradient length", GBn: 1), typeof(ArgumentException), "biasGradient"),
            (new("input gradient length", GXn: 5), typeof(ArgumentException), "inputGradient"),
            (new("reduction", Reduction: (Reduction)7), typeof(ArgumentOutOfRangeException), "reduction"),
            (new("∂W overlaps features", GW: X + 3), typeof(ArgumentException), "weightGradient"),
            (new("∂W is the weights", GW: W), typeof(ArgumentException), "weightGradient"),
            (new("∂W overlaps bias", GW: B - 1), typeof(ArgumentException), "weightGradient"),
            (new("∂W overlaps targets", GW: Y + 5), typeof(ArgumentException), "weightGradient"),
            (new("∂W overlaps sample weights", GW: SW + 2), typeof(ArgumentException), "weightGradient"),
            (new("∂W overlaps positive weights", GW: PW - 3), typeof(ArgumentException), "weightGradient"),
            (new("∂b is the bias", GB: B), typeof(ArgumentException), "biasGradient"),
            (new("∂b overlaps features", GB: X + 5), typeof(ArgumentException), "biasGradient"),
            (new("∂b overlaps ∂W", GB: GW + 3), typeof(ArgumentException), "biasGradient"),
            (new("∂X is the features", GX: X), typeof(ArgumentException), "inputGradient"),
            (new("∂X overlaps targets", GX: Y + 1), typeof(ArgumentException), "inputGradient"),
            (new("∂X overlaps weights", GX: W - 2), typeof(ArgumentException), "inputGradient"),
            (new("∂X overlaps ∂W", GX: GW + 2), typeof(ArgumentException), "inputGradient"),
            (new("∂X overlaps ∂b", GX: GB - 4), typeof(ArgumentException), "inputGradient"),
        ];
        TheoryData<string, SigmoidCall, Type, string> data = [];
        foreach (string implementation in (string[])["fast", "reference"])
        {
            foreach ((SigmoidCall call, Type exception, string parameter) in cases)
            {
                data.Add(implementation, call, exception, parameter);
            }
        }

        return data;
    }

    public static TheoryData<string, SoftmaxCall, Type, string> SoftmaxCases()
    {
        (SoftmaxCall Call, Type Exception, string Parameter)[] cases =
        [
            (new("empty bias", Bn: 0), typeof(ArgumentException), "bias"),
            (new("features not a multiple of n", Xn: 4, Ln: 3, GXn: 0), typeof(ArgumentException), "features"),
            (new("weights not d·k", Wn: 5), typeof(ArgumentException), "weights"),
            (new("class weights", CWn: 3), typeof(ArgumentException), "options.ClassWeights"),
            (new("weight gradient length", GWn: 5), typeof(ArgumentException), "weightGradient"),
            (new("bias gradient length", GBn: 3), typeof(ArgumentException), "biasGradient"),
            (new("input gradient length", GXn: 7), typeof(ArgumentException), "inputGradient"),
            (new("smoothing > 1", Smoothing: 1.5f), typeof(ArgumentOutOfRangeException), "options.LabelSmoothing"),
            (new("smoothing NaN", Smoothing: float.NaN), typeof(ArgumentOutOfRangeException), "options.LabelSmoothing"),
            (new("negative z-loss", ZLoss: -1f), typeof(ArgumentOutOfRangeException), "options.ZLossWeight"),
            (new("reduction", Reduction: (Reduction)(-1)), typeof(ArgumentOutOfRangeException), "reduction"),
            (new("∂W overlaps labels", GW: L + 1), typeof(ArgumentException), "weightGradient"),
            (new("∂W overlaps class weights", GW: CW - 1, CWn: 2), typeof(ArgumentException), "weightGradient"),
            (new("∂W is the weights", GW: W), typeof(ArgumentException), "weightGradient"),
            (new("∂b overlaps labels", GB: L + 2), typeof(ArgumentException), "biasGradient"),
            (new("∂X is the features", GX: X), typeof(ArgumentException), "inputGradient"),
            (new("∂X overlaps bias", GX: B - 3), typeof(ArgumentException), "inputGradient"),
            (new("∂X overlaps ∂W", GX: GW + 2), typeof(ArgumentException), "inputGradient"),
        ];
        TheoryData<string, SoftmaxCall, Type, string> data = [];
        foreach (string implementation in (string[])["fast", "reference"])
        {
            foreach ((SoftmaxCall call, Type exception, string parameter) in cases)
            {
                data.Add(implementation, call, exception, parameter);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SigmoidCases))]
    public void Sigmoid_BadArguments_ThrowBeforeWriting(string implementation, SigmoidCall call, Type exception, string parameter)
    {
        float[] arena = Arena(labels: [0, 1, 1]);
        float[] before = (float[])arena.Clone();
        ArgumentException thrown = (ArgumentException)Assert.Throws(exception, () => call.Invoke(SigmoidOf(implementation), arena));
        Assert.Equal(parameter, thrown.ParamName);
        Assert.Equal(before, arena);
    }

    [Theory]
    [MemberData(nameof(SoftmaxCases))]
    public void Softmax_BadArguments_ThrowBeforeWriting(string implementation, SoftmaxCall call, Type exception, string parameter)
    {
        float[] arena = Arena(labels: [0, 1, 1]);
        float[] before = (float[])arena.Clone();
        ArgumentException thrown = (ArgumentException)Assert.Throws(exception, () => call.Invoke(SoftmaxOf(implementation), arena));
        Assert.Equal(parameter, thrown.ParamName);
        Assert.Equal(before, arena);
    }

    [Theory]
    [InlineData("fast", 2, null)]
    [InlineData("fast", -1, null)]
    [InlineData("fast", -100, -1)]
    [InlineData("reference", 2, null)]
    [InlineData("reference", -1, -100)]
    public void Softmax_LabelOutOfRange_ThrowsBeforeWriting(string implementation, int badLabel, int? ignoreIndex)
    {
        float[] arena = Arena(labels: [0, badLabel, 1]);
        float[] before = (float[])arena.Clone();
        SoftmaxCall call = new("label", Ignore: ignoreIndex);
        ArgumentOutOfRangeException thrown = Assert.Throws<ArgumentOutOfRangeException>(() => call.Invoke(SoftmaxOf(implementation), arena));
        Assert.Equal("labels", thrown.ParamName);
        Assert.Equal(before, arena);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("reference")]
    public void ValidCalls_WriteOnlyTheirOutputs(string implementation)
    {
        // The arena layout itself is valid: both calls succeed and change nothing but ∂W, ∂b and ∂X.
        float[] arena = Arena(labels: [0, 1, -7]);
        float[] before = (float[])arena.Clone();
        new SigmoidCall("valid").Invoke(SigmoidOf(implementation), arena);
        new SoftmaxCall("valid", CWn: 2, Ignore: -7).Invoke(SoftmaxOf(implementation), arena);
        for (int i = 0; i < Length; i++)
        {
            bool output = i is >= GW and < GW + (D * K) or >= GB and < GB + K or >= GX and < GX + (N * D);
            if (!output)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(arena[i]));
            }
        }
    }

    private static float[] Arena(int[] labels)
    {
        float[] arena = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            arena[i] = 1000f + i; // outputs and gaps: sentinels that no kernel would write
        }

        Random random = new(4);
        for (int i = 0; i < N * D; i++)
        {
            arena[X + i] = (float)(random.NextDouble() * 2 - 1);
        }

        for (int i = 0; i < D * K; i++)
        {
            arena[W + i] = (float)(random.NextDouble() - 0.5);
        }

        arena[B] = 0.1f;
        arena[B + 1] = -0.2f;
        for (int i = 0; i < N * K; i++)
        {
            arena[Y + i] = i % 2;
        }

        arena.AsSpan(SW, N).Fill(1.5f);
        arena.AsSpan(PW, K).Fill(2f);
        arena.AsSpan(CW, 2).Fill(0.5f);
        labels.CopyTo(MemoryMarshal.Cast<float, int>(arena.AsSpan(L, N)));
        return arena;
    }
}
