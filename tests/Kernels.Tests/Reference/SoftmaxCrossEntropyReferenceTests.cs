using Kernels.Tests.Support;
using Ref = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests.Reference;

/// <summary>
/// The double reference checked against facts that do not come from it: values computed with 40-digit arithmetic
/// (mpmath), closed forms (uniform rows, the two-class case = binary cross-entropy), invariances, the documented
/// limits, and its gradient against central finite differences of its own cost.
/// </summary>
public class SoftmaxCrossEntropyReferenceTests
{
    // The reference works in double with a handful of roundings per value; 1e-14 relative is ~50 double ulps,
    // far below anything a float kernel could resolve (2^-24 ≈ 6e-8) and far above the reference's own error.
    private const double DoubleTolerance = 1e-14;

    private static readonly float[] OneTwoThree = [1f, 2f, 3f];

    // ln(e + e² + e³) and softmax([1, 2, 3]), to 40 digits (mpmath).
    private const double LseOneTwoThree = 3.407605964444380304482919904545070451473;
    private static readonly double[] SoftmaxOneTwoThree =
        [0.09003057317038045799802210148449179786793335, 0.2447284710547976524729596183407627971993062, 0.6652409557748218895290182801747454049327863];

    [Fact]
    public void HandComputedRow_LossLseAndGradientMatch40DigitValues()
    {
        for (int label = 0; label < 3; label++)
        {
            SoftmaxEvaluation e = SoftmaxEvaluation.Of(OneTwoThree, [label], default, Reduction.Sum);
            AssertClose(LseOneTwoThree - (label + 1), e.Losses[0]);
            AssertClose(LseOneTwoThree, e.LogSumExp[0]);
            for (int c = 0; c < 3; c++)
            {
                AssertClose(SoftmaxOneTwoThree[c] - (c == label ? 1 : 0), e.Gradient[c]);
            }
        }
    }

    [Fact]
    public void LabelSmoothing_MatchesPyTorchFormulaComputedTo40Digits()
    {
        // ε = 0.1f (its float value), label 0: a = (1-ε)·onehot + ε/3.
        SoftmaxEvaluation e = SoftmaxEvaluation.Of(OneTwoThree, [0], new SoftmaxCrossEntropyOptions { LabelSmoothing = 0.1f }, Reduction.Sum);
        AssertClose(2.307605962954264185098154279545070451473, e.Losses[0]);
        AssertClose(-0.8433027591695421290788008151821748687987371, e.Gradient[0]);
        AssertClose(0.2113951372247589460113710766740961305326386, e.Gradient[1]);
        AssertClose(0.6319076219447831830674297385080787382661158, e.Gradient[2]);
    }

    [Fact]
    public void ClassWeights_MeanDividesBySummedLabelWeights()
    {
        // Rows ([1,2,3], y=0) and ([0,0,0], y=2), weights [2, 1, 0.5]: (2·(lse-1) + 0.5·ln 3)/(2 + 0.5).
        float[] weights = [2f, 1f, 0.5f];
        SoftmaxCrossEntropyOptions options = new() { ClassWeights = weights };
        double cost = Ref.CostInDouble([1f, 2f, 3f, 0f, 0f, 0f], [0, 2], options, Reduction.Mean);
        AssertClose(2.145807229289126181865384971020561502108, cost);
    }

    [Fact]
    public void ZLoss_AddsLambdaLseSquaredAndItsGradient()
    {
        // λ = 0.01f, label 2: loss = (lse - 3) + λ·lse², gradient (1 + 2λ·lse)·p - onehot.
        SoftmaxEvaluation e = SoftmaxEvaluation.Of(OneTwoThree, [2], new SoftmaxCrossEntropyOptions { ZLossWeight = 0.01f }, Reduction.Sum);
        AssertClose(0.5237237459381147296840350312292467990029, e.Losses[0]);
        AssertClose(0.09616634739558990677106119456699484632934671, e.Gradient[0]);
        AssertClose(0.2614072346347118744899375383171630849424928, e.Gradient[1]);
        AssertClose(-0.2894214642647327480104128175950455249045408, e.Gradient[2]);
    }

    [Fact]
    public void ProbabilityTargets_MatchFormulaComputedTo40Digits()
    {
        SoftmaxEvaluation e = SoftmaxEvaluation.Of(OneTwoThree, [0.25f, 0.25f, 0.5f], 3, default, Reduction.Sum);
        AssertClose(1.157605964444380304482919904545070451473, e.Losses[0]);
        AssertClose(-0.1599694268296195420019778985155082021320666, e.Gradient[0]);
        AssertClose(-0.005271528945202347527040381659237202800693803, e.Gradient[1]);
        AssertClose(0.1652409557748218895290182801747454049327863, e.Gradient[2]);
    }

    [Fact]
    public void LabelHoldingTheMaximum_KeepsRelativeAccuracyOfTinyLossAndTrueClassGradient()
    {
        // [0, -40, -40], label 0: loss = ln(1 + 2e^-40) ≈ 8.5e-18 and p_0 - 1 ≈ -8.5e-18, both far below double's
        // ulp of 1: a reference forming ln S or p_y - 1 directly would return 0.
        SoftmaxEvaluation e = SoftmaxEvaluation.Of([0f, -40f, -40f], [0], default, Reduction.Sum);
        AssertClose(8.496708510583177954561438863645050126592e-18, e.Losses[0]);
        AssertClose(-8.496708510583177918464414051900709756686e-18, e.Gradient[0]);
    }

    [Fact]
    public void TwoClasses_EqualBinaryCrossEntropyOfTheLogitDifference()
    {
        // softmax over [0, x] with label 1 is the sigmoid of x: loss softplus(-x), gradient σ(x) - 1 on class 1;
        // the binary reference computes these with a different formula (and its own log1p).
        foreach (float x in new[] { -80f, -50f, -5f, -0.5f, 0f, 1e-6f, 0.5f, 5f, 20f, 50f, 80f })
        {
            double expectedLoss = Kernels.Reference.BinaryCrossEntropy.LogitLoss(x, 1, 1, out double expectedGradient);
            SoftmaxEvaluation e = SoftmaxEvaluation.Of([0f, x], [1], default, Reduction.Sum);
            AssertClose(expectedLoss, e.Losses[0]);
            AssertClose(expectedGradient, e.Gradient[1]);
            AssertClose(-expectedGradient, e.Gradient[0]);
        }
    }

    [Fact]
    public void UniformRows_CostLnCWithGradientOneOverCMinusOneHot()
    {
        // Equal logits share the probability equally, whatever their value, infinite ones included.
        foreach (float value in new[] { 0f, 7.5f, -1e30f, 1e30f, float.PositiveInfinity, float.NegativeInfinity })
        {
            for (int classCount = 1; classCount <= 300; classCount += classCount < 20 ? 1 : 37)
            {
                float[] logits = Enumerable.Repeat(value, classCount).ToArray();
                int label = classCount / 2;
                SoftmaxEvaluation e = SoftmaxEvaluation.Of(logits, [label], default, Reduction.Sum);
                AssertClose(Math.Log(classCount), e.Losses[0]);
                Assert.Equal(float.IsInfinity(value) ? value : value + Math.Log(classCount), e.LogSumExp[0], 1e-14 * Math.Max(1, Math.Abs(value)));
                for (int c = 0; c < classCount; c++)
                {
                    AssertClose(1.0 / classCount - (c == label ? 1 : 0), e.Gradient[c]);
                }
            }
        }
    }

    [Fact]
    public void ShiftingAllLogitsOfARow_ChangesOnlyTheLse()
    {
        // Logits with few significant bits so that z + k is exact in float; the loss and gradient of softmax
        // cross-entropy depend only on differences of logits.
        Random random = new(11);
        for (int trial = 0; trial < 50; trial++)
        {
            int classCount = 1 + random.Next(40);
            float[] logits = new float[classCount];
            for (int c = 0; c < classCount; c++)
            {
                logits[c] = random.Next(-4096, 4096) / 256f;
            }

            int label = random.Next(classCount);
            foreach (float shift in new[] { -1024f, 3f, 4096f })
            {
                float[] shifted = logits.Select(z => z + shift).ToArray();
                SoftmaxEvaluation a = SoftmaxEvaluation.Of(logits, [label], default, Reduction.Sum);
                SoftmaxEvaluation b = SoftmaxEvaluation.Of(shifted, [label], default, Reduction.Sum);
                AssertClose(a.Losses[0], b.Losses[0]);
                Assert.Equal(a.LogSumExp[0] + shift, b.LogSumExp[0], 1e-12 * Math.Abs(b.LogSumExp[0]));
                for (int c = 0; c < classCount; c++)
                {
                    AssertClose(a.Gradient[c], b.Gradient[c]);
                }
            }
        }
    }

    [Fact]
    public void InfiniteAndHugeLogits_GiveTheDocumentedLimits()
    {
        const float Inf = float.PositiveInfinity;
        // +∞ in one class: probability 1 there; loss 0 if it is the label, +∞ otherwise.
        ExpectRow([Inf, 0f, -Inf], 0, 0, [0, 0, 0]);
        ExpectRow([Inf, 0f, -Inf], 1, double.PositiveInfinity, [1, -1, 0]);
        ExpectRow([Inf, 0f, -Inf], 2, double.PositiveInfinity, [1, 0, -1]);
        // Two +∞ share the probability.
        ExpectRow([Inf, Inf, 0f], 0, Math.Log(2), [-0.5, 0.5, 0]);
        ExpectRow([Inf, Inf, 0f], 2, double.PositiveInfinity, [0.5, 0.5, -1]);
        // Huge finite logits: exact limits, no overflow.
        ExpectRow([1e30f, 0f, -1e30f], 0, 0, [0, 0, 0]);
        ExpectRow([1e30f, 0f, -1e30f], 1, 1e30f, [1, -1, 0]);
        ExpectRow([1e30f, 1e30f, -1e30f], 2, 2e30f + Math.Log(2), [0.5, 0.5, -1]);
        ExpectRow([-1e30f, -1e30f, 0f], 2, 0, [0, 0, 0]);
        // -∞ elsewhere has probability 0; an all -∞ row is uniform.
        ExpectRow([0f, -Inf], 0, 0, [0, 0]);
        ExpectRow([0f, -Inf], 1, double.PositiveInfinity, [1, -1]);
        ExpectRow([-Inf, -Inf, -Inf, -Inf], 3, Math.Log(4), [0.25, 0.25, 0.25, -0.75]);
    }

    [Fact]
    public void NaN_MakesTheRowAndTheCostNaN_OtherRowsUntouched()
    {
        SoftmaxEvaluation e = SoftmaxEvaluation.Of([float.NaN, 0f, 1f, 0f, 0f, 0f], [1, 0], default, Reduction.Sum);
        Assert.True(double.IsNaN(e.Losses[0]) && double.IsNaN(e.LogSumExp[0]) && double.IsNaN(e.Cost));
        Assert.All(e.Gradient.Take(3), g => Assert.True(double.IsNaN(g)));
        AssertClose(Math.Log(3), e.Losses[1]);

        // Documented for targets too: a NaN target makes the row's loss and gradient NaN; lse depends on the logits alone.
        SoftmaxEvaluation t = SoftmaxEvaluation.Of([0f, 1f, 0f, 0f], [0.5f, float.NaN, 0.5f, 0.5f], 2, default, Reduction.Sum);
        Assert.True(double.IsNaN(t.Losses[0]) && double.IsFinite(t.LogSumExp[0]) && double.IsNaN(t.Cost));
        Assert.All(t.Gradient.Take(2), g => Assert.True(double.IsNaN(g)));
        AssertClose(Math.Log(2), t.Losses[1]);
    }

    [Fact]
    public void ZLossWithInfiniteLse_GivesInfiniteLossAndNaNGradient()
    {
        SoftmaxCrossEntropyOptions options = new() { ZLossWeight = 0.5f };
        foreach (float[] row in new[] { new[] { float.PositiveInfinity, 0f }, [float.NegativeInfinity, float.NegativeInfinity] })
        {
            SoftmaxEvaluation e = SoftmaxEvaluation.Of(row, [0], options, Reduction.Sum);
            Assert.Equal(double.PositiveInfinity, e.Losses[0]);
            Assert.All(e.Gradient, g => Assert.True(double.IsNaN(g)));
        }

        // A -∞ class with a finite maximum keeps lse finite: nothing special happens.
        SoftmaxEvaluation finite = SoftmaxEvaluation.Of([float.NegativeInfinity, 0f], [1], options, Reduction.Sum);
        AssertClose(0.5 * 0 * 0, finite.Losses[0]);
        Assert.Equal([0.0, 0.0], finite.Gradient);
    }

    [Fact]
    public void IgnoredRows_HaveZeroLossAndGradientButTheirLse_MeanCountsOnlyTheOthers()
    {
        SoftmaxCrossEntropyOptions options = new() { IgnoreIndex = -100 };
        SoftmaxEvaluation e = SoftmaxEvaluation.Of([1f, 2f, 3f, 5f, 0f, 0f], [-100, 0], options, Reduction.Mean);
        Assert.Equal(0, e.Losses[0]);
        AssertClose(LseOneTwoThree, e.LogSumExp[0]);
        Assert.Equal([0.0, 0.0, 0.0], e.Gradient.Take(3));
        AssertClose(e.Losses[1], e.Cost); // one row counted: Mean = that row's loss.

        SoftmaxEvaluation all = SoftmaxEvaluation.Of([1f, 2f, 3f], [-100], options, Reduction.Mean);
        Assert.Equal(0, all.Cost);
        Assert.All(all.Gradient, g => Assert.Equal(0, g));

        // Label weights summing to 0 (the only label has weight 0): cost 0 and a zero gradient, not NaN.
        float[] weights = [0f, 1f, 1f];
        SoftmaxEvaluation zero = SoftmaxEvaluation.Of([1f, 2f, 3f], [0], new SoftmaxCrossEntropyOptions { ClassWeights = weights, LabelSmoothing = 0.3f }, Reduction.Mean);
        Assert.Equal(0, zero.Cost);
        Assert.All(zero.Gradient, g => Assert.Equal(0, g));
    }

    [Fact]
    public void FloatMethods_RoundTheDoubleEvaluationOnce()
    {
        Random random = new(5);
        float[] logits = SoftmaxData.Logits(random, 7, 13);
        int[] labels = SoftmaxData.Labels(random, logits, 7, 13);
        float[] targets = SoftmaxData.Targets(random, 7, 13);
        float[] weights = SoftmaxData.ClassWeights(random, 13);
        SoftmaxCrossEntropyOptions options = new() { ClassWeights = weights, LabelSmoothing = 0.05f, ZLossWeight = 1e-3f };
        float[] gradient = new float[logits.Length], losses = new float[7], lse = new float[7];

        SoftmaxEvaluation e = SoftmaxEvaluation.Of(logits, labels, options, Reduction.Mean);
        Assert.Equal((float)e.Cost, Ref.CostAndGradient(logits, labels, gradient, losses, lse, options, Reduction.Mean));
        Assert.Equal(e.Gradient.Select(g => (float)g), gradient);
        Assert.Equal(e.Losses.Select(l => (float)l), losses);
        Assert.Equal(e.LogSumExp.Select(l => (float)l), lse);
        Assert.Equal(e.Cost, Ref.CostInDouble(logits, labels, options, Reduction.Mean));
        Assert.Equal(e.Cost, Ref.CostInDouble(logits.Select(z => (double)z).ToArray(), labels, options, Reduction.Mean));

        SoftmaxEvaluation p = SoftmaxEvaluation.Of(logits, targets, 13, options, Reduction.Sum);
        Assert.Equal((float)p.Cost, Ref.CostAndGradient(logits, targets, 13, gradient, losses, lse, options, Reduction.Sum));
        Assert.Equal(p.Gradient.Select(g => (float)g), gradient);
        Assert.Equal(p.Cost, Ref.CostInDouble(logits.Select(z => (double)z).ToArray(), targets, 13, options, Reduction.Sum));

        // The simple overloads are the general ones with default options.
        SoftmaxEvaluation plain = SoftmaxEvaluation.Of(logits, labels, default, Reduction.Mean);
        Assert.Equal((float)plain.Cost, Ref.Cost(logits, labels));
        Assert.Equal((float)plain.Cost, Ref.CostAndGradient(logits, labels, gradient));
        Assert.Equal(plain.Gradient.Select(g => (float)g), gradient);
        Ref.Losses(logits, labels, losses);
        Assert.Equal(plain.Losses.Select(l => (float)l), losses);
        Assert.Equal((float)Ref.CostInDouble(logits, targets, 13), Ref.CostAndGradient(logits, targets, 13, gradient));
    }

    public static TheoryData<bool, bool, bool, bool, bool, Reduction> OptionCombinations()
    {
        TheoryData<bool, bool, bool, bool, bool, Reduction> data = [];
        foreach (bool targets in new[] { false, true })
        {
            foreach (bool smoothing in new[] { false, true })
            {
                foreach (bool weights in new[] { false, true })
                {
                    foreach (bool ignore in targets ? new[] { false } : [false, true])
                    {
                        foreach (bool zLoss in new[] { false, true })
                        {
                            foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
                            {
                                data.Add(targets, smoothing, weights, ignore, zLoss, reduction);
                            }
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OptionCombinations))]
    public void Gradient_MatchesCentralFiniteDifferencesOfTheCost(bool targets, bool smoothing, bool weights, bool ignore, bool zLoss, Reduction reduction)
    {
        // The gradient formula (a_c, K = Σa + 2λ·lse, the Mean denominators) is checked against the derivative of
        // the cost itself. Central differences in double with h = 1e-5·max(1, |z|) have truncation error
        // ~h²·f'''/6 ≈ 1e-10 and rounding error ~1e-16·|cost|/h ≈ 1e-11 for these sizes, so 1e-7 of the gradient's
        // term magnitude separates "right" from any formula slip (a wrong factor or a missing term is ≥ 1e-3).
        // A fixed seed per combination (HashCode is randomized per process, so it is not used).
        Random random = new((targets ? 1 : 0) + (smoothing ? 2 : 0) + (weights ? 4 : 0) + (ignore ? 8 : 0) + (zLoss ? 16 : 0) + (32 * (int)reduction));
        int checkedCount = 0;
        double worst = 0;
        foreach (int classCount in new[] { 1, 2, 3, 5, 8 })
        {
            foreach (int rows in new[] { 1, 3 })
            {
                float[] logits = new float[rows * classCount];
                for (int i = 0; i < logits.Length; i++)
                {
                    logits[i] = (float)(3 * (random.NextDouble() - 0.5));
                }

                int[] labels = Enumerable.Range(0, rows).Select(_ => random.Next(classCount)).ToArray();
                if (ignore && rows > 1)
                {
                    labels[1] = -1;
                }

                float[] targetValues = SoftmaxData.Targets(random, rows, classCount);
                float[] classWeights = SoftmaxData.ClassWeights(random, classCount);
                SoftmaxCrossEntropyOptions options = new()
                {
                    LabelSmoothing = smoothing ? 0.15f : 0f,
                    ClassWeights = weights ? classWeights : default,
                    IgnoreIndex = ignore ? -1 : null,
                    ZLossWeight = zLoss ? 0.05f : 0f,
                };

                SoftmaxEvaluation e = targets
                    ? SoftmaxEvaluation.Of(logits, targetValues, classCount, options, reduction)
                    : SoftmaxEvaluation.Of(logits, labels, options, reduction);
                double[] z = logits.Select(v => (double)v).ToArray();
                double scale = e.GradientMagnitudes.Max();
                for (int i = 0; i < z.Length; i++)
                {
                    double h = 1e-5 * Math.Max(1, Math.Abs(z[i]));
                    double original = z[i];
                    z[i] = original + h;
                    double plus = targets ? Ref.CostInDouble(z, targetValues, classCount, options, reduction) : Ref.CostInDouble(z, labels, options, reduction);
                    z[i] = original - h;
                    double minus = targets ? Ref.CostInDouble(z, targetValues, classCount, options, reduction) : Ref.CostInDouble(z, labels, options, reduction);
                    z[i] = original;
                    double finiteDifference = (plus - minus) / (2 * h);
                    double error = Math.Abs(finiteDifference - e.Gradient[i]);
                    worst = Math.Max(worst, scale == 0 ? error : error / scale);
                    Assert.True(
                        error <= 1e-7 * Math.Max(scale, 1e-300),
                        $"C={classCount} n={rows} element {i}: finite difference {finiteDifference} vs analytic {e.Gradient[i]}");
                    checkedCount++;
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{checkedCount} gradient entries; worst |FD - analytic| / max term magnitude = {worst:E2}");
    }

    private static void ExpectRow(float[] logits, int label, double loss, double[] gradient)
    {
        SoftmaxEvaluation e = SoftmaxEvaluation.Of(logits, [label], default, Reduction.Sum);
        if (double.IsInfinity(loss) || loss == 0)
        {
            Assert.Equal(loss, e.Losses[0]);
        }
        else
        {
            AssertClose(loss, e.Losses[0]);
        }

        Assert.Equal(gradient, e.Gradient);
        Assert.Equal(e.Losses[0], e.Cost);
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(
            expected == actual || Math.Abs(expected - actual) <= DoubleTolerance * Math.Abs(expected),
            $"expected {SoftmaxComparison.Format(expected)}, got {SoftmaxComparison.Format(actual)}");
}
