using Kernels.Internal.Linear;
using Kernels.Tests.Support;
using Kernels.Tests.Surface;

namespace Kernels.Tests;

/// <summary>
/// The edges of the input space (issue 12): degenerate shapes, int-overflowing products of lengths, and softmax rows
/// of 2^24 and 2^24 + 1 classes.
/// </summary>
public class InputSpaceEdgeTests
{
    public static TheoryData<string> Methods() => PublicSurface.Names();

    /// <summary>n = 1, C = 1, k = 1, d = 1 alone and together, every method, within the documented bounds (the fuzzer's check).</summary>
    [Theory]
    [MemberData(nameof(Methods))]
    public void SingleRowsClassesOutputsAndFeaturesMatchTheReference(string name)
    {
        SurfaceMethod method = PublicSurface.Named(name);
        foreach ((int n, int width, int d) in new[] { (1, 1, 1), (1, 7, 1), (7, 1, 1), (7, 7, 1), (1, 1, 7), (7, 1, 7), (1, 7, 7) })
        {
            for (ulong seed = 1; seed <= 8; seed++)
            {
                DifferentialFuzzTests.Check(SurfaceShapes.Case(method, (n, width, d), seed, seed % 2 == 0 ? Reduction.Mean : Reduction.Sum));
            }
        }
    }

    /// <summary>
    /// n·d = 2^16·2^16 wraps to 0 in int arithmetic, the length of an empty feature span: a guard multiplying in int
    /// would accept it and read nothing (a wrong answer). Small spans express it: 2^16 targets and weights.
    /// </summary>
    [Fact]
    public void LogisticRegressionRejectsRowsTimesFeaturesThatOverflowInt()
    {
        float[] targets = new float[1 << 16], weights = new float[1 << 16], gradient = new float[1 << 16], probabilities = new float[1 << 16];
        AssertNamesFeatures(Assert.Throws<ArgumentException>(() => LogisticRegression.CostAndGradient([], weights, 0f, targets, gradient, out _)));
        AssertNamesFeatures(Assert.Throws<ArgumentException>(() => LogisticRegression.Predict([], weights, 0f, probabilities)));
        AssertNamesFeatures(Assert.Throws<ArgumentException>(() => Kernels.Reference.LogisticRegression.CostAndGradient([], weights, 0f, targets, gradient, out _)));
        AssertNamesFeatures(Assert.Throws<ArgumentException>(() => Kernels.Reference.LogisticRegression.Predict([], weights, 0f, probabilities)));

        static void AssertNamesFeatures(ArgumentException e) => Assert.Equal("features", e.ParamName);
    }

    /// <summary>
    /// d·k = 2^16·2^16 wraps to 0, the length of an empty weight span (n = 1 row of d = 2^16 features, k = 2^16
    /// outputs from the bias): both layers and their references must reject the empty weights.
    /// </summary>
    [Fact]
    public void DenseLayersRejectFeaturesTimesOutputsThatOverflowInt()
    {
        const int Big = 1 << 16;
        float[] x = new float[Big], b = new float[Big], targets = new float[Big], db = new float[Big];
        int[] labels = [0];
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => DenseSigmoidCrossEntropy.CostAndGradient(x, [], b, targets, [], [], [], db, [])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Kernels.Reference.DenseSigmoidCrossEntropy.CostAndGradient(x, [], b, targets, [], [], [], db, [])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => DenseSoftmaxCrossEntropy.CostAndGradient(x, [], b, labels, [], db, [])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Kernels.Reference.DenseSoftmaxCrossEntropy.CostAndGradient(x, [], b, labels, [], db, [])).ParamName);
    }

    /// <summary>
    /// The other products cannot overflow through the API: n·k (BCE), n·C (softmax) and n·d are each the length of a
    /// span the caller passes (the kernels derive n by division), so they are at most int.MaxValue. What can overflow
    /// is the dense layers' work space, about 5·d·k floats for d·k up to int.MaxValue: reaching it needs weights of
    /// over 2 GB, so its guard is tested directly. It throws (OverflowException from checked arithmetic) rather than
    /// renting a wrapped length.
    /// </summary>
    [Fact]
    public void DenseWorkSpaceLengthThatOverflowsIntThrows()
    {
        const int D = 46_340, K = 46_340; // d·k = 2,147,395,600 ≤ int.MaxValue: valid weight lengths
        Assert.Throws<OverflowException>(() => DenseLayerPass.WorkspaceLength(D, K, inputGradient: true));
        Assert.True(DenseLayerPass.WorkspaceLength(1000, 1000, inputGradient: true) > 0);
    }

    /// <summary>
    /// One row of 2^24 and of 2^24 + 1 classes (beyond float's exact integers: counts and sums of that many terms):
    /// loss, log-sum-exp and cost within the documented bounds of the reference, the gradient spot-checked.
    /// </summary>
    [Theory]
    [InlineData((1 << 24) + 1)]
    [InlineData(1 << 24)]
    public void HugeSoftmaxRowIsWithinTheDocumentedBounds(int classes)
    {
        SplitMix64 random = new((ulong)classes);
        float[] logits = new float[classes];
        for (int c = 0; c < classes; c++)
        {
            logits[c] = random.Uniform(-12f, 12f);
        }

        int label = random.Next(classes);
        float[] gradient = new float[classes], losses = new float[1], lse = new float[1];
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, [label], gradient, losses, lse, default, Reduction.Mean);
        float costOnly = SoftmaxCrossEntropy.Cost(logits, [label], Reduction.Sum);

        double max = logits.Max(), sum = 0;
        foreach (float z in logits)
        {
            sum += Math.Exp(z - max);
        }

        double exactLse = max + Math.Log(sum), exactLoss = exactLse - logits[label];
        Assert.Equal(exactLoss, Kernels.Reference.SoftmaxCrossEntropy.CostInDouble(logits, [label], default, Reduction.Sum), 1e-9);
        Assert.True(Tolerance.Ulps(4).Measure(losses[0], exactLoss, 1).Score <= 1, $"loss {losses[0]:R} vs {exactLoss:R}");
        Assert.True(Math.Abs(cost - exactLoss) <= 1e-6 * exactLoss, $"cost {cost:R} vs {exactLoss:R}");
        Assert.True(Math.Abs(costOnly - exactLoss) <= 1e-6 * exactLoss, $"Cost {costOnly:R} vs {exactLoss:R}");
        // log-sum-exp: SoftmaxAccuracy's bound, 4·2^-24·(|m| + ln S).
        Assert.True(Math.Abs(lse[0] - exactLse) <= 4 * Tolerance.UnitRoundoff * (Math.Abs(max) + Math.Log(sum)), $"lse {lse[0]:R} vs {exactLse:R}");
        for (int i = 0; i < 4096; i++)
        {
            int c = i == 0 ? label : random.Next(classes);
            double g = Math.Exp(logits[c] - exactLse) - (c == label ? 1 : 0);
            double allowed = Math.Abs(g) >= Math.ScaleB(1, -20) ? 4 * Tolerance.UlpOf(g) : Tolerance.UnitRoundoff;
            Assert.True(Math.Abs(gradient[c] - g) <= allowed, $"gradient[{c}] {gradient[c]:R} vs {g:R}");
        }
    }
}
