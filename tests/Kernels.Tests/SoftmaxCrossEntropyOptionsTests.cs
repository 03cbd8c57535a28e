using Kernels.Tests.Support;
using Ref = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests;

/// <summary>
/// Label smoothing, ignore index, class weights and z-loss, alone and in every combination, against the reference,
/// with every subset of outputs (each subset is a different compiled pass shape in the kernel), plus the documented
/// special cases (everything ignored, label weights summing to 0, empty batch, smoothing 1, infinite lse with z-loss).
/// </summary>
public class SoftmaxCrossEntropyOptionsTests
{
    // Around every vector width (4, 8, 16 floats), the 32 logical lanes, and the switch between the narrow
    // (row per lane) and wide layouts.
    private static readonly int[] ClassCounts = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 300];
    private static readonly int[] RowCounts = [1, 3, 17];

    public static TheoryData<float, bool, string, float> LabelCombinations()
    {
        TheoryData<float, bool, string, float> data = [];
        foreach (float smoothing in new[] { 0f, 0.1f })
        {
            foreach (bool weights in new[] { false, true })
            {
                foreach (string ignore in new[] { "none", "-100", "class C-1" })
                {
                    foreach (float zLoss in new[] { 0f, 1e-2f })
                    {
                        data.Add(smoothing, weights, ignore, zLoss);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LabelCombinations))]
    public void EveryOptionCombination_ForLabels_MatchesReference_WithEveryOutputSubset(float smoothing, bool weights, string ignore, float zLoss)
    {
        SoftmaxAccuracy accuracy = new();
        Random random = new((int)(smoothing * 1000) + (weights ? 7 : 0) + (ignore.Length * 13) + (int)(zLoss * 1e4));
        // Without smoothing and z-loss the labels' relative-ulp contract applies (class weights only scale the row).
        bool plain = smoothing == 0 && zLoss == 0;
        foreach (int classCount in ClassCounts)
        {
            foreach (int rows in RowCounts)
            {
                float[] logits = SoftmaxData.Logits(random, rows, classCount);
                int[] labels = SoftmaxData.Labels(random, logits, rows, classCount);
                float[] classWeights = SoftmaxData.ClassWeights(random, classCount);
                int? ignoreIndex = ignore switch { "-100" => -100, "class C-1" when classCount > 1 => classCount - 1, _ => null };
                if (ignoreIndex is int index)
                {
                    SoftmaxData.IgnoreSome(random, labels, index);
                }

                SoftmaxCrossEntropyOptions options = new()
                {
                    LabelSmoothing = smoothing,
                    ClassWeights = weights ? classWeights : default,
                    IgnoreIndex = ignoreIndex,
                    ZLossWeight = zLoss,
                };

                foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
                {
                    SoftmaxEvaluation expected = SoftmaxEvaluation.Of(logits, labels, options, reduction);
                    string context = $"labels C={classCount} n={rows} {reduction} ε={smoothing} weights={weights} ignore={ignore} λ={zLoss} labels=[{string.Join(", ", labels)}]";
                    float[] gradient = new float[logits.Length], losses = new float[rows], lse = new float[rows];

                    float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, options, reduction);
                    accuracy.Check(expected, plain, cost, gradient, losses, lse, $"{context} all outputs", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, default, default, options, reduction);
                    accuracy.Check(expected, plain, cost, gradient, default, default, $"{context} gradient only", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, default, losses, default, options, reduction);
                    accuracy.Check(expected, plain, cost, default, losses, default, $"{context} losses only", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, default, default, lse, options, reduction);
                    accuracy.Check(expected, plain, cost, default, default, lse, $"{context} lse only", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, default, default, default, options, reduction);
                    accuracy.Check(expected, plain, cost, default, default, default, $"{context} cost only", logits);
                }
            }
        }

        accuracy.AssertNoFailures();
    }

    public static TheoryData<float, bool, float> TargetCombinations()
    {
        TheoryData<float, bool, float> data = [];
        foreach (float smoothing in new[] { 0f, 0.1f })
        {
            foreach (bool weights in new[] { false, true })
            {
                foreach (float zLoss in new[] { 0f, 1e-2f })
                {
                    data.Add(smoothing, weights, zLoss);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TargetCombinations))]
    public void EveryOptionCombination_ForProbabilityTargets_MatchesReference_WithEveryOutputSubset(float smoothing, bool weights, float zLoss)
    {
        SoftmaxAccuracy accuracy = new();
        Random random = new(1000 + (int)(smoothing * 1000) + (weights ? 7 : 0) + (int)(zLoss * 1e4));
        foreach (int classCount in ClassCounts)
        {
            foreach (int rows in RowCounts)
            {
                float[] logits = SoftmaxData.Logits(random, rows, classCount);
                float[] targets = SoftmaxData.Targets(random, rows, classCount);
                float[] classWeights = SoftmaxData.ClassWeights(random, classCount);
                SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = smoothing, ClassWeights = weights ? classWeights : default, ZLossWeight = zLoss };
                foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
                {
                    SoftmaxEvaluation expected = SoftmaxEvaluation.Of(logits, targets, classCount, options, reduction);
                    string context = $"targets C={classCount} n={rows} {reduction} ε={smoothing} weights={weights} λ={zLoss}";
                    float[] gradient = new float[logits.Length], losses = new float[rows], lse = new float[rows];

                    float cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient, losses, lse, options, reduction);
                    accuracy.Check(expected, false, cost, gradient, losses, lse, $"{context} all outputs", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient, default, default, options, reduction);
                    accuracy.Check(expected, false, cost, gradient, default, default, $"{context} gradient only", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, default, losses, default, options, reduction);
                    accuracy.Check(expected, false, cost, default, losses, default, $"{context} losses only", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, default, default, lse, options, reduction);
                    accuracy.Check(expected, false, cost, default, default, lse, $"{context} lse only", logits);
                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, default, default, default, options, reduction);
                    accuracy.Check(expected, false, cost, default, default, default, $"{context} cost only", logits);
                }
            }
        }

        accuracy.AssertNoFailures();
    }

    [Fact]
    public void IgnoreIndex_DoesNotApplyToProbabilityTargets()
    {
        // Documented: the probability-target overloads ignore IgnoreIndex, so setting it changes no bit.
        Random random = new(4);
        float[] logits = SoftmaxData.Logits(random, 5, 6);
        float[] targets = SoftmaxData.Targets(random, 5, 6);
        float[] a = new float[30], b = new float[30], lossesA = new float[5], lossesB = new float[5], lseA = new float[5], lseB = new float[5];
        float costA = SoftmaxCrossEntropy.CostAndGradient(logits, targets, 6, a, lossesA, lseA, new SoftmaxCrossEntropyOptions { LabelSmoothing = 0.2f }, Reduction.Mean);
        foreach (int ignore in new[] { 0, 3, -100 })
        {
            float costB = SoftmaxCrossEntropy.CostAndGradient(logits, targets, 6, b, lossesB, lseB, new SoftmaxCrossEntropyOptions { LabelSmoothing = 0.2f, IgnoreIndex = ignore }, Reduction.Mean);
            Assert.Equal(costA, costB);
            Assert.True(SoftmaxComparison.SameBits(a, b) && SoftmaxComparison.SameBits(lossesA, lossesB) && SoftmaxComparison.SameBits(lseA, lseB));
        }
    }

    [Theory]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.Mean)]
    public void EveryRowIgnored_CostsZeroWithZeroGradientAndLosses_LseStillWritten(Reduction reduction)
    {
        // Documented (unlike PyTorch's NaN): cost 0 and an all-zero gradient; lse is still written for ignored rows.
        Random random = new(8);
        foreach (int classCount in new[] { 1, 3, 10, 40 })
        {
            const int Rows = 5;
            float[] logits = SoftmaxData.Logits(random, Rows, classCount);
            int[] labels = Enumerable.Repeat(-1, Rows).ToArray();
            float[] gradient = Enumerable.Repeat(42f, logits.Length).ToArray(), losses = Enumerable.Repeat(42f, Rows).ToArray(), lse = new float[Rows];
            SoftmaxCrossEntropyOptions options = new() { IgnoreIndex = -1, LabelSmoothing = 0.1f, ZLossWeight = 0.01f };
            Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, options, reduction));
            Assert.All(gradient, g => Assert.Equal(0f, g));
            Assert.All(losses, l => Assert.Equal(0f, l));
            SoftmaxEvaluation expected = SoftmaxEvaluation.Of(logits, labels, options, reduction);
            SoftmaxAccuracy accuracy = new();
            accuracy.Check(expected, false, null, default, default, lse, $"C={classCount}", logits);
            accuracy.AssertNoFailures();
        }
    }

    [Fact]
    public void LabelWeightsSummingToZero_MeanCostsZeroWithZeroGradient_SumDoesNot()
    {
        // Documented: when the Mean denominator (Σ of the label weights of the rows not ignored) is 0, the cost is 0
        // and the gradient all zeros. With smoothing the rows still have non-zero losses (ε/C·w_c of other classes).
        float[] weights = [0f, 1f, 2f, 0.5f];
        float[] logits = [1f, 2f, 3f, 4f, -1f, 0f, 1f, 0.5f, 3f, 3f, 3f, 3f];
        int[] labels = [0, 0, -7];
        SoftmaxCrossEntropyOptions options = new() { ClassWeights = weights, LabelSmoothing = 0.2f, IgnoreIndex = -7 };
        float[] gradient = new float[12], losses = new float[3];
        Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, default, options, Reduction.Mean));
        Assert.All(gradient, g => Assert.Equal(0f, g));

        SoftmaxAccuracy accuracy = new();
        accuracy.Check(SoftmaxEvaluation.Of(logits, labels, options, Reduction.Mean), false, null, default, losses, default, "Mean, zero denominator", logits);
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, default, options, Reduction.Sum);
        Assert.NotEqual(0f, cost);
        accuracy.Check(SoftmaxEvaluation.Of(logits, labels, options, Reduction.Sum), false, cost, gradient, losses, default, "Sum", logits);
        accuracy.AssertNoFailures();
    }

    [Fact]
    public void ClassWeights_MeanDividesBySummedLabelWeights_HandComputed()
    {
        // Rows ([1,2,3], y=0) and ([0,0,0], y=2), weights [2, 1, 0.5]: (2·(lse-1) + 0.5·ln 3)/(2 + 0.5), to 40
        // digits (mpmath) 2.145807229289126181865…; a float within a few ulp (2^-21 relative covers 16 ulp and the
        // cost, the quantity under test here, is a sum of two positive terms).
        float[] weights = [2f, 1f, 0.5f];
        float cost = SoftmaxCrossEntropy.Cost([1f, 2f, 3f, 0f, 0f, 0f], [0, 2]);
        Assert.NotEqual(2.1458072f, cost); // without weights the cost differs (guards against ignoring the option)
        cost = SoftmaxCrossEntropy.CostAndGradient([1f, 2f, 3f, 0f, 0f, 0f], [0, 2], default, default, default, new SoftmaxCrossEntropyOptions { ClassWeights = weights }, Reduction.Mean);
        Assert.True(Math.Abs(cost - 2.145807229289126) <= 2.145807229289126 / (1 << 21), $"cost {cost}");
    }

    [Fact]
    public void EmptyBatch_CostsZero()
    {
        // Documented: an empty batch costs 0 (not NaN) under Mean and Sum, for every method.
        foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
        {
            Assert.Equal(0f, SoftmaxCrossEntropy.Cost([], [], reduction));
            Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient([], [], [], reduction));
            Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient([], [], [], [], [], new SoftmaxCrossEntropyOptions { LabelSmoothing = 0.1f, IgnoreIndex = -1 }, reduction));
            Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient([], [], 5, [], reduction));
            Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient([], [], 5, [], [], [], new SoftmaxCrossEntropyOptions { ClassWeights = new float[5] }, reduction));
        }

        SoftmaxCrossEntropy.Losses([], [], []);
    }

    [Fact]
    public void SmoothingOfOne_MakesTheTargetUniformWhateverTheLabel()
    {
        // ε = 1 (the closed end of [0, 1]): a_c = w_c/C for every class; the label only selects the row's weight.
        Random random = new(12);
        float[] logits = SoftmaxData.Logits(random, 4, 9);
        float[] gradient = new float[36], other = new float[36];
        SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = 1f };
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, [0, 1, 2, 3], gradient, default, default, options, Reduction.Sum);
        float costOther = SoftmaxCrossEntropy.CostAndGradient(logits, [8, 7, 6, 5], other, default, default, options, Reduction.Sum);
        SoftmaxAccuracy accuracy = new();
        accuracy.Check(SoftmaxEvaluation.Of(logits, [0, 1, 2, 3], options, Reduction.Sum), false, cost, gradient, default, default, "ε=1", logits);
        accuracy.Check(SoftmaxEvaluation.Of(logits, [8, 7, 6, 5], options, Reduction.Sum), false, costOther, other, default, default, "ε=1 other labels", logits);
        accuracy.AssertNoFailures();
    }

    [Fact]
    public void ZLossWithAnInfiniteLse_GivesInfiniteLossAndNonFiniteGradient_FiniteRowsUnaffected()
    {
        // Documented: with λ > 0 a row whose lse is infinite (+∞ in a class; or all -∞) has an infinite loss and an
        // infinite or NaN gradient. A -∞ class next to finite ones leaves lse finite and changes nothing.
        SoftmaxCrossEntropyOptions options = new() { ZLossWeight = 0.25f };
        float inf = float.PositiveInfinity;
        float[] logits = [inf, 0f, 1f, -inf, -inf, -inf, -inf, 0f, 2f];
        float[] gradient = new float[9], losses = new float[3];
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, [0, 1, 2], gradient, losses, default, options, Reduction.Sum);
        Assert.Equal(inf, cost);
        Assert.Equal(inf, losses[0]);
        Assert.Equal(inf, losses[1]);
        Assert.All(gradient.Take(6), g => Assert.False(float.IsFinite(g), $"expected a non-finite gradient, got {g}"));
        SoftmaxAccuracy accuracy = new();
        accuracy.Check(SoftmaxEvaluation.Of(logits.AsSpan(6).ToArray(), [2], options, Reduction.Sum), false, null, gradient.AsSpan(6), losses.AsSpan(2), default, "finite row with a -∞ class", logits.AsSpan(6));
        accuracy.AssertNoFailures();
    }
}
