using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Bad arguments of <see cref="LogisticRegression"/>: every documented exception (type and parameter name), thrown
/// before anything is written — the whole arena holding every input and output is compared bit for bit before and
/// after. n comes from the targets (CostAndGradient) or the probabilities (Predict), d from the weights, so a
/// targets or probabilities length that does not match the features is reported as "features ≠ n·d". Outputs must
/// not overlap an input at all (not even exactly); the valid calls, with outputs flush against their inputs in one
/// arena, give the bits of calls on separate arrays. The reference (<see cref="Kernels.Reference.LogisticRegression"/>)
/// must throw the same exceptions, also before writing anything.
/// </summary>
public class LogisticRegressionArgumentTests
{
    // n = 3 samples, d = 4 features; every span at a fixed offset of one arena, gaps of 4 floats.
    private const int N = 3, D = 4;
    private const int X = 0, W = 16, Y = 24, GW = 31, P = 39, Length = 46;

    /// <summary>A call described by offsets and lengths into the arena.</summary>
    public sealed record Call(
        string Name, int X = X, int Xn = N * D, int W = W, int Wn = D, int Y = Y, int Yn = N, int GW = GW, int GWn = D,
        int P = P, int Pn = N, Reduction Reduction = Reduction.Mean)
    {
        public override string ToString() => Name;

        public float CostAndGradient(float[] a) =>
            LogisticRegression.CostAndGradient(a.AsSpan(X, Xn), a.AsSpan(W, Wn), 0.25f, a.AsSpan(Y, Yn), a.AsSpan(GW, GWn), out _, Reduction);

        public void Predict(float[] a) => LogisticRegression.Predict(a.AsSpan(X, Xn), a.AsSpan(W, Wn), 0.25f, a.AsSpan(P, Pn));

        /// <summary>The same call on the reference, which shares the kernel's validation code.</summary>
        public float ReferenceCostAndGradient(float[] a) =>
            Kernels.Reference.LogisticRegression.CostAndGradient(a.AsSpan(X, Xn), a.AsSpan(W, Wn), 0.25f, a.AsSpan(Y, Yn), a.AsSpan(GW, GWn), out _, Reduction);

        public void ReferencePredict(float[] a) => Kernels.Reference.LogisticRegression.Predict(a.AsSpan(X, Xn), a.AsSpan(W, Wn), 0.25f, a.AsSpan(P, Pn));
    }

    public static TheoryData<Call, Type, string> CostAndGradientCases() => new()
    {
        { new("features shorter than n·d", Xn: (N * D) - 1), typeof(ArgumentException), "features" },
        { new("features longer than n·d", Xn: (N * D) + 1), typeof(ArgumentException), "features" },
        { new("targets: one too many rows", Yn: N + 1), typeof(ArgumentException), "features" },
        { new("targets: one row too few", Yn: N - 1), typeof(ArgumentException), "features" },
        { new("n = 0 with features", Yn: 0), typeof(ArgumentException), "features" },
        { new("d = 0 with features", Wn: 0, GWn: 0), typeof(ArgumentException), "features" },
        { new("weights: one too many (features no longer n·d)", Wn: D + 1, GWn: D + 1), typeof(ArgumentException), "features" },
        { new("weight gradient shorter", GWn: D - 1), typeof(ArgumentException), "weightGradient" },
        { new("weight gradient longer", GWn: D + 1), typeof(ArgumentException), "weightGradient" },
        { new("weight gradient empty", GWn: 0), typeof(ArgumentException), "weightGradient" },
        { new("∂w overlaps the end of the features", GW: X + (N * D) - 1), typeof(ArgumentException), "weightGradient" },
        { new("∂w inside the features", GW: X + 3), typeof(ArgumentException), "weightGradient" },
        { new("∂w is exactly the weights", GW: W), typeof(ArgumentException), "weightGradient" },
        { new("∂w overlaps the start of the weights", GW: W - 2), typeof(ArgumentException), "weightGradient" },
        { new("∂w overlaps the end of the weights", GW: W + D - 1), typeof(ArgumentException), "weightGradient" },
        { new("∂w overlaps the targets", GW: Y + 1), typeof(ArgumentException), "weightGradient" },
        { new("∂w overlaps the start of the targets", GW: Y - D + 1), typeof(ArgumentException), "weightGradient" },
        { new("reduction", Reduction: (Reduction)7), typeof(ArgumentOutOfRangeException), "reduction" },
        { new("reduction, negative", Reduction: (Reduction)(-1)), typeof(ArgumentOutOfRangeException), "reduction" },
    };

    public static TheoryData<Call, Type, string> PredictCases() => new()
    {
        { new("features shorter than n·d", Xn: (N * D) - 1), typeof(ArgumentException), "features" },
        { new("features longer than n·d", Xn: (N * D) + 1), typeof(ArgumentException), "features" },
        { new("probabilities: one too many", Pn: N + 1), typeof(ArgumentException), "features" },
        { new("probabilities: one too few", Pn: N - 1), typeof(ArgumentException), "features" },
        { new("probabilities empty with features", Pn: 0), typeof(ArgumentException), "features" },
        { new("d = 0 with features", Wn: 0), typeof(ArgumentException), "features" },
        { new("probabilities are exactly the first features", P: X), typeof(ArgumentException), "probabilities" },
        { new("probabilities overlap the end of the features", P: X + (N * D) - 2), typeof(ArgumentException), "probabilities" },
        { new("probabilities overlap the weights", P: W + 1), typeof(ArgumentException), "probabilities" },
        { new("probabilities overlap the start of the weights", P: W - N + 1), typeof(ArgumentException), "probabilities" },
    };

    [Theory]
    [MemberData(nameof(CostAndGradientCases))]
    public void CostAndGradient_BadArguments_ThrowBeforeWriting(Call call, Type exception, string parameter)
    {
        foreach (bool reference in (bool[])[false, true])
        {
            float[] arena = Arena();
            float[] before = (float[])arena.Clone();
            ArgumentException thrown = (ArgumentException)Assert.Throws(exception, () => reference ? call.ReferenceCostAndGradient(arena) : call.CostAndGradient(arena));
            Assert.Equal(parameter, thrown.ParamName);
            Bitwise.AssertEqual(before, arena, $"{(reference ? "reference" : "kernel")} {call}: arena after the throw");
        }
    }

    [Theory]
    [MemberData(nameof(PredictCases))]
    public void Predict_BadArguments_ThrowBeforeWriting(Call call, Type exception, string parameter)
    {
        foreach (bool reference in (bool[])[false, true])
        {
            float[] arena = Arena();
            float[] before = (float[])arena.Clone();
            ArgumentException thrown = (ArgumentException)Assert.Throws(exception, () =>
            {
                if (reference)
                {
                    call.ReferencePredict(arena);
                }
                else
                {
                    call.Predict(arena);
                }
            });
            Assert.Equal(parameter, thrown.ParamName);
            Bitwise.AssertEqual(before, arena, $"{(reference ? "reference" : "kernel")} {call}: arena after the throw");
        }
    }

    [Fact]
    public void OutputsMayOverlapTheOtherMethodsSpans_AndTouchTheirInputs()
    {
        // Predict's probabilities may lie on the targets (Predict has no targets), and ∂w may touch an input at
        // either end (adjacent, not overlapping): both are valid.
        float[] arena = Arena();
        LogisticRegression.Predict(arena.AsSpan(X, N * D), arena.AsSpan(W, D), 0.25f, arena.AsSpan(Y, N));
        LogisticRegression.CostAndGradient(arena.AsSpan(X, N * D), arena.AsSpan(W, D), 0.25f, arena.AsSpan(Y, N), arena.AsSpan(W + D, D), out _);
        LogisticRegression.CostAndGradient(arena.AsSpan(X, N * D), arena.AsSpan(W, D), 0.25f, arena.AsSpan(Y, N), arena.AsSpan(X + (N * D), D), out _);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void ValidCalls_WriteOnlyTheirOutputs_WithTheBitsOfCallsOnSeparateArrays(Reduction reduction)
    {
        // The arena layout itself is valid: both calls succeed, change nothing but ∂w and the probabilities, and
        // give the same bits as the same inputs in arrays of their own (outputs that alias nothing).
        float[] arena = Arena();
        float[] before = (float[])arena.Clone();
        Call call = new("valid", Reduction: reduction);
        float cost = LogisticRegression.CostAndGradient(arena.AsSpan(X, N * D), arena.AsSpan(W, D), 0.25f, arena.AsSpan(Y, N), arena.AsSpan(GW, D), out float biasGradient, reduction);
        call.Predict(arena);
        for (int i = 0; i < Length; i++)
        {
            if (i is not (>= GW and < GW + D or >= P and < P + N))
            {
                Bitwise.AssertEqual(before[i], arena[i], $"arena[{i}]");
            }
        }

        float[] x = before[X..(X + (N * D))], w = before[W..(W + D)], y = before[Y..(Y + N)], gw = new float[D], p = new float[N];
        float separateCost = LogisticRegression.CostAndGradient(x, w, 0.25f, y, gw, out float separateBias, reduction);
        LogisticRegression.Predict(x, w, 0.25f, p);
        Bitwise.AssertEqual(separateCost, cost, "cost");
        Bitwise.AssertEqual(separateBias, biasGradient, "∂b");
        Bitwise.AssertEqual(gw, arena.AsSpan(GW, D), "∂w");
        Bitwise.AssertEqual(p, arena.AsSpan(P, N), "probabilities");
    }

    [Fact]
    public void WeightGradient_AdjacentToEveryInput_GivesTheSameBitsAsSeparateArrays()
    {
        // One contiguous buffer [features | weights | targets | ∂w] and the reverse order [∂w | targets | weights |
        // features], for a shape crossing a 64-row block pair (n = 70, d = 9): outputs flush against inputs, on both
        // sides, give the bits of separate arrays.
        LrProblem p = LrProblem.Create(70, 9, 8);
        LrResult separate = Lr.Fast(p, Reduction.Mean);
        int nd = p.X.Length, d = p.Features, n = p.Samples;
        float[] forward = [.. p.X, .. p.W, .. p.Y, .. new float[d]];
        float cost = LogisticRegression.CostAndGradient(forward.AsSpan(0, nd), forward.AsSpan(nd, d), p.B, forward.AsSpan(nd + d, n), forward.AsSpan(nd + d + n, d), out float bias);
        Bitwise.AssertEqual(separate.All, [cost, .. forward.AsSpan(nd + d + n, d), bias], "[X|w|y|∂w]");
        float[] backward = [.. new float[d], .. p.Y, .. p.W, .. p.X];
        cost = LogisticRegression.CostAndGradient(backward.AsSpan(d + n + d, nd), backward.AsSpan(d + n, d), p.B, backward.AsSpan(d, n), backward.AsSpan(0, d), out bias);
        Bitwise.AssertEqual(separate.All, [cost, .. backward.AsSpan(0, d), bias], "[∂w|y|w|X]");
        float[] predicted = [.. new float[n], .. p.X, .. p.W];
        LogisticRegression.Predict(predicted.AsSpan(n, nd), predicted.AsSpan(n + nd, d), p.B, predicted.AsSpan(0, n));
        Bitwise.AssertEqual(separate.Probabilities, predicted.AsSpan(0, n), "[p|X|w]");
    }

    private static float[] Arena()
    {
        float[] arena = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            arena[i] = 1000f + i; // outputs and gaps: sentinels that no kernel would write
        }

        Random random = new(4);
        for (int i = 0; i < N * D; i++)
        {
            arena[X + i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (int i = 0; i < D; i++)
        {
            arena[W + i] = (float)(random.NextDouble() - 0.5);
        }

        for (int i = 0; i < N; i++)
        {
            arena[Y + i] = i % 2;
        }

        return arena;
    }
}
