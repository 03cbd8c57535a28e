using System.Globalization;
using Kernels.Internal.Simd;
using Kernels.Tests.Support;
using ReferenceBce = Kernels.Reference.BinaryCrossEntropy;

namespace Kernels.Tests;

/// <summary>
/// Accuracy of every public method of <see cref="BinaryCrossEntropy"/> against the double-precision reference,
/// the limits at NaN and ±∞, the blocked cost sum, allocation and the empty batch. The shared harness (both
/// implementations behind one interface, the table of overloads, the exact model and the tolerances) is at the
/// end of this file and is used by the property, argument and multi-output tests too.
/// </summary>
public class BinaryCrossEntropyTests
{
    /// <summary>Every length 0..300 (every split into 32-lane groups and a tail, at every width) and a few large ones.</summary>
    private static readonly int[] Lengths = [.. Enumerable.Range(0, 301), 1000, 4097, 65_537];

    public static TheoryData<string> AllOverloads => BceOverloads.Names(_ => true);

    [Theory]
    [MemberData(nameof(AllOverloads))]
    public void EveryOverloadMatchesTheReferenceAtEveryLength(string overload)
    {
        BceOverload o = BceOverloads.Named(overload);
        AccuracyReport report = new();
        int seed = 0;
        foreach (int length in Lengths)
        {
            foreach (TargetKind targets in Enum.GetValues<TargetKind>())
            {
                foreach (bool nonFinite in (bool[])[false, true])
                {
                    foreach (Reduction reduction in (Reduction[])[Reduction.Sum, Reduction.Mean])
                    {
                        BceBuffers input = BceCases.Generate(o.Kind, length, targets, nonFinite, reduction, ++seed);
                        BceAccuracy.Verify(o, input, report);
                    }
                }
            }
        }

        report.WriteToTestOutput($"{overload}, lengths 0..300, 1000, 4097, 65537");
        report.AssertAllWithinTolerance();
    }

    /// <summary>
    /// The hard-label contract is "within 4 ulp over every finite logit": a fine uniform grid z = k/256 over
    /// [-100, 100] (every rounding regime of e^{-|z|}, 1+e and the atanh series) and every 4093rd positive and
    /// negative float from 2^-149 to float.MaxValue (every binade, many mantissa patterns: 4093 is prime).
    /// </summary>
    [Theory]
    [InlineData("grid k/256, |k| <= 100*256")]
    [InlineData("every 4093rd float")]
    public void HardLabelLossAndGradientAreWithin4UlpOnADenseLogitSweep(string sweep)
    {
        float[] logits = sweep.StartsWith("grid", StringComparison.Ordinal) ? GridLogits() : StridedFloatLogits(4093);
        AccuracyReport report = new();
        foreach (float y in (float[])[0f, 1f])
        {
            float[] targets = new float[logits.Length];
            targets.AsSpan().Fill(y);
            BceBuffers input = BceBuffers.Create(logits, targets, reduction: Reduction.Sum, label: $"{sweep}, y={y}");
            BceAccuracy.Verify(BceOverloads.Named("CostAndGradient(gradient, losses)"), input, report);
        }

        report.WriteToTestOutput($"Dense hard-label sweep ({sweep}, {logits.Length:N0} logits × y ∈ {{0, 1}})");
        report.AssertAllWithinTolerance();

        static float[] GridLogits() => [.. Enumerable.Range(-100 * 256, (200 * 256) + 1).Select(k => k / 256f)];

        static float[] StridedFloatLogits(int stride)
        {
            List<float> logits = [float.MaxValue, -float.MaxValue];
            for (int bits = 1; bits < 0x7F800000; bits += stride)
            {
                float z = BitConverter.Int32BitsToSingle(bits);
                logits.Add(z);
                logits.Add(-z);
            }

            return [.. logits];
        }
    }

    /// <summary>
    /// 2^24 losses of about 2.6 each sum to ~4.3e7: past 2^25 a float has an ulp of 4, so a running float sum
    /// rounds each addition of a ~2.6 loss by up to 2, an error of the order of the term itself, and it drifts by
    /// far more than 1e-5. The kernel's blocked sum keeps a few terms per float partial and everything above in
    /// double, so it must stay within the issue's 1e-6 of the exact cost.
    /// </summary>
    [Fact]
    public void CostOf2To24ElementsIsWithin1e6OfTheReferenceWhereANaiveFloatSumIsNot()
    {
        // The issue's bound for the cost at n = 2^24.
        const double CostTolerance = 1e-6;
        // A running float sum must be off by more than this for the comparison to show the need for blocking.
        const double NaiveSumMustExceed = 1e-5;

        const int N = 1 << 24;
        float[] logits = TestInputs.UniformLogits(N, seed: 24, bound: 10f);
        float[] targets = TestInputs.Targets(TargetKind.Hard, logits, predictionsAreLogits: true, seed: 25);

        double exact = ReferenceBce.CostInDouble(logits, targets, Reduction.Mean);
        double kernelError = RelativeError(BinaryCrossEntropy.Cost(logits, targets, Reduction.Mean), exact);

        float[] losses = new float[N];
        ReferenceBce.Losses(logits, targets, losses);
        float naiveSum = 0f;
        foreach (float loss in losses)
        {
            naiveSum += loss;
        }

        double naiveError = RelativeError(naiveSum / N, exact);
        TestOutput.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Cost at n = 2^24 (logits uniform in ±10, hard labels): exact mean {exact:R}; kernel relative error {kernelError:G3}; naive running float sum {naiveError:G3}"));
        Assert.True(kernelError <= CostTolerance, $"kernel cost relative error {kernelError:G3} > {CostTolerance:G3}");
        Assert.True(naiveError > NaiveSumMustExceed, $"naive float sum relative error {naiveError:G3} is not > {NaiveSumMustExceed:G3}: the test no longer demonstrates anything");

        static double RelativeError(float actual, double exact) => Math.Abs(actual - exact) / Math.Abs(exact);
    }

    /// <summary>
    /// The loss is |z|·w + log1p(e), e = e^{-|z|}. For |z| > 87.34, e is below the smallest normal float, but it is
    /// not negligible when |z|·w is just as small (a target y of 1e-37 at z = -88): the exact loss is then a normal
    /// float and the contract's 4 ulp apply, not the below-normal allowance.
    /// </summary>
    [Theory]
    [InlineData(-88f, 1e-37f)]
    [InlineData(-90f, 1e-36f)]
    [InlineData(-87.677765f, 8.356618e-39f)]
    public void LossKeepsAnEBelowTheSmallestNormalWhenTheLinearTermIsAsSmall(float z, float y)
    {
        float[] loss = new float[1];
        BinaryCrossEntropy.Losses([z], [y], loss);

        double exact = ReferenceBce.LogitLoss(z, y, 1, out _);
        Measurement m = BceAccuracy.ContractUlps.Measure(loss[0], exact, 1);
        Assert.True(m.Score <= 1, Invariant($"loss({z:R}, {y:R}) = {loss[0]:R}, exact {exact:R}: {m.Error:0.#} ulp"));
    }

    /// <summary>
    /// 1024 losses of 3.4e38 (z = -float.MaxValue, y = 1) have a mean of 3.4e38, which is a float; any float partial
    /// of the blocked sum that adds two of them overflows to ∞.
    /// </summary>
    [Fact]
    public void MeanCostIsFiniteWhenTheSumOfLossesExceedsFloatMaxValue()
    {
        float[] logits = Enumerable.Repeat(-float.MaxValue, 1024).ToArray();
        float[] targets = Enumerable.Repeat(1f, 1024).ToArray();

        float cost = BinaryCrossEntropy.Cost(logits, targets, Reduction.Mean);

        double exact = ReferenceBce.CostInDouble(logits, targets, Reduction.Mean);
        Assert.True(BceAccuracy.CostRelative.Measure(cost, exact, 1).Score <= 1, Invariant($"Mean cost {cost:R}, exact {exact:R}"));
    }

    public static TheoryData<string, bool, int> NaNCases()
    {
        TheoryData<string, bool, int> cases = [];
        foreach (string overload in (string[])["CostAndGradient(gradient, losses)", "CostAndGradient(k, sampleLosses)", "CostAndGradientFromProbabilities(gradient, losses)", "CostAndGradientFromProbabilities(k, sampleLosses)"])
        {
            foreach (bool inTarget in (bool[])[false, true])
            {
                // First, middle and last element of the 32-lane group, and first and last of the scalar tail.
                foreach (int position in (int[])[0, 7, 16, 31, 32, 38])
                {
                    cases.Add(overload, inTarget, position);
                }
            }
        }

        return cases;
    }

    /// <summary>NaN poisons its own element (and its sample, and the cost) and nothing else.</summary>
    [Theory]
    [MemberData(nameof(NaNCases))]
    public void NaNInOnePredictionOrTargetGivesNaNInThatElementAndTheCostOnly(string overload, bool inTarget, int position)
    {
        BceOverload o = BceOverloads.Named(overload);
        // 39 elements: a full group of logical lanes (32) and a 7-element scalar tail; 13 samples of 3 outputs when multi-output.
        int outputCount = o.MultiOutput ? 3 : 1;
        BceBuffers clean = BceCases.Generate(o.Kind, 39, TargetKind.Soft, nonFinite: false, Reduction.Mean, seed: 39, outputCount);
        BceBuffers poisoned = clean.Clone();
        (inTarget ? poisoned.Targets : poisoned.Predictions).Span[position] = float.NaN;

        float cleanCost = o.Invoke(BceKernels.Instance, clean);
        float poisonedCost = o.Invoke(BceKernels.Instance, poisoned);

        Assert.True(float.IsNaN(poisonedCost), $"cost {poisonedCost} is not NaN");
        Assert.False(float.IsNaN(cleanCost));
        AssertOnlyElementIsNaN(clean.Gradient.Span, poisoned.Gradient.Span, position, "gradient");
        AssertOnlyElementIsNaN(clean.Losses.Span, poisoned.Losses.Span, position / outputCount, "losses");

        static void AssertOnlyElementIsNaN(ReadOnlySpan<float> clean, ReadOnlySpan<float> poisoned, int index, string what)
        {
            Assert.True(float.IsNaN(poisoned[index]), $"{what}[{index}] = {poisoned[index]} is not NaN");
            Bitwise.AssertEqual(clean[..index], poisoned[..index], what);
            Bitwise.AssertEqual(clean[(index + 1)..], poisoned[(index + 1)..], what);
        }
    }

    public static TheoryData<float, float, Reduction> InfiniteLogitCases()
    {
        TheoryData<float, float, Reduction> cases = [];
        foreach (float z in (float[])[float.PositiveInfinity, float.NegativeInfinity])
        {
            // Hard and soft targets, and targets outside [0, 1] (not range-checked on the logits path).
            foreach (float y in (float[])[0f, 0.25f, 0.5f, 1f, -0.5f, 1.5f])
            {
                cases.Add(z, y, Reduction.Sum);
                cases.Add(z, y, Reduction.Mean);
            }
        }

        return cases;
    }

    /// <summary>
    /// z = +∞: loss (1-y)·∞, exactly 0 when y = 1, gradient s·(1-y); z = -∞: loss y·∞, exactly 0 when y = 0,
    /// gradient -s·y. Never NaN for a finite y, in the vector body and in the tail (37 = 32 + 5 elements).
    /// </summary>
    [Theory]
    [MemberData(nameof(InfiniteLogitCases))]
    public void InfiniteLogitGivesTheExactLimitAndNeverNaN(float z, float y, Reduction reduction)
    {
        const int N = 37;
        float[] logits = Enumerable.Repeat(z, N).ToArray();
        float[] targets = Enumerable.Repeat(y, N).ToArray();
        float[] gradient = new float[N], losses = new float[N];

        float cost = BinaryCrossEntropy.CostAndGradient(logits, targets, gradient, losses, reduction);

        // The weight of the infinite term: 1-y at +∞, y at -∞; a zero weight reads 0·∞ as 0.
        float weight = z > 0 ? 1f - y : y;
        float expectedLoss = weight == 0 ? 0f : weight * float.PositiveInfinity;
        double expectedGradient = (z > 0 ? 1 - y : -y) / (reduction == Reduction.Mean ? N : 1);
        for (int i = 0; i < N; i++)
        {
            Assert.Equal(expectedLoss, losses[i]);
            if (reduction == Reduction.Sum)
            {
                // s = 1: the limit 1-y or -y is a float, and exactly what must come out.
                Assert.Equal((float)expectedGradient, gradient[i]);
            }
            else
            {
                // s = 1/n is rounded to float like any Mean gradient: the contract's 4 ulp.
                Measurement m = BceAccuracy.ContractUlps.Measure(gradient[i], expectedGradient, 1);
                Assert.True(m.Score <= 1, Invariant($"gradient[{i}] = {gradient[i]:R}, expected {expectedGradient:R}"));
            }
        }

        Assert.Equal(reduction == Reduction.Mean ? expectedLoss : expectedLoss * N, cost);
    }

    /// <summary>The logits path defines the loss for any real y; at z = 0 it is ln 2 and the gradient ½ - y.</summary>
    [Theory]
    [InlineData(-1f)]
    [InlineData(2f)]
    [InlineData(3.5f)]
    public void TargetsOutsideZeroOneAreAcceptedOnTheLogitsPath(float y)
    {
        float[] gradient = new float[3], losses = new float[3];
        BinaryCrossEntropy.CostAndGradient([0f, 0f, -0f], [y, y, y], gradient, losses, Reduction.Sum);
        foreach (float loss in losses)
        {
            Assert.True(Tolerance.Ulps(4).Measure(loss, Math.Log(2), 1).Score <= 1, $"loss {loss:R} is not ln 2");
        }

        Assert.All(gradient, g => Assert.Equal(0.5f - y, g));
    }

    /// <summary>Every public method, with and without weights, allocates nothing once warmed up (n = 10,000).</summary>
    [Theory]
    [MemberData(nameof(AllocationCases))]
    public void EveryPublicMethodAllocatesNothing(string overload, bool weighted)
    {
        BceOverload o = BceOverloads.Named(overload);
        int outputCount = o.MultiOutput ? 4 : 1;
        BceBuffers input = BceCases.Generate(o.Kind, 10_000, TargetKind.Soft, nonFinite: false, Reduction.Mean, seed: 8, outputCount, weighted, weighted && o.Kind == PredictionKind.Logits);
        IBinaryCrossEntropy api = BceKernels.Instance;
        o.Invoke(api, input); // JIT and static initialization happen here.

        Action call = () => o.Invoke(api, input);
        Assert.Equal(0, Allocations.QuietestWindow(call));
    }

    public static TheoryData<string, bool> AllocationCases()
    {
        TheoryData<string, bool> cases = [];
        foreach (BceOverload o in BceOverloads.All)
        {
            cases.Add(o.Name, false);
            if (o.MultiOutput)
            {
                cases.Add(o.Name, true);
            }
        }

        return cases;
    }

    /// <summary>An empty batch is valid and costs 0 under both reductions (Mean does not divide 0 by 0).</summary>
    [Theory]
    [MemberData(nameof(AllOverloads))]
    public void EmptyInputCostsZero(string overload)
    {
        BceOverload o = BceOverloads.Named(overload);
        foreach (Reduction reduction in (Reduction[])[Reduction.Sum, Reduction.Mean])
        {
            BceBuffers empty = BceCases.Generate(o.Kind, 0, TargetKind.Hard, nonFinite: false, reduction, seed: 0, outputCount: o.MultiOutput ? 3 : 1);
            float cost = o.Invoke(BceKernels.Instance, empty);
            if (o.Writes.HasFlag(BceOutputs.Cost))
            {
                Assert.Equal(0f, cost);
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Which kind of prediction an overload takes.</summary>
public enum PredictionKind
{
    Logits,
    Probabilities,
}

/// <summary>What an overload produces.</summary>
[Flags]
public enum BceOutputs
{
    None = 0,
    Cost = 1,
    Gradient = 2,
    Losses = 4,
}

/// <summary>
/// The public surface shared by <see cref="BinaryCrossEntropy"/> and <see cref="ReferenceBce"/>, so one table of
/// calls (<see cref="BceOverloads"/>) runs against either.
/// </summary>
public interface IBinaryCrossEntropy
{
    void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses);

    float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction);

    float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction);

    float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction);

    void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> sampleLosses);

    float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction);

    float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction);

    void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses);

    float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Reduction reduction);

    float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction);

    float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction);

    void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses);

    float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Reduction reduction);

    float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction);
}

/// <summary>The SIMD kernels under test.</summary>
public sealed class BceKernels : IBinaryCrossEntropy
{
    public static readonly BceKernels Instance = new();

    public void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses) => BinaryCrossEntropy.Losses(logits, targets, losses);

    public float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction) => BinaryCrossEntropy.Cost(logits, targets, reduction);

    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction) => BinaryCrossEntropy.CostAndGradient(logits, targets, gradient, reduction);

    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction) => BinaryCrossEntropy.CostAndGradient(logits, targets, gradient, losses, reduction);

    public void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> sampleLosses) => BinaryCrossEntropy.Losses(logits, targets, outputCount, sampleWeights, positiveWeights, sampleLosses);

    public float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction) => BinaryCrossEntropy.Cost(logits, targets, outputCount, sampleWeights, positiveWeights, reduction);

    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction) => BinaryCrossEntropy.CostAndGradient(logits, targets, outputCount, sampleWeights, positiveWeights, gradient, sampleLosses, reduction);

    public void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses) => BinaryCrossEntropy.LossesFromProbabilities(probabilities, targets, losses);

    public float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Reduction reduction) => BinaryCrossEntropy.CostFromProbabilities(probabilities, targets, reduction);

    public float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction) => BinaryCrossEntropy.CostAndGradientFromProbabilities(probabilities, targets, gradient, reduction);

    public float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction) => BinaryCrossEntropy.CostAndGradientFromProbabilities(probabilities, targets, gradient, losses, reduction);

    public void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses) => BinaryCrossEntropy.LossesFromProbabilities(probabilities, targets, outputCount, sampleWeights, sampleLosses);

    public float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Reduction reduction) => BinaryCrossEntropy.CostFromProbabilities(probabilities, targets, outputCount, sampleWeights, reduction);

    public float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction) => BinaryCrossEntropy.CostAndGradientFromProbabilities(probabilities, targets, outputCount, sampleWeights, gradient, sampleLosses, reduction);
}

/// <summary>The double-precision reference.</summary>
public sealed class BceReference : IBinaryCrossEntropy
{
    public static readonly BceReference Instance = new();

    public void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses) => ReferenceBce.Losses(logits, targets, losses);

    public float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Reduction reduction) => ReferenceBce.Cost(logits, targets, reduction);

    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction) => ReferenceBce.CostAndGradient(logits, targets, gradient, reduction);

    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction) => ReferenceBce.CostAndGradient(logits, targets, gradient, losses, reduction);

    public void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> sampleLosses) => ReferenceBce.Losses(logits, targets, outputCount, sampleWeights, positiveWeights, sampleLosses);

    public float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Reduction reduction) => ReferenceBce.Cost(logits, targets, outputCount, sampleWeights, positiveWeights, reduction);

    public float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction) => ReferenceBce.CostAndGradient(logits, targets, outputCount, sampleWeights, positiveWeights, gradient, sampleLosses, reduction);

    public void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> losses) => ReferenceBce.LossesFromProbabilities(probabilities, targets, losses);

    public float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Reduction reduction) => ReferenceBce.CostFromProbabilities(probabilities, targets, reduction);

    public float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Reduction reduction) => ReferenceBce.CostAndGradientFromProbabilities(probabilities, targets, gradient, reduction);

    public float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient, Span<float> losses, Reduction reduction) => ReferenceBce.CostAndGradientFromProbabilities(probabilities, targets, gradient, losses, reduction);

    public void LossesFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> sampleLosses) => ReferenceBce.LossesFromProbabilities(probabilities, targets, outputCount, sampleWeights, sampleLosses);

    public float CostFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Reduction reduction) => ReferenceBce.CostFromProbabilities(probabilities, targets, outputCount, sampleWeights, reduction);

    public float CostAndGradientFromProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, int outputCount, ReadOnlySpan<float> sampleWeights, Span<float> gradient, Span<float> sampleLosses, Reduction reduction) => ReferenceBce.CostAndGradientFromProbabilities(probabilities, targets, outputCount, sampleWeights, gradient, sampleLosses, reduction);
}

/// <summary>
/// The arguments of one call, as <see cref="Memory{T}"/> views so that tests can point them into one shared array
/// (overlap tests) and calls allocate nothing. Empty weights mean "none"; empty outputs are not passed.
/// </summary>
public sealed class BceBuffers
{
    /// <summary>Written into outputs before a call: no loss or gradient of the tests' inputs takes this value.</summary>
    public const float Unwritten = -77_777_777f;

    public Memory<float> Predictions { get; set; }

    public Memory<float> Targets { get; set; }

    public Memory<float> SampleWeights { get; set; }

    public Memory<float> PositiveWeights { get; set; }

    public Memory<float> Gradient { get; set; }

    public Memory<float> Losses { get; set; }

    public int OutputCount { get; set; } = 1;

    public Reduction Reduction { get; set; } = Reduction.Mean;

    /// <summary>Names the case in failure messages (length, target kind, seed…).</summary>
    public string Label { get; set; } = string.Empty;

    /// <summary>"z" for logits, "a" for probabilities, in failure messages.</summary>
    public string PredictionSymbol { get; set; } = "z";

    public int Samples => Predictions.Length / OutputCount;

    public bool IsWeighted => !SampleWeights.IsEmpty || !PositiveWeights.IsEmpty;

    /// <summary>Buffers over fresh arrays, with outputs of the right lengths filled with <see cref="Unwritten"/>.</summary>
    public static BceBuffers Create(
        float[] predictions, float[] targets, int outputCount = 1, float[]? sampleWeights = null, float[]? positiveWeights = null,
        Reduction reduction = Reduction.Mean, string label = "")
    {
        BceBuffers buffers = new()
        {
            Predictions = predictions,
            Targets = targets,
            SampleWeights = sampleWeights,
            PositiveWeights = positiveWeights,
            OutputCount = outputCount,
            Reduction = reduction,
            Label = label,
        };
        buffers.Gradient = Filled(predictions.Length);
        buffers.Losses = Filled(buffers.Samples);
        return buffers;
    }

    /// <summary>
    /// A deep copy over new arrays (same inputs, outputs reset to <see cref="Unwritten"/>), optionally read as
    /// <paramref name="outputCount"/> outputs per sample (weights are then dropped: their lengths would not fit).
    /// </summary>
    public BceBuffers Clone(int? outputCount = null)
    {
        bool sameShape = outputCount is null || outputCount == OutputCount;
        BceBuffers copy = sameShape
            ? Create(Predictions.ToArray(), Targets.ToArray(), OutputCount, SampleWeights.ToArray(), PositiveWeights.ToArray(), Reduction, Label)
            : Create(Predictions.ToArray(), Targets.ToArray(), outputCount!.Value, reduction: Reduction, label: $"{Label} as k={outputCount}");
        copy.PredictionSymbol = PredictionSymbol;
        return copy;
    }

    public string DescribeElement(int index)
    {
        int sample = index / OutputCount, output = index % OutputCount;
        string weights = (SampleWeights.IsEmpty ? string.Empty : Invariant($", w={SampleWeights.Span[sample]:R}"))
            + (PositiveWeights.IsEmpty ? string.Empty : Invariant($", p={PositiveWeights.Span[output]:R}"));
        return Invariant($"{PredictionSymbol}={Predictions.Span[index]:R}, y={Targets.Span[index]:R}{weights} (element {index} of {Label})");
    }

    public string DescribeSample(int sample)
    {
        if (OutputCount == 1)
        {
            return DescribeElement(sample);
        }

        const int Shown = 6;
        int start = sample * OutputCount, count = Math.Min(OutputCount, Shown);
        string more = OutputCount > Shown ? ", …" : string.Empty;
        string weight = SampleWeights.IsEmpty ? string.Empty : Invariant($", w={SampleWeights.Span[sample]:R}");
        return Invariant($"{PredictionSymbol}=[{Join(Predictions.Span.Slice(start, count))}{more}], y=[{Join(Targets.Span.Slice(start, count))}{more}]{weight} (sample {sample} of {Label})");
    }

    public string DescribeCase(int unused) => Invariant($"{Label} (n={Samples}, k={OutputCount}, {Reduction})");

    public override string ToString() => DescribeCase(0);


    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Join(ReadOnlySpan<float> values) => string.Join(", ", values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static float[] Filled(int length)
    {
        float[] values = new float[length];
        values.AsSpan().Fill(Unwritten);
        return values;
    }
}

/// <summary>One row of the table of public methods: a name, what it takes and writes, and the call itself.</summary>
public sealed record BceOverload(string Name, PredictionKind Kind, bool MultiOutput, BceOutputs Writes, bool TakesReduction, Func<IBinaryCrossEntropy, BceBuffers, float> Invoke)
{
    public string PredictionsName => Kind == PredictionKind.Logits ? "logits" : "probabilities";

    public string LossesName => MultiOutput ? "sampleLosses" : "losses";

    public override string ToString() => Name;
}

/// <summary>
/// All 14 public methods (the multi-output fused one twice: with and without sample losses). Void methods return
/// NaN. The lambdas capture nothing, so invoking them allocates nothing.
/// </summary>
public static class BceOverloads
{
    private const PredictionKind L = PredictionKind.Logits;
    private const PredictionKind P = PredictionKind.Probabilities;

    public static readonly BceOverload[] All =
    [
        new("Losses", L, false, BceOutputs.Losses, false, static (api, b) => { api.Losses(b.Predictions.Span, b.Targets.Span, b.Losses.Span); return float.NaN; }),
        new("Cost", L, false, BceOutputs.Cost, true, static (api, b) => api.Cost(b.Predictions.Span, b.Targets.Span, b.Reduction)),
        new("CostAndGradient", L, false, BceOutputs.Cost | BceOutputs.Gradient, true, static (api, b) => api.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Reduction)),
        new("CostAndGradient(gradient, losses)", L, false, BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, true, static (api, b) => api.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Losses.Span, b.Reduction)),
        new("Losses(k)", L, true, BceOutputs.Losses, false, static (api, b) => { api.Losses(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.PositiveWeights.Span, b.Losses.Span); return float.NaN; }),
        new("Cost(k)", L, true, BceOutputs.Cost, true, static (api, b) => api.Cost(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.PositiveWeights.Span, b.Reduction)),
        new("CostAndGradient(k)", L, true, BceOutputs.Cost | BceOutputs.Gradient, true, static (api, b) => api.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.PositiveWeights.Span, b.Gradient.Span, default, b.Reduction)),
        new("CostAndGradient(k, sampleLosses)", L, true, BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, true, static (api, b) => api.CostAndGradient(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.PositiveWeights.Span, b.Gradient.Span, b.Losses.Span, b.Reduction)),
        new("LossesFromProbabilities", P, false, BceOutputs.Losses, false, static (api, b) => { api.LossesFromProbabilities(b.Predictions.Span, b.Targets.Span, b.Losses.Span); return float.NaN; }),
        new("CostFromProbabilities", P, false, BceOutputs.Cost, true, static (api, b) => api.CostFromProbabilities(b.Predictions.Span, b.Targets.Span, b.Reduction)),
        new("CostAndGradientFromProbabilities", P, false, BceOutputs.Cost | BceOutputs.Gradient, true, static (api, b) => api.CostAndGradientFromProbabilities(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Reduction)),
        new("CostAndGradientFromProbabilities(gradient, losses)", P, false, BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, true, static (api, b) => api.CostAndGradientFromProbabilities(b.Predictions.Span, b.Targets.Span, b.Gradient.Span, b.Losses.Span, b.Reduction)),
        new("LossesFromProbabilities(k)", P, true, BceOutputs.Losses, false, static (api, b) => { api.LossesFromProbabilities(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.Losses.Span); return float.NaN; }),
        new("CostFromProbabilities(k)", P, true, BceOutputs.Cost, true, static (api, b) => api.CostFromProbabilities(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.Reduction)),
        new("CostAndGradientFromProbabilities(k)", P, true, BceOutputs.Cost | BceOutputs.Gradient, true, static (api, b) => api.CostAndGradientFromProbabilities(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.Gradient.Span, default, b.Reduction)),
        new("CostAndGradientFromProbabilities(k, sampleLosses)", P, true, BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, true, static (api, b) => api.CostAndGradientFromProbabilities(b.Predictions.Span, b.Targets.Span, b.OutputCount, b.SampleWeights.Span, b.Gradient.Span, b.Losses.Span, b.Reduction)),
    ];

    public static BceOverload Named(string name) => All.Single(o => o.Name == name);

    /// <summary>The overload of <paramref name="kind"/> that writes exactly <paramref name="writes"/>.</summary>
    public static BceOverload Find(PredictionKind kind, BceOutputs writes, bool multiOutput = false) =>
        All.Single(o => o.Kind == kind && o.Writes == writes && o.MultiOutput == multiOutput);

    public static TheoryData<string> Names(Func<BceOverload, bool> where) => [.. All.Where(where).Select(o => o.Name)];
}

/// <summary>Generated cases: <see cref="TestInputs"/> wrapped into <see cref="BceBuffers"/>.</summary>
public static class BceCases
{
    public static BceBuffers Generate(
        PredictionKind kind, int elements, TargetKind targetKind, bool nonFinite, Reduction reduction, int seed,
        int outputCount = 1, bool sampleWeights = false, bool positiveWeights = false)
    {
        bool logits = kind == PredictionKind.Logits;
        float[] predictions = logits ? TestInputs.Logits(elements, seed, nonFinite) : TestInputs.Probabilities(elements, seed, nonFinite);
        float[] targets = TestInputs.Targets(targetKind, predictions, logits, seed + 1);
        string weights = (sampleWeights ? ", sample weights" : string.Empty) + (positiveWeights ? ", positive weights" : string.Empty);
        BceBuffers call = BceBuffers.Create(
            predictions,
            targets,
            outputCount,
            sampleWeights ? TestInputs.SampleWeights(elements / outputCount, seed + 2) : null,
            positiveWeights ? TestInputs.PositiveWeights(outputCount, seed + 3) : null,
            reduction,
            $"{(logits ? "logits" : "probabilities")}, {elements} elements, {targetKind} targets{(nonFinite ? ", with ±∞/NaN" : string.Empty)}{weights}, seed {seed}");
        call.PredictionSymbol = logits ? "z" : "a";
        return call;
    }
}

/// <summary>
/// The exact (double) results of a call, computed with the reference's per-element functions
/// (<see cref="ReferenceBce.LogitLoss"/>, <see cref="ReferenceBce.ProbabilityLoss"/>) and the reference's loop,
/// but not rounded to float: the yardstick the tolerances are stated against. Each value also gets the magnitude
/// its absolute bounds scale with.
/// </summary>
public sealed class BceExactResults
{
    private BceExactResults(int elements, int samples)
    {
        Gradient = new double[elements];
        GradientScale = new double[elements];
        Losses = new double[samples];
        LossScale = new double[samples];
    }

    public double[] Gradient { get; }

    /// <summary>s·|w|·max(1, |p|): a bound on the size of each term of the gradient.</summary>
    public double[] GradientScale { get; }

    public double[] Losses { get; }

    /// <summary>The number of terms of each sample loss times |w|·max(1, |p|): the below-normal floor scales with it.</summary>
    public double[] LossScale { get; }

    public double Cost { get; private set; }

    public double CostScale { get; private set; }

    public static BceExactResults Of(BceBuffers call, PredictionKind kind)
    {
        int k = call.OutputCount, samples = call.Samples;
        ReadOnlySpan<float> predictions = call.Predictions.Span, targets = call.Targets.Span;
        ReadOnlySpan<float> sampleWeights = call.SampleWeights.Span, positiveWeights = call.PositiveWeights.Span;
        double s = call.Reduction == Reduction.Mean && samples > 0 ? 1.0 / samples : 1.0;
        BceExactResults exact = new(predictions.Length, samples);
        double total = 0, totalScale = 0;
        for (int i = 0; i < samples; i++)
        {
            double w = sampleWeights.IsEmpty ? 1 : sampleWeights[i];
            double sampleLoss = 0, sampleScale = 0;
            for (int j = 0; j < k; j++)
            {
                int index = (i * k) + j;
                double p = positiveWeights.IsEmpty ? 1 : positiveWeights[j];
                double loss = kind == PredictionKind.Logits
                    ? ReferenceBce.LogitLoss(predictions[index], targets[index], p, out double gradient)
                    : ReferenceBce.ProbabilityLoss(predictions[index], targets[index], out gradient);

                // Documented: per-element losses are float values before the sample weight applies, so one whose
                // exact value exceeds float.MaxValue (|z| near float.MaxValue with p > 1) is +∞ (and 0·∞ = NaN).
                if (loss > float.MaxValue)
                {
                    loss = double.PositiveInfinity;
                }

                sampleLoss += loss;
                double magnitude = Math.Abs(w) * Math.Max(1, Math.Abs(p));
                sampleScale += magnitude;
                exact.Gradient[index] = s * w * gradient;
                exact.GradientScale[index] = s * magnitude;
            }

            exact.Losses[i] = sampleLoss * w;
            exact.LossScale[i] = sampleScale;
            total += exact.Losses[i];
            totalScale += sampleScale;
        }

        exact.Cost = total * s;
        exact.CostScale = totalScale * s;
        return exact;
    }
}

/// <summary>
/// Runs an overload of the kernels, computes the exact results, and records every output it writes in an
/// <see cref="AccuracyReport"/> under the tolerance that applies to it.
/// </summary>
public static class BceAccuracy
{
    private const double U = Tolerance.UnitRoundoff;

    /// <summary>The contract: loss within 4 ulp; gradient within 4 ulp for y ∈ {0, 1} and the probabilities path.</summary>
    public static readonly Tolerance ContractUlps = Tolerance.Ulps(4);

    /// <summary>The contract for soft targets on the logits path: σ(z) - y cancels, so 2^-22·s absolute.</summary>
    public static readonly Tolerance SoftGradient = Tolerance.Absolute(Math.ScaleB(1, -22), "s");

    /// <summary>
    /// The issue's bound for Cost (at n = 2^24, and used for every unweighted cost). It holds with room to spare:
    /// the losses are ≥ 0 for y ∈ [0, 1], each within 4 ulp (≤ 8·2^-24 relative); the blocked
    /// sum's partials are double (no float rounding there); the result is rounded once: ≤ 9·2^-24 ≈ 5.4e-7.
    /// </summary>
    public static readonly Tolerance CostRelative = Tolerance.Relative(1e-6);

    /// <summary>
    /// Weighted costs: as <see cref="CostRelative"/> with weighted element losses (≤ 11·2^-24, see <see cref="Loss"/>),
    /// double partials and the final rounding: ≤ 12·2^-24, so 19·2^-24 (set when partials were float, 7 additions
    /// each) has room to spare.
    /// </summary>
    public static readonly Tolerance WeightedCostRelative = Tolerance.Relative(19 * U);

    /// <summary>
    /// Weighted gradient, hard targets (the contract does not state weighted bounds, so they are derived): the
    /// contract's 4 ulp (≤ 8·2^-24 relative) + 1·2^-24 for rounding s·w to float + 2·2^-24 for l = 1 + (p-1)·y,
    /// which takes two roundings and is amplified at most 2× by the subtraction l·q - p·y (there q ≤ ½).
    /// </summary>
    public static readonly Tolerance WeightedHardGradient = Tolerance.Relative(11 * U);

    /// <summary>
    /// Weighted gradient, soft targets: the contract's 2^-22 = 4·2^-24 absolute per unit of term size, with the terms
    /// now of size s·|w|·max(1, p) (l·q ≤ max(1, p)/2 and p·y ≤ p), plus 2^-24 of that for rounding s·w to float.
    /// </summary>
    public static readonly Tolerance WeightedSoftGradient = Tolerance.Absolute(5 * U, "s·|w|·max(1,p)");

    /// <summary>
    /// Loss tolerance. One output, no weights: the contract (4 ulp). Otherwise a sum of k element losses, all ≥ 0
    /// for y ∈ [0, 1] (no cancellation): the elements' 4 ulp (≤ 8·2^-24 relative), the blocked sum (its partials are
    /// double, so only the final rounding to float counts: <see cref="SumRoundingUnits"/> = 1), plus 2·2^-24 when
    /// weighted (p·y and 1 + (p-1)·y rounded for a positive weight; loss·w rounded in float for a sample weight when
    /// k = 1, where there is no addition).
    /// </summary>
    public static Tolerance Loss(int outputCount, bool weighted) => outputCount == 1 && !weighted
        ? ContractUlps
        : Tolerance.Relative((8 + (weighted ? 2 : 0) + SumRoundingUnits) * U);

    /// <summary>
    /// Units of 2^-24 that <see cref="LaneSum"/> adds to a sum of non-negative float terms: its lanes and their
    /// total are double (exact to far below 2^-24 for these lengths), so only the final rounding to float remains.
    /// </summary>
    public const int SumRoundingUnits = 1;

    /// <summary>Runs <paramref name="overload"/> on <paramref name="call"/> and records each output it writes.</summary>
    public static void Verify(BceOverload overload, BceBuffers call, AccuracyReport report) =>
        Check(overload, call, overload.Invoke(BceKernels.Instance, call), report);

    /// <summary>Records each output of a call already made (its outputs in <paramref name="call"/>, its result <paramref name="cost"/>).</summary>
    public static void Check(BceOverload overload, BceBuffers call, float cost, AccuracyReport report)
    {
        if (call.Predictions.IsEmpty)
        {
            // Nothing to measure (and an empty weight span no longer tells a weighted call apart): the cost is 0.
            Assert.True(!overload.Writes.HasFlag(BceOutputs.Cost) || cost == 0, $"empty batch cost {cost} is not 0 ({call})");
            return;
        }

        BceExactResults exact = BceExactResults.Of(call, overload.Kind);
        string weighted = call.IsWeighted ? "weighted " : string.Empty;

        if (overload.Writes.HasFlag(BceOutputs.Gradient))
        {
            ReadOnlySpan<float> gradient = call.Gradient.Span, targets = call.Targets.Span;
            for (int i = 0; i < gradient.Length; i++)
            {
                bool hard = targets[i] is 0f or 1f;
                (string quantity, Tolerance tolerance) = (overload.Kind, hard, call.IsWeighted) switch
                {
                    (PredictionKind.Probabilities, _, false) => ("gradient", ContractUlps),
                    // Only the s·w rounding of the weighted bound applies here (there is no l): a looser bound, not a tighter one.
                    (PredictionKind.Probabilities, _, true) => ("gradient", WeightedHardGradient),
                    (_, true, false) => ("gradient, hard targets", ContractUlps),
                    (_, true, true) => ("gradient, hard targets", WeightedHardGradient),
                    (_, false, false) => ("gradient, soft targets", SoftGradient),
                    (_, false, true) => ("gradient, soft targets", WeightedSoftGradient),
                };
                report.For(weighted + quantity, tolerance).Add(gradient[i], exact.Gradient[i], exact.GradientScale[i], call.DescribeElement, i);
            }
        }

        if (overload.Writes.HasFlag(BceOutputs.Losses))
        {
            string quantity = call.OutputCount == 1 ? "loss" : $"sample loss, k={call.OutputCount}";
            ErrorStats stats = report.For(weighted + quantity, Loss(call.OutputCount, call.IsWeighted));
            ReadOnlySpan<float> losses = call.Losses.Span;
            for (int i = 0; i < losses.Length; i++)
            {
                stats.Add(losses[i], exact.Losses[i], exact.LossScale[i], call.DescribeSample, i);
            }
        }

        if (overload.Writes.HasFlag(BceOutputs.Cost))
        {
            report.For(weighted + "cost", call.IsWeighted ? WeightedCostRelative : CostRelative).Add(cost, exact.Cost, exact.CostScale, call.DescribeCase, 0);
        }
    }
}
