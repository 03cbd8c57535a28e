using Kernels.Tests.Support;
using Ref = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests.Reference;

/// <summary>
/// The reference's public per-row functions: the body of every loop of the reference (so exactly the values the
/// row-wise methods produce, before the reduction's scale), and their own argument checks.
/// </summary>
public class SoftmaxRowLossTests
{
    [Theory]
    [InlineData(false, Reduction.Mean)]
    [InlineData(false, Reduction.Sum)]
    [InlineData(true, Reduction.Mean)]
    [InlineData(true, Reduction.Sum)]
    public void RowLoss_IsExactlyTheRowOfTheEvaluation_BeforeTheScale(bool targets, Reduction reduction)
    {
        Random random = new(targets ? 17 : 19);
        foreach (int classCount in new[] { 1, 2, 5, 13, 300 })
        {
            const int Rows = 6;
            float[] logits = SoftmaxData.Logits(random, Rows, classCount);
            logits[classCount / 2] = float.PositiveInfinity;
            int[] labels = SoftmaxData.Labels(random, logits, Rows, classCount);
            SoftmaxData.IgnoreSome(random, labels, -100);
            float[] targetValues = SoftmaxData.Targets(random, Rows, classCount);
            SoftmaxCrossEntropyOptions options = new()
            {
                ClassWeights = SoftmaxData.ClassWeights(random, classCount),
                LabelSmoothing = 0.1f,
                ZLossWeight = 1e-3f,
                IgnoreIndex = -100,
            };

            SoftmaxEvaluation e = targets
                ? SoftmaxEvaluation.Of(logits, targetValues, classCount, options, reduction)
                : SoftmaxEvaluation.Of(logits, labels, options, reduction);
            for (int i = 0; i < Rows; i++)
            {
                double[] z = logits.AsSpan(i * classCount, classCount).ToArray().Select(v => (double)v).ToArray();
                double[] gradient = new double[classCount];
                double loss = targets
                    ? Ref.RowLoss(z, targetValues.AsSpan(i * classCount, classCount), options, gradient, out double lse)
                    : Ref.RowLoss(z, labels[i], options, gradient, out lse);
                Assert.Equal(e.Losses[i], loss);
                Assert.Equal(e.LogSumExp[i], lse);
                Assert.Equal(e.Gradient.AsSpan(i * classCount, classCount).ToArray(), gradient.Select(g => e.Scale == 0 ? 0 : e.Scale * g));

                // Without a gradient destination, and in place over the logits: the same values.
                Assert.Equal(loss, targets ? Ref.RowLoss(z, targetValues.AsSpan(i * classCount, classCount), options, default, out _) : Ref.RowLoss(z, labels[i], options, default, out _));
                Assert.Equal(loss, targets ? Ref.RowLoss(z, targetValues.AsSpan(i * classCount, classCount), options, z, out _) : Ref.RowLoss(z, labels[i], options, z, out _));
                Assert.Equal(gradient, z);
            }
        }
    }

    [Fact]
    public void RowLoss_RejectsInconsistentArguments()
    {
        double[] z = [1, 2, 3, 4];
        float[] weights = [1f, 1f, 1f];
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Ref.RowLoss([], 0, default, default, out _)).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Ref.RowLoss(z, 0, default, new double[3], out _)).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Ref.RowLoss(z.AsSpan(0, 3), 0, default, z.AsSpan(1, 3), out _)).ParamName);
        Assert.Equal("label", Assert.Throws<ArgumentOutOfRangeException>(() => Ref.RowLoss(z, 4, default, default, out _)).ParamName);
        Assert.Equal("label", Assert.Throws<ArgumentOutOfRangeException>(() => Ref.RowLoss(z, -1, default, default, out _)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => Ref.RowLoss(z, new float[3], default, default, out _)).ParamName);
        Assert.Equal("options.ClassWeights", Assert.Throws<ArgumentException>(() => Ref.RowLoss(z, 0, new SoftmaxCrossEntropyOptions { ClassWeights = weights }, default, out _)).ParamName);
        Assert.Equal("options.LabelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => Ref.RowLoss(z, 0, new SoftmaxCrossEntropyOptions { LabelSmoothing = 2f }, default, out _)).ParamName);
        Assert.Equal("options.ZLossWeight", Assert.Throws<ArgumentOutOfRangeException>(() => Ref.RowLoss(z, new float[4], new SoftmaxCrossEntropyOptions { ZLossWeight = -1f }, default, out _)).ParamName);

        // The ignore index is a valid label: loss 0, zero gradient, lse still given.
        double[] gradient = [9, 9, 9, 9];
        Assert.Equal(0, Ref.RowLoss(z, -1, new SoftmaxCrossEntropyOptions { IgnoreIndex = -1 }, gradient, out double lse));
        Assert.Equal([0.0, 0.0, 0.0, 0.0], gradient);
        Assert.Equal(Ref.CostInDouble(z, [0], default, Reduction.Sum) + 1, lse, 1e-14);
    }
}
