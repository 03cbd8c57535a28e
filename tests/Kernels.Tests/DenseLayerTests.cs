using System.Globalization;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// The fused dense layers (<see cref="DenseSigmoidCrossEntropy"/>, <see cref="DenseSoftmaxCrossEntropy"/>): against
/// the double references within first-order error bounds (<see cref="DenseBounds"/>), bit for bit against a scalar
/// model of the documented summation order, the n = 2^20 accuracy of the blocked ∂W sums, alignment independence,
/// NaN propagation, empty batches and allocation.
/// </summary>
public class DenseLayerTests
{
    /// <summary>
    /// (n, d, k): single rows and outputs; n below, at and around the 16-row block and the 32-row loss batch; d and k
    /// from 1 to ~40 (k = 16 and 17 around the vector width, k = 33 a wide softmax row, k = 70 wide tiles for Z and ∂W;
    /// d = 64 and 67 wide tiles for ∂X).
    /// </summary>
    public static readonly (int N, int D, int K)[] Shapes =
    [
        (1, 1, 1), (3, 2, 5), (16, 7, 16), (17, 13, 17), (31, 40, 3), (33, 5, 33), (50, 64, 10), (37, 67, 9), (20, 3, 70), (70, 24, 2),
    ];

    public static TheoryData<DenseHead, int> Cases()
    {
        TheoryData<DenseHead, int> cases = [];
        foreach (DenseHead head in Enum.GetValues<DenseHead>())
        {
            for (int shape = 0; shape < Shapes.Length; shape++)
            {
                cases.Add(head, shape);
            }
        }

        return cases;
    }

    /// <summary>The variants of one shape: weights and options on and off, both reductions.</summary>
    private static IEnumerable<(DenseProblem Problem, Reduction Reduction, bool InputGradient)> Variants(DenseHead head, int shape)
    {
        (int n, int d, int k) = Shapes[shape];
        int seed = 1000 * (shape + 1) + (int)head;
        for (int variant = 0; variant < 4; variant++)
        {
            DenseProblem problem = head == DenseHead.Sigmoid
                ? DenseProblem.Create(head, n, d, k, seed + variant, sampleWeights: (variant & 1) != 0, positiveWeights: (variant & 2) != 0, logitScale: variant == 3 ? 6f : 1f)
                : variant switch
                {
                    0 => DenseProblem.Create(head, n, d, k, seed + variant),
                    1 => DenseProblem.Create(head, n, d, k, seed + variant, smoothing: 0.1f, ignore: true),
                    2 => DenseProblem.Create(head, n, d, k, seed + variant, classWeights: true, zLoss: 1e-3f),
                    _ => DenseProblem.Create(head, n, d, k, seed + variant, smoothing: 0.05f, classWeights: true, ignore: true, logitScale: 6f),
                };
            yield return (problem, variant % 2 == 0 ? Reduction.Mean : Reduction.Sum, variant != 2);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheReference_WithinFirstOrderErrorBounds(DenseHead head, int shape)
    {
        ErrorLog cost = new("cost"), weights = new("∂C/∂W"), bias = new("∂C/∂b"), inputs = new("∂C/∂X");
        foreach ((DenseProblem p, Reduction reduction, bool inputGradient) in Variants(head, shape))
        {
            DenseResult fast = DenseLayer.Fast(head, p, reduction, inputGradient);
            Kernels.Reference.DenseLayerEvaluation exact = DenseLayer.Evaluate(head, p, reduction);
            DenseBounds.Bounds bounds = DenseBounds.Compute(head, p, exact);
            string where = $"{p} {reduction}";
            Check(cost, fast.Cost, exact.Cost, bounds.Cost, () => where);
            for (int i = 0; i < fast.WeightGradient.Length; i++)
            {
                Check(weights, fast.WeightGradient[i], exact.WeightGradient[i], bounds.WeightGradient[i], () => $"{where} W[{i / p.Outputs},{i % p.Outputs}]");
            }

            for (int i = 0; i < fast.BiasGradient.Length; i++)
            {
                Check(bias, fast.BiasGradient[i], exact.BiasGradient[i], bounds.BiasGradient[i], () => $"{where} b[{i}]");
            }

            for (int i = 0; i < fast.InputGradient.Length; i++)
            {
                Check(inputs, fast.InputGradient[i], exact.InputGradient[i], bounds.InputGradient[i], () => $"{where} X[{i / p.Features},{i % p.Features}]");
            }

            // The reference's own float outputs are its double results rounded once.
            DenseResult reference = DenseLayer.Reference(head, p, reduction, inputGradient);
            Assert.Equal((float)exact.Cost, reference.Cost);
            Assert.Equal(exact.WeightGradient.Select(v => (float)v), reference.WeightGradient);
            Assert.Equal(exact.BiasGradient.Select(v => (float)v), reference.BiasGradient);
            Assert.Equal(inputGradient ? exact.InputGradient.Select(v => (float)v) : [], reference.InputGradient);
        }

        // Scores are error/bound: ≤ 1 passes. The bounds are worst-case first-order sums, so typical scores are far below 1.
        TestOutput.WriteLine($"{head} shape {Shapes[shape]} (worst error in units of its bound):\n  {cost.Summary()}\n  {weights.Summary()}\n  {bias.Summary()}\n  {inputs.Summary()}");
        Assert.Empty(cost.Failures.Concat(weights.Failures).Concat(bias.Failures).Concat(inputs.Failures));

        static void Check(ErrorLog log, float actual, double exact, double bound, Func<string> where)
        {
            double error = SoftmaxComparison.AbsoluteError(actual, exact);
            log.Add(error, bound, bound > 0 ? bound : 1, where);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDocumentedSummationOrder_BitForBit(DenseHead head, int shape)
    {
        // z, G, ∂W (blocks of 16 rows, groups of 32 blocks), ∂b and ∂X follow orders fixed by indices alone: a scalar
        // model of them gives exactly the kernel's bits, on every ISA. G comes from the public loss kernels applied
        // to the model's z, which is the documented equivalence.
        foreach ((DenseProblem p, Reduction reduction, bool inputGradient) in Variants(head, shape))
        {
            DenseResult fast = DenseLayer.Fast(head, p, reduction, inputGradient);
            DenseResult model = DenseLayer.Model(head, p, reduction, inputGradient);
            AssertSameOutputs(head, model, fast, $"{p} {reduction}");
        }
    }

    [Theory]
    [InlineData(DenseHead.Sigmoid)]
    [InlineData(DenseHead.Softmax)]
    public void GroupsOfBlocks_MatchTheModel_BeyondOneGroup(DenseHead head)
    {
        // 1100 rows: two full groups of 32 blocks of 16 rows, a partial group and a partial block.
        DenseProblem p = DenseProblem.Create(head, 1100, 9, 4, 77, sampleWeights: head == DenseHead.Sigmoid, ignore: head == DenseHead.Softmax);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            AssertSameOutputs(head, DenseLayer.Model(head, p, reduction, true), DenseLayer.Fast(head, p, reduction, true), $"{p} {reduction}");
        }
    }

    private static void AssertSameOutputs(DenseHead head, DenseResult expected, DenseResult actual, string context)
    {
        if (head == DenseHead.Softmax || !float.IsNaN(expected.Cost))
        {
            Bitwise.AssertEqual(expected.Cost, actual.Cost, $"{context}: cost");
        }

        Bitwise.AssertEqual(expected.WeightGradient, actual.WeightGradient, $"{context}: ∂C/∂W");
        Bitwise.AssertEqual(expected.BiasGradient, actual.BiasGradient, $"{context}: ∂C/∂b");
        Bitwise.AssertEqual(expected.InputGradient, actual.InputGradient, $"{context}: ∂C/∂X");
    }

    [Fact]
    public void BlockedGradientSums_AreAccurate_AtTwoToTheTwentyRows()
    {
        // The accuracy target: n = 2^20, d = 64, one output; every ∂C/∂w_j within 1e-5 relative (or 1e-7
        // absolute near 0) of the double reference.
        const int N = 1 << 20, D = 64;
        float[] bias = [0.25f];
        (float[] features, float[] weights, float[] targets) = LogisticProblem.Create(N, D, bias[0], seed: 12345);

        float[] weightGradient = new float[D], biasGradient = new float[1];
        DenseSigmoidCrossEntropy.CostAndGradient(features, weights, bias, targets, default, default, weightGradient, biasGradient, default);

        // The exact gradient in double, row by row (the reference's arithmetic, without its n×d intermediates).
        double[] exact = new double[D];
        double exactBias = 0;
        for (int i = 0; i < N; i++)
        {
            double z = bias[0];
            ReadOnlySpan<float> x = features.AsSpan(i * D, D);
            for (int j = 0; j < D; j++)
            {
                z += (double)x[j] * weights[j];
            }

            Kernels.Reference.BinaryCrossEntropy.LogitLoss(z, targets[i], 1, out double g);
            g /= N;
            exactBias += g;
            for (int j = 0; j < D; j++)
            {
                exact[j] += x[j] * g;
            }
        }

        double worstRelative = 0, smallest = double.PositiveInfinity;
        List<string> failures = [];
        for (int j = 0; j < D; j++)
        {
            double error = Math.Abs(weightGradient[j] - exact[j]);
            double relative = error / Math.Abs(exact[j]);
            worstRelative = Math.Max(worstRelative, relative);
            smallest = Math.Min(smallest, Math.Abs(exact[j]));
            if (!(relative <= 1e-5 || error <= 1e-7))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"∂w[{j}] = {weightGradient[j]:R}, exact {exact[j]:R} ({relative:G3} relative)"));
            }
        }

        double biasRelative = Math.Abs(biasGradient[0] - exactBias) / Math.Abs(exactBias);
        TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"n = 2^20, d = 64: worst ∂w relative error {worstRelative:G3} (smallest |∂w_j| {smallest:G3}); ∂b relative error {biasRelative:G3}"));
        Assert.Empty(failures);
        Assert.True(biasRelative <= 1e-5, $"∂b relative error {biasRelative}");
    }

    [Theory]
    [InlineData(DenseHead.Sigmoid)]
    [InlineData(DenseHead.Softmax)]
    public void Outputs_AreBitIdentical_WhateverTheAlignmentOfTheSpans(DenseHead head)
    {
        // Every input and output shifted by 0…15 floats within its array (the cross-ISA part is the CI's hash check,
        // and MatchesTheDocumentedSummationOrder_BitForBit, whose model knows no vector width).
        DenseProblem p = DenseProblem.Create(head, 45, 19, 11, 5, sampleWeights: true, positiveWeights: true, smoothing: 0.1f, classWeights: true, ignore: true);
        float[]? first = null;
        for (int shift = 0; shift < 16; shift++)
        {
            Span<float> x = Shifted(p.X, shift), w = Shifted(p.W, (shift * 3) % 16), b = Shifted(p.B, (shift * 5) % 16);
            Span<float> y = Shifted(p.Targets, (shift * 7) % 16), sw = Shifted(p.SampleWeights, (shift * 9) % 16), pw = Shifted(p.PositiveWeights, (shift * 11) % 16);
            Span<float> cw = Shifted(p.ClassWeights, (shift * 13) % 16);
            Span<float> gw = new float[p.W.Length + 16].AsSpan((shift * 15) % 16, p.W.Length);
            Span<float> gb = new float[p.B.Length + 16].AsSpan((shift * 2) % 16, p.B.Length);
            Span<float> gx = new float[p.X.Length + 16].AsSpan((shift * 6) % 16, p.X.Length);
            SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = p.LabelSmoothing, ClassWeights = cw, IgnoreIndex = p.IgnoreIndex };
            float cost = head == DenseHead.Sigmoid
                ? DenseSigmoidCrossEntropy.CostAndGradient(x, w, b, y, sw, pw, gw, gb, gx)
                : DenseSoftmaxCrossEntropy.CostAndGradient(x, w, b, p.Labels, gw, gb, gx, options);
            float[] all = [cost, .. gw, .. gb, .. gx];
            first ??= all;
            Bitwise.AssertEqual(first, all, $"{head} shift {shift}");
        }

        static Span<float> Shifted(float[] values, int shift)
        {
            float[] buffer = new float[values.Length + 16];
            values.CopyTo(buffer, shift);
            return buffer.AsSpan(shift, values.Length);
        }
    }

    [Theory]
    [InlineData(DenseHead.Sigmoid)]
    [InlineData(DenseHead.Softmax)]
    public void NaNFeatures_PropagateAsCanonicalNaN_ToTheCostEveryParameterGradientAndTheirRowsOfInputGradient(DenseHead head)
    {
        // Two NaNs with different signs and payloads (in the last full batch and in the tail): every NaN written is
        // the canonical float.NaN, whichever input it came from (NaN bits would otherwise depend on operand order).
        DenseProblem p = DenseProblem.Create(head, 40, 6, 3, 9);
        p.X[(17 * 6) + 2] = BitConverter.Int32BitsToSingle(0x7FC01234);
        p.X[(35 * 6) + 5] = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00042));
        DenseResult r = DenseLayer.Fast(head, p, Reduction.Mean, true);
        int canonical = BitConverter.SingleToInt32Bits(float.NaN);
        Assert.Equal(canonical, BitConverter.SingleToInt32Bits(r.Cost));
        Assert.All(r.WeightGradient, v => Assert.Equal(canonical, BitConverter.SingleToInt32Bits(v)));
        Assert.All(r.BiasGradient, v => Assert.Equal(canonical, BitConverter.SingleToInt32Bits(v)));
        for (int i = 0; i < p.Samples; i++)
        {
            for (int j = 0; j < p.Features; j++)
            {
                float v = r.InputGradient[(i * 6) + j];
                Assert.Equal(i is 17 or 35, float.IsNaN(v));
                Assert.True(!float.IsNaN(v) || BitConverter.SingleToInt32Bits(v) == canonical, $"∂X[{i},{j}] = 0x{BitConverter.SingleToInt32Bits(v):X8}");
            }
        }
    }

    [Theory]
    [InlineData(DenseHead.Sigmoid)]
    [InlineData(DenseHead.Softmax)]
    public void EmptyBatch_CostsZero_WithZeroGradients(DenseHead head)
    {
        float[] weights = [1f, 2f, 3f, 4f, 5f, 6f], bias = [0.5f, -0.5f];
        float[] weightGradient = [9f, 9f, 9f, 9f, 9f, 9f], biasGradient = [9f, 9f];
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            float cost = head == DenseHead.Sigmoid
                ? DenseSigmoidCrossEntropy.CostAndGradient([], weights, bias, [], [], [], weightGradient, biasGradient, [], reduction)
                : DenseSoftmaxCrossEntropy.CostAndGradient([], weights, bias, [], weightGradient, biasGradient, [], default, reduction);
            Assert.Equal(0f, cost);
            Assert.All(weightGradient, v => Assert.Equal(0f, v));
            Assert.All(biasGradient, v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Softmax_EveryRowIgnored_CostsZeroWithZeroGradients()
    {
        DenseProblem p = DenseProblem.Create(DenseHead.Softmax, 20, 4, 3, 3);
        int[] labels = Enumerable.Repeat(-1, 20).ToArray();
        float[] gw = new float[12], gb = new float[3], gx = new float[80];
        float cost = DenseSoftmaxCrossEntropy.CostAndGradient(p.X, p.W, p.B, labels, gw, gb, gx, new SoftmaxCrossEntropyOptions { IgnoreIndex = -1 });
        Assert.Equal(0f, cost);
        Assert.All(gw.Concat(gb).Concat(gx), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void EveryMethod_AllocatesNothing_AfterWarmUp()
    {
        // Small layers use a stack work space; d = 300, k = 12 needs more than 64 KB and rents it from the shared pool.
        DenseProblem small = DenseProblem.Create(DenseHead.Sigmoid, 50, 20, 7, 1, sampleWeights: true, positiveWeights: true);
        DenseProblem smallSoftmax = DenseProblem.Create(DenseHead.Softmax, 50, 20, 7, 2, smoothing: 0.1f, classWeights: true, ignore: true);
        DenseProblem large = DenseProblem.Create(DenseHead.Sigmoid, 40, 300, 12, 3);
        DenseProblem largeSoftmax = DenseProblem.Create(DenseHead.Softmax, 40, 300, 12, 4);
        DenseResult a = new(50, 20, 7, true), b = new(50, 20, 7, true), c = new(40, 300, 12, true), e = new(40, 300, 12, false);

        void CallEveryMethod()
        {
            DenseSigmoidCrossEntropy.CostAndGradient(small.X, small.W, small.B, small.Targets, small.SampleWeights, small.PositiveWeights, a.WeightGradient, a.BiasGradient, a.InputGradient);
            DenseSoftmaxCrossEntropy.CostAndGradient(smallSoftmax.X, smallSoftmax.W, smallSoftmax.B, smallSoftmax.Labels, b.WeightGradient, b.BiasGradient, b.InputGradient, smallSoftmax.Options, Reduction.Sum);
            DenseSigmoidCrossEntropy.CostAndGradient(large.X, large.W, large.B, large.Targets, default, default, c.WeightGradient, c.BiasGradient, c.InputGradient);
            DenseSoftmaxCrossEntropy.CostAndGradient(largeSoftmax.X, largeSoftmax.W, largeSoftmax.B, largeSoftmax.Labels, e.WeightGradient, e.BiasGradient, default);
            Kernels.Reference.DenseSigmoidCrossEntropy.CostAndGradient(small.X, small.W, small.B, small.Targets, small.SampleWeights, small.PositiveWeights, a.WeightGradient, a.BiasGradient, a.InputGradient);
            Kernels.Reference.DenseSoftmaxCrossEntropy.CostAndGradient(smallSoftmax.X, smallSoftmax.W, smallSoftmax.B, smallSoftmax.Labels, b.WeightGradient, b.BiasGradient, b.InputGradient, smallSoftmax.Options);
        }

        for (int i = 0; i < 20; i++)
        {
            CallEveryMethod();
        }

        Assert.Equal(0, Allocations.QuietestWindow(CallEveryMethod));
    }
}
