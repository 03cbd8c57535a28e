using Kernels.Tests.Support;
using Ref = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests;

/// <summary>
/// The fast <see cref="SoftmaxCrossEntropy"/> against the double reference (issue 3, "Tests" and "Numerics"):
/// every method for C = 1…300, extreme logits, in-place, alignment, allocation. Options:
/// <see cref="SoftmaxCrossEntropyOptionsTests"/>; bad arguments: <see cref="SoftmaxCrossEntropyArgumentTests"/>.
/// The tolerances are the constants of <see cref="SoftmaxAccuracy"/>, each justified there.
/// </summary>
public class SoftmaxCrossEntropyTests
{
    // n = 1, 2, 3 (a partial group of rows in the narrow, row-per-lane layout), 7 and 17 (one group plus a
    // remainder for 4, 8 and 16 lanes); 40 more for short rows, where several rows share a vector.
    private static readonly int[] RowCounts = [1, 2, 3, 7, 17];

    [Fact]
    public void LabelMethods_MatchReference_ForEveryClassCountFrom1To300()
    {
        SoftmaxAccuracy accuracy = new();
        Random random = new(20261128);
        for (int classCount = 1; classCount <= 300; classCount++)
        {
            foreach (int rows in classCount <= 32 ? [.. RowCounts, 40] : RowCounts)
            {
                float[] logits = SoftmaxData.Logits(random, rows, classCount);
                int[] labels = SoftmaxData.Labels(random, logits, rows, classCount);
                string context = $"C={classCount} n={rows}";
                SoftmaxEvaluation sum = SoftmaxEvaluation.Of(logits, labels, default, Reduction.Sum);
                SoftmaxEvaluation mean = SoftmaxEvaluation.Of(logits, labels, default, Reduction.Mean);

                float[] losses = new float[rows];
                SoftmaxCrossEntropy.Losses(logits, labels, losses);
                accuracy.Check(sum, true, null, default, losses, default, $"Losses {context}", logits);

                accuracy.Check(sum, true, SoftmaxCrossEntropy.Cost(logits, labels, Reduction.Sum), default, default, default, $"Cost(Sum) {context}", logits);
                accuracy.Check(mean, true, SoftmaxCrossEntropy.Cost(logits, labels), default, default, default, $"Cost(Mean) {context}", logits);

                float[] gradient = new float[logits.Length];
                float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);
                accuracy.Check(mean, true, cost, gradient, default, default, $"CostAndGradient(Mean) {context}", logits);

                float[] lse = new float[rows];
                losses.AsSpan().Clear();
                cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, default, Reduction.Sum);
                accuracy.Check(sum, true, cost, gradient, losses, lse, $"general(Sum) {context}", logits);
            }
        }

        accuracy.AssertNoFailures();
    }

    [Fact]
    public void ProbabilityTargetMethods_MatchReference_ForEveryClassCountFrom1To300()
    {
        SoftmaxAccuracy accuracy = new();
        Random random = new(7);
        for (int classCount = 1; classCount <= 300; classCount++)
        {
            foreach (int rows in classCount <= 32 ? [.. RowCounts, 40] : RowCounts)
            {
                float[] logits = SoftmaxData.Logits(random, rows, classCount);
                float[] targets = SoftmaxData.Targets(random, rows, classCount);
                string context = $"C={classCount} n={rows}";
                float[] gradient = new float[logits.Length];
                float cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient);
                accuracy.Check(SoftmaxEvaluation.Of(logits, targets, classCount, default, Reduction.Mean), false, cost, gradient, default, default, $"targets CostAndGradient(Mean) {context}", logits);

                float[] losses = new float[rows], lse = new float[rows];
                cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient, losses, lse, default, Reduction.Sum);
                accuracy.Check(SoftmaxEvaluation.Of(logits, targets, classCount, default, Reduction.Sum), false, cost, gradient, losses, lse, $"targets general(Sum) {context}", logits);
            }
        }

        accuracy.AssertNoFailures();
    }

    [Fact]
    public void LabelHoldingTheMaximum_LossAndTrueClassGradientKeepRelativeAccuracy()
    {
        // p_y → 1: the loss is log1p(Σc≠y e^{z_c - z_y}) and the true class's gradient -(Σc≠y p_c); computing
        // lse - z_y or p_y - 1 directly would return 0 or a value off by 2^-24 absolute. Margins from 0 to 80 put
        // the loss from ~ln C down to below the smallest normal float.
        SoftmaxAccuracy accuracy = new();
        Random random = new(3);
        foreach (int classCount in new[] { 2, 3, 10, 16, 17, 100, 1000 })
        {
            foreach (float margin in new[] { 0f, 1f, 8f, 15f, 16.5f, 25f, 40f, 60f, 80f })
            {
                const int Rows = 9;
                float[] logits = new float[Rows * classCount];
                int[] labels = new int[Rows];
                for (int i = 0; i < Rows; i++)
                {
                    for (int c = 0; c < classCount; c++)
                    {
                        logits[i * classCount + c] = (float)(random.NextDouble() - 0.5) + (i - 4) * 10f;
                    }

                    labels[i] = random.Next(classCount);
                    logits[i * classCount + labels[i]] = ((i - 4) * 10f) + 0.5f + margin;
                }

                float[] gradient = new float[logits.Length], losses = new float[Rows], lse = new float[Rows];
                float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, default, Reduction.Sum);
                accuracy.Check(SoftmaxEvaluation.Of(logits, labels, default, Reduction.Sum), true, cost, gradient, losses, lse, $"C={classCount} margin={margin}", logits);
            }
        }

        accuracy.AssertNoFailures();
    }

    /// <summary>Rows with the documented limits, each placed in rows of several lengths at several positions.</summary>
    private static IEnumerable<(string Name, float[] Row, int Label)> ExtremeRows(int classCount, Random random)
    {
        const float Inf = float.PositiveInfinity;
        float[] Base() => SoftmaxData.Logits(random, 1, classCount);
        int other = (classCount / 2) + 1 < classCount ? (classCount / 2) + 1 : 0;
        int last = classCount - 1;
        float[] row;

        row = Base(); row[0] = Inf;
        yield return ("+inf at the label", row, 0);
        row = Base(); row[last] = Inf;
        yield return ("+inf elsewhere", row, classCount > 1 ? 0 : last);
        row = Base(); row[0] = Inf; row[last] = Inf;
        yield return ("two +inf, label at one", row, last);
        row = Base(); row[other] = Inf; row[last] = -Inf;
        yield return ("+inf and -inf", row, last);
        row = Base(); row[0] = 1e30f; row[last] = -1e30f;
        yield return ("+-1e30", row, 0);
        row = Base(); row[0] = 1e30f; row[last] = -1e30f;
        yield return ("+-1e30, label at -1e30", row, last);
        row = Base(); row[other] = float.MaxValue; row[0] = -float.MaxValue;
        yield return ("+-float.MaxValue", row, other);
        row = Base();
        for (int c = 0; c < classCount; c += 2)
        {
            row[c] = -Inf;
        }

        yield return ("-inf classes, label finite", row, classCount > 1 ? 1 : 0);
        yield return ("-inf classes, label at -inf", row, 0);
        yield return ("all -inf", Enumerable.Repeat(-Inf, classCount).ToArray(), last);
        yield return ("all +inf", Enumerable.Repeat(Inf, classCount).ToArray(), other);
        yield return ("all equal", Enumerable.Repeat(3.25f, classCount).ToArray(), 0);
        yield return ("all 1e30", Enumerable.Repeat(1e30f, classCount).ToArray(), last);
        yield return ("all -1e30", Enumerable.Repeat(-1e30f, classCount).ToArray(), last);
        row = Enumerable.Repeat(-100f, classCount).ToArray(); row[other] = 0;
        yield return ("label at max, others 100 below (loss below 2^-126)", row, other);
        row = Enumerable.Repeat(-200f, classCount).ToArray(); row[0] = 0;
        yield return ("label at max, others 200 below (loss underflows to 0)", row, 0);
        row = Base(); row[other] = float.NaN;
        yield return ("NaN", row, 0);
        row = Base(); row[0] = float.NaN; row[last] = Inf;
        yield return ("NaN and +inf", row, last);
    }

    [Fact]
    public void ExtremeLogits_GiveTheDocumentedLimits_AsTheReference()
    {
        // Each extreme row alone (so a NaN row's cost is checked alone) and all non-NaN ones together in one batch
        // between ordinary rows (so a limit does not leak into the neighbours of a narrow, several-rows-per-vector
        // layout); class-index labels and the same rows as one-hot probability targets.
        SoftmaxAccuracy accuracy = new();
        Random random = new(99);
        foreach (int classCount in new[] { 1, 2, 3, 5, 8, 16, 17, 33, 100, 300 })
        {
            List<float> batch = [];
            List<int> batchLabels = [];
            foreach ((string name, float[] row, int label) in ExtremeRows(classCount, random))
            {
                CheckBoth(accuracy, row, [label], classCount, $"C={classCount} '{name}'");
                if (!row.Any(float.IsNaN))
                {
                    batch.AddRange(SoftmaxData.Logits(random, 1, classCount));
                    batchLabels.Add(random.Next(classCount));
                    batch.AddRange(row);
                    batchLabels.Add(label);
                }
            }

            CheckBoth(accuracy, [.. batch], [.. batchLabels], classCount, $"C={classCount} batch of every finite-cost extreme row");
        }

        accuracy.AssertNoFailures();

        static void CheckBoth(SoftmaxAccuracy accuracy, float[] logits, int[] labels, int classCount, string context)
        {
            int rows = labels.Length;
            float[] gradient = new float[logits.Length], losses = new float[rows], lse = new float[rows];
            float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, default, Reduction.Mean);
            accuracy.Check(SoftmaxEvaluation.Of(logits, labels, default, Reduction.Mean), true, cost, gradient, losses, lse, context, logits);

            float[] targets = new float[logits.Length];
            for (int i = 0; i < rows; i++)
            {
                targets[(i * classCount) + labels[i]] = 1;
            }

            cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient, losses, lse, default, Reduction.Sum);
            accuracy.Check(SoftmaxEvaluation.Of(logits, targets, classCount, default, Reduction.Sum), false, cost, gradient, losses, lse, $"one-hot targets {context}", logits);
        }
    }

    [Fact]
    public void ExtremeLogits_SpotValues()
    {
        // The limits written out, independently of the reference.
        const float Inf = float.PositiveInfinity;
        float[] gradient = new float[3], losses = new float[1], lse = new float[1];

        Assert.Equal(0f, SoftmaxCrossEntropy.CostAndGradient([Inf, 0f, -Inf], [0], gradient, losses, lse, default, Reduction.Sum));
        Assert.Equal([0f, 0f, 0f], gradient);
        Assert.Equal(Inf, lse[0]);

        Assert.Equal(Inf, SoftmaxCrossEntropy.CostAndGradient([Inf, 0f, -Inf], [1], gradient, losses, lse, default, Reduction.Sum));
        Assert.Equal([1f, -1f, 0f], gradient);

        Assert.Equal(MathF.Log(2), SoftmaxCrossEntropy.CostAndGradient([Inf, Inf, 0f], [1], gradient, losses, lse, default, Reduction.Sum), 6);
        Assert.Equal([0.5f, -0.5f, 0f], gradient);

        Assert.Equal(MathF.Log(3), SoftmaxCrossEntropy.CostAndGradient([-Inf, -Inf, -Inf], [2], gradient, losses, lse, default, Reduction.Sum), 6);
        Assert.Equal(-Inf, lse[0]);

        Assert.Equal(1e30f, SoftmaxCrossEntropy.CostAndGradient([1e30f, 0f, -1e30f], [1], gradient, losses, lse, default, Reduction.Sum));
        Assert.Equal([1f, -1f, 0f], gradient);

        Assert.True(float.IsNaN(SoftmaxCrossEntropy.CostAndGradient([0f, float.NaN, 1f, 0f, 0f, 0f], [0, 0], new float[6], new float[2], new float[2], default, Reduction.Sum)));
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(40, 39)]
    [InlineData(300, 299)]
    [InlineData(300, 100)]
    [InlineData(2500, 1234)]
    public void NaNInALogitOrTarget_MakesThatRowsLossLseGradientAndTheCostNaN_OtherRowsIntact(int classCount, int nanClass)
    {
        // Documented: "NaN in a row's logits or targets makes that row's loss and gradient NaN, and the cost NaN; the
        // log-sum-exp output depends on the logits alone" (NaN for a NaN logit, finite for a NaN target).
        // Row 1 of 5 carries the NaN: at its last class (a kernel that stops reading early misses it), or inside a
        // wide row's vector chunks (whose maxima skip NaN: the NaN must come through the sum).
        const int Rows = 5;
        Random random = new(classCount);
        float[] logits = SoftmaxData.Logits(random, Rows, classCount);
        int[] labels = SoftmaxData.Labels(random, logits, Rows, classCount);
        float[] targets = SoftmaxData.Targets(random, Rows, classCount);
        float[] nanLogits = (float[])logits.Clone();
        // A positive NaN with a payload: float.NaN is x86's default NaN, which would pass a canonical-bits check unaided.
        float payloadNaN = BitConverter.Int32BitsToSingle(0x7FC12345);
        nanLogits[classCount + nanClass] = payloadNaN;
        float[] nanTargets = (float[])targets.Clone();
        nanTargets[classCount + nanClass] = payloadNaN;

        float[] gradient = new float[logits.Length], losses = new float[Rows], lse = new float[Rows];
        SoftmaxAccuracy accuracy = new();
        foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
        {
            float cost = SoftmaxCrossEntropy.CostAndGradient(nanLogits, labels, gradient, losses, lse, default, reduction);
            AssertNaNRow(cost, gradient, losses, lse, lseIsNaN: true, $"labels, NaN logit, {reduction}");
            accuracy.Check(SoftmaxEvaluation.Of(nanLogits, labels, default, reduction), true, cost, gradient, losses, lse, $"labels, NaN logit, {reduction}", nanLogits);

            cost = SoftmaxCrossEntropy.CostAndGradient(nanLogits, targets, classCount, gradient, losses, lse, default, reduction);
            AssertNaNRow(cost, gradient, losses, lse, lseIsNaN: true, $"targets, NaN logit, {reduction}");
            accuracy.Check(SoftmaxEvaluation.Of(nanLogits, targets, classCount, default, reduction), false, cost, gradient, losses, lse, $"targets, NaN logit, {reduction}", nanLogits);

            cost = SoftmaxCrossEntropy.CostAndGradient(logits, nanTargets, classCount, gradient, losses, lse, default, reduction);
            AssertNaNRow(cost, gradient, losses, lse, lseIsNaN: false, $"targets, NaN target, {reduction}");
            accuracy.Check(SoftmaxEvaluation.Of(logits, nanTargets, classCount, default, reduction), false, cost, gradient, losses, lse, $"targets, NaN target, {reduction}", logits);
        }

        Assert.True(float.IsNaN(SoftmaxCrossEntropy.Cost(nanLogits, labels)));
        accuracy.AssertNoFailures();

        void AssertNaNRow(float cost, float[] gradient, float[] losses, float[] lse, bool lseIsNaN, string context)
        {
            Assert.True(float.IsNaN(cost), $"{context}: cost {cost}");
            Assert.True(float.IsNaN(losses[1]) && float.IsNaN(lse[1]) == lseIsNaN, $"{context}: loss {losses[1]}, lse {lse[1]}");
            // Every output NaN is the one pattern of float.NaN (documented; the cross-ISA hash relies on it).
            int canonical = BitConverter.SingleToInt32Bits(float.NaN);
            Assert.All(gradient.AsSpan(classCount, classCount).ToArray(), g => Assert.Equal(canonical, BitConverter.SingleToInt32Bits(g)));
            Assert.Equal(canonical, BitConverter.SingleToInt32Bits(losses[1]));
            Assert.Equal(canonical, BitConverter.SingleToInt32Bits(cost));
        }
    }

    [Fact]
    public void InPlaceGradient_IsBitIdenticalToOutOfPlace()
    {
        Random random = new(17);
        foreach (int classCount in new[] { 1, 2, 3, 7, 10, 16, 31, 64, 100, 257, 1000 })
        {
            foreach (int rows in new[] { 1, 5, 17 })
            {
                float[] logits = SoftmaxData.Logits(random, rows, classCount);
                int[] labels = SoftmaxData.Labels(random, logits, rows, classCount);
                float[] targets = SoftmaxData.Targets(random, rows, classCount);
                float[] weights = SoftmaxData.ClassWeights(random, classCount);
                foreach (bool withOptions in new[] { false, true })
                {
                    SoftmaxCrossEntropyOptions options = withOptions
                        ? new() { LabelSmoothing = 0.1f, ClassWeights = weights, ZLossWeight = 1e-3f, IgnoreIndex = labels[0] }
                        : default;
                    string context = $"C={classCount} n={rows} options={withOptions}";

                    float[] gradient = new float[logits.Length], losses = new float[rows], lse = new float[rows];
                    float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, options, Reduction.Mean);
                    float[] inPlace = (float[])logits.Clone();
                    float[] inPlaceLosses = new float[rows], inPlaceLse = new float[rows];
                    float inPlaceCost = SoftmaxCrossEntropy.CostAndGradient(inPlace, labels, inPlace, inPlaceLosses, inPlaceLse, options, Reduction.Mean);
                    AssertSameBits(cost, inPlaceCost, gradient, inPlace, $"labels {context}");
                    Assert.True(SoftmaxComparison.SameBits(losses, inPlaceLosses) && SoftmaxComparison.SameBits(lse, inPlaceLse), $"labels {context}: losses/lse");

                    inPlace = (float[])logits.Clone();
                    AssertSameBits(
                        SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, Reduction.Sum),
                        SoftmaxCrossEntropy.CostAndGradient(inPlace, labels, inPlace, Reduction.Sum), gradient, inPlace, $"simple labels {context}");

                    cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient, losses, lse, options, Reduction.Mean);
                    inPlace = (float[])logits.Clone();
                    inPlaceCost = SoftmaxCrossEntropy.CostAndGradient(inPlace, targets, classCount, inPlace, inPlaceLosses, inPlaceLse, options, Reduction.Mean);
                    AssertSameBits(cost, inPlaceCost, gradient, inPlace, $"targets {context}");
                    Assert.True(SoftmaxComparison.SameBits(losses, inPlaceLosses) && SoftmaxComparison.SameBits(lse, inPlaceLse), $"targets {context}: losses/lse");

                    inPlace = (float[])logits.Clone();
                    AssertSameBits(
                        SoftmaxCrossEntropy.CostAndGradient(logits, targets, classCount, gradient, Reduction.Sum),
                        SoftmaxCrossEntropy.CostAndGradient(inPlace, targets, classCount, inPlace, Reduction.Sum), gradient, inPlace, $"simple targets {context}");
                }
            }
        }

        static void AssertSameBits(float cost, float inPlaceCost, float[] gradient, float[] inPlace, string context)
        {
            Assert.True(BitConverter.SingleToInt32Bits(cost) == BitConverter.SingleToInt32Bits(inPlaceCost), $"{context}: cost {cost} vs in-place {inPlaceCost}");
            Assert.True(SoftmaxComparison.SameBits(gradient, inPlace), $"{context}: in-place gradient differs");
        }
    }

    [Fact]
    public void Outputs_AreBitIdentical_WhateverTheAlignmentOfTheSpans()
    {
        // Documented determinism: identical bits whatever the alignment. Every input and output is shifted by
        // 0…15 floats within its array (the cross-ISA part of the guarantee is the CI's hash check).
        Random random = new(23);
        foreach (int classCount in new[] { 3, 10, 37, 300 })
        {
            const int Rows = 7;
            float[] logits = SoftmaxData.Logits(random, Rows, classCount);
            int[] labels = SoftmaxData.Labels(random, logits, Rows, classCount);
            float[] targets = SoftmaxData.Targets(random, Rows, classCount);
            float[] weights = SoftmaxData.ClassWeights(random, classCount);
            SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = 0.05f, ClassWeights = weights, ZLossWeight = 1e-4f };
            float[]? first = null, firstTargets = null;
            for (int shift = 0; shift < 16; shift++)
            {
                Span<float> z = Shifted(logits, shift), t = Shifted(targets, (shift * 7) % 16), w = Shifted(weights, (shift * 3) % 16);
                Span<float> g = new float[logits.Length + 16].AsSpan((shift * 5) % 16, logits.Length);
                Span<float> l = new float[Rows + 16].AsSpan((shift * 11) % 16, Rows), s = new float[Rows + 16].AsSpan(shift, Rows);
                SoftmaxCrossEntropyOptions shiftedOptions = new() { LabelSmoothing = options.LabelSmoothing, ClassWeights = w, ZLossWeight = options.ZLossWeight };
                float cost = SoftmaxCrossEntropy.CostAndGradient(z, labels, g, l, s, shiftedOptions, Reduction.Mean);
                float[] all = [cost, .. g, .. l, .. s];
                first ??= all;
                Assert.True(SoftmaxComparison.SameBits(first, all), $"labels C={classCount}: shift {shift} changes the output bits");

                cost = SoftmaxCrossEntropy.CostAndGradient(z, t, classCount, g, l, s, shiftedOptions, Reduction.Mean);
                all = [cost, .. g, .. l, .. s];
                firstTargets ??= all;
                Assert.True(SoftmaxComparison.SameBits(firstTargets, all), $"targets C={classCount}: shift {shift} changes the output bits");
            }
        }

        static Span<float> Shifted(float[] values, int shift)
        {
            float[] buffer = new float[values.Length + 16];
            values.CopyTo(buffer, shift);
            return buffer.AsSpan(shift, values.Length);
        }
    }

    [Fact]
    public void EveryMethod_AllocatesNothing_AfterWarmUp()
    {
        Random random = new(1);
        const int Rows = 16, ClassCount = 100;
        float[] logits = SoftmaxData.Logits(random, Rows, ClassCount);
        int[] labels = SoftmaxData.Labels(random, logits, Rows, ClassCount);
        float[] targets = SoftmaxData.Targets(random, Rows, ClassCount);
        float[] weights = SoftmaxData.ClassWeights(random, ClassCount);
        float[] gradient = new float[logits.Length], losses = new float[Rows], lse = new float[Rows];
        float[] small = SoftmaxData.Logits(random, 64, 10), smallGradient = new float[640];
        int[] smallLabels = SoftmaxData.Labels(random, small, 64, 10);

        void CallEveryMethod()
        {
            SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = 0.1f, ClassWeights = weights, IgnoreIndex = -100, ZLossWeight = 1e-4f };
            SoftmaxCrossEntropy.Losses(logits, labels, losses);
            SoftmaxCrossEntropy.Cost(logits, labels);
            SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient);
            SoftmaxCrossEntropy.CostAndGradient(logits, targets, ClassCount, gradient);
            SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, lse, options, Reduction.Mean);
            SoftmaxCrossEntropy.CostAndGradient(logits, targets, ClassCount, gradient, losses, lse, options, Reduction.Sum);
            SoftmaxCrossEntropy.CostAndGradient(small, smallLabels, smallGradient, Reduction.Mean);
        }

        for (int i = 0; i < 50; i++)
        {
            CallEveryMethod();
        }

        Assert.Equal(0, Allocations.QuietestWindow(CallEveryMethod));
    }
}
