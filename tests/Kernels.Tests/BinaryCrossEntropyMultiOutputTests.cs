using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Multi-output overloads (n samples × k outputs, row-major) with and without per-sample weights and per-output
/// positive weights, against the exact results; and the documented choice that Mean divides by the number of
/// samples n, not by n·k as PyTorch does.
/// </summary>
public class BinaryCrossEntropyMultiOutputTests
{
    /// <summary>k = 1 (the flat pass, weights included), small k (rows shorter than a vector), 16, 33 (one 32-lane group + 1) and 100 (several groups and a tail).</summary>
    private static readonly int[] OutputCounts = [1, 2, 3, 7, 16, 33, 100];

    /// <summary>Sample counts: none, one, a few, and enough that row starts fall on many offsets modulo the vector width.</summary>
    private static readonly int[] SampleCounts = [0, 1, 2, 5, 16, 37];

    public static TheoryData<int, PredictionKind, bool, bool> ShapesAndWeights()
    {
        TheoryData<int, PredictionKind, bool, bool> cases = [];
        foreach (int k in OutputCounts)
        {
            foreach (bool sampleWeights in (bool[])[false, true])
            {
                cases.Add(k, PredictionKind.Probabilities, sampleWeights, false);
                foreach (bool positiveWeights in (bool[])[false, true])
                {
                    cases.Add(k, PredictionKind.Logits, sampleWeights, positiveWeights);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(ShapesAndWeights))]
    public void MultiOutputOverloadsMatchTheReference(int outputCount, PredictionKind kind, bool sampleWeights, bool positiveWeights)
    {
        AccuracyReport report = new();
        int seed = outputCount * 1000;
        foreach (BceOverload overload in BceOverloads.All.Where(o => o.MultiOutput && o.Kind == kind))
        {
            foreach (int samples in SampleCounts)
            {
                foreach (TargetKind targets in Enum.GetValues<TargetKind>())
                {
                    foreach (Reduction reduction in (Reduction[])[Reduction.Sum, Reduction.Mean])
                    {
                        BceBuffers call = BceCases.Generate(kind, samples * outputCount, targets, nonFinite: false, reduction, ++seed, outputCount, sampleWeights, positiveWeights);
                        BceAccuracy.Verify(overload, call, report);
                    }
                }
            }
        }

        report.WriteToTestOutput($"Multi-output {kind}, k={outputCount}{(sampleWeights ? ", sample weights" : string.Empty)}{(positiveWeights ? ", positive weights" : string.Empty)}");
        report.AssertAllWithinTolerance();
    }

    /// <summary>
    /// 2 samples × 3 outputs, each output at the point where loss = ln 2: every sample loss is 3·ln 2, the Mean
    /// cost is 6·ln 2 / 2 (dividing by n·k would give ln 2) and the Mean gradient is that of Sum halved.
    /// </summary>
    [Theory]
    [InlineData(PredictionKind.Logits, 0f, -0.5f)] // σ(0) = ½: loss ln 2, ∂/∂z = ½ - 1
    [InlineData(PredictionKind.Probabilities, 0.5f, -2f)] // a = ½: loss ln 2, ∂/∂a = (½ - 1)/¼
    public void MeanDividesByTheNumberOfSamplesNotByTheNumberOfElements(PredictionKind kind, float prediction, float sumGradient)
    {
        const int Samples = 2, K = 3;
        float[] predictions = Enumerable.Repeat(prediction, Samples * K).ToArray();
        float[] targets = Enumerable.Repeat(1f, Samples * K).ToArray();
        BceOverload overload = BceOverloads.Find(kind, BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, multiOutput: true);
        BceBuffers mean = BceBuffers.Create(predictions, targets, K, reduction: Reduction.Mean);

        float cost = overload.Invoke(BceKernels.Instance, mean);

        double sampleLoss = K * Math.Log(2);
        Assert.True(BceAccuracy.CostRelative.Measure(cost, sampleLoss, 1).Score <= 1, $"Mean cost {cost} is not k·ln 2 = {sampleLoss} (ln 2 would be dividing by n·k)");
        Tolerance sampleLossTolerance = BceAccuracy.Loss(K, weighted: false);
        Assert.All(mean.Losses.ToArray(), loss => Assert.True(sampleLossTolerance.Measure(loss, sampleLoss, 1).Score <= 1, $"sample loss {loss} is not k·ln 2"));
        Assert.All(mean.Gradient.ToArray(), g => Assert.Equal(sumGradient / Samples, g));
    }

    /// <summary>
    /// A positive weight p &lt; 1 (down-weighting positives) with y = 1: the loss is p·softplus(-z) and the gradient
    /// p·(σ(z) - 1), both products with p, so they keep full relative accuracy however small p is; the weighted
    /// tolerances of the harness apply (no sample weight here, so they are not even needed in full).
    /// </summary>
    [Theory]
    [InlineData(0.01f, 0.5f)]
    [InlineData(0.001f, -3f)]
    [InlineData(0.0017353073f, 0.00029668838f)]
    [InlineData(0.015578598f, -1e-30f)]
    public void SmallPositiveWeightKeepsFullRelativeAccuracyForPositiveTargets(float positiveWeight, float z)
    {
        BceBuffers call = BceBuffers.Create([z], [1f], outputCount: 1, positiveWeights: [positiveWeight], reduction: Reduction.Sum, label: "p < 1, y = 1");
        AssertFusedLogitsCallMatchesTheReference(call);
    }

    /// <summary>
    /// Sums above float.MaxValue of finite per-element losses stay finite when weighted back into range: 1024
    /// outputs of 3.4e38 (z = -float.MaxValue, y = 1) weighted by 0.0005 give 1.7e38 (sums are double). A single
    /// per-element loss above float.MaxValue (p = 2) is +∞ by the documented float semantics, so weighting it by
    /// 0.25 gives +∞ and by 0 gives NaN; the exact model encodes that rule.
    /// </summary>
    [Theory]
    [InlineData(1024, 1f, 0.0005f)]
    [InlineData(1, 2f, 0.25f)]
    [InlineData(1, 2f, 0f)]
    public void WeightedSampleLossNearFloatMaxValueFollowsTheDocumentedFloatSemantics(int outputCount, float positiveWeight, float sampleWeight)
    {
        BceBuffers call = BceBuffers.Create(
            Enumerable.Repeat(-float.MaxValue, outputCount).ToArray(),
            Enumerable.Repeat(1f, outputCount).ToArray(),
            outputCount,
            sampleWeights: [sampleWeight],
            positiveWeights: Enumerable.Repeat(positiveWeight, outputCount).ToArray(),
            reduction: Reduction.Sum,
            label: "near float.MaxValue");
        AssertFusedLogitsCallMatchesTheReference(call);
    }

    /// <summary>
    /// loss = p·y·softplus(-z) + …: with a subnormal target y and a huge |z| the loss is a normal float, so p·y must
    /// not be rounded to the subnormal grid (or flushed to 0) before it meets |z|.
    /// </summary>
    [Theory]
    [InlineData(-1.1582959e23f, 1e-45f, 0.3f)]
    [InlineData(-7.865034e28f, 3e-45f, 0.30024448f)]
    public void PositiveWeightTimesASubnormalTargetKeepsItsPrecision(float z, float y, float positiveWeight)
    {
        BceBuffers call = BceBuffers.Create([z], [y], outputCount: 1, positiveWeights: [positiveWeight], reduction: Reduction.Sum, label: "subnormal y, p ≠ 1");
        AssertFusedLogitsCallMatchesTheReference(call);
    }

    private static void AssertFusedLogitsCallMatchesTheReference(BceBuffers call)
    {
        AccuracyReport report = new();
        BceAccuracy.Verify(BceOverloads.Find(PredictionKind.Logits, BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses, multiOutput: true), call, report);
        report.AssertAllWithinTolerance();
    }
}
