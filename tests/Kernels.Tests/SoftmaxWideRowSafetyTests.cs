using System.Runtime.InteropServices;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Rows of at least 256 classes take the wide layout (32 logical lanes, 2,048-element pass-1 chunks, a merge tree and
/// scalar tails), which the shared <see cref="PublicKernels"/> table (C &lt; 256, to keep its length sweeps short)
/// does not reach: every span against both guard pages, and every misalignment, give the bits of plain arrays.
/// </summary>
public sealed class SoftmaxWideRowSafetyTests
{
    /// <summary>(n, C): the first wide C, a 12-element tail, and rows crossing one and two chunks.</summary>
    public static TheoryData<int, int> Shapes() => new() { { 2, 256 }, { 3, 300 }, { 2, 2_049 }, { 1, 4_107 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EverySpanAgainstTheGuardPages_GivesTheBitsOfPlainArrays(int rows, int classes)
    {
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        (float[] logits, int[] labels, float[] targets) = Inputs(rows, classes);
        float[] expected = Run(logits, labels, targets, new float[logits.Length], new float[rows], new float[rows], new float[logits.Length]);

        using BoundedMemory z = new(logits.Length), t = new(logits.Length), y = new(rows), g = new(logits.Length), l = new(rows), s = new(rows), g2 = new(logits.Length);
        foreach (GuardSide side in Enum.GetValues<GuardSide>())
        {
            Span<float> zs = z.Span(logits.Length, side), ts = t.Span(targets.Length, side);
            logits.CopyTo(zs);
            targets.CopyTo(ts);
            Span<int> ys = MemoryMarshal.Cast<float, int>(y.Span(rows, side));
            labels.CopyTo(ys);
            float[] actual = Run(zs, ys, ts, g.Span(logits.Length, side), l.Span(rows, side), s.Span(rows, side), g2.Span(logits.Length, side));
            BitwiseAssert.Equal(expected, actual, $"n={rows} C={classes}, spans against the {side} guard pages");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryMisalignment_GivesTheSameBits(int rows, int classes)
    {
        (float[] logits, int[] labels, float[] targets) = Inputs(rows, classes);
        float[] expected = Run(logits, labels, targets, new float[logits.Length], new float[rows], new float[rows], new float[logits.Length]);
        for (int offset = 1; offset < 16; offset++)
        {
            float[] z = new float[logits.Length + 16], t = new float[logits.Length + 16], g = new float[logits.Length + 16], g2 = new float[logits.Length + 16];
            logits.CopyTo(z.AsSpan(offset));
            targets.CopyTo(t.AsSpan(offset));
            float[] actual = Run(
                z.AsSpan(offset, logits.Length), labels, t.AsSpan(offset, logits.Length), g.AsSpan(offset, logits.Length),
                new float[rows], new float[rows], g2.AsSpan(offset, logits.Length));
            BitwiseAssert.Equal(expected, actual, $"n={rows} C={classes}, spans offset by {offset} floats");
        }
    }

    private static (float[] Logits, int[] Labels, float[] Targets) Inputs(int rows, int classes)
    {
        SplitMix64 random = new(41);
        float[] logits = new float[rows * classes], targets = new float[rows * classes];
        int[] labels = new int[rows];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = random.Uniform(-20f, 20f);
            targets[i] = random.Uniform(0f, 2f / classes);
        }

        for (int row = 0; row < rows; row++)
        {
            labels[row] = random.Next(classes);
        }

        return (logits, labels, targets);
    }

    /// <summary>Labels with every option and every output, then probability targets: every float written, in order.</summary>
    private static float[] Run(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, Span<float> gradient,
        Span<float> losses, Span<float> logSumExp, Span<float> targetGradient)
    {
        int classes = logits.Length / labels.Length;
        SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = 0.05f, IgnoreIndex = labels[0], ZLossWeight = 1e-4f };
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, logSumExp, options, Reduction.Mean);
        float targetCost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classes, targetGradient, Reduction.Sum);
        return [cost, targetCost, .. gradient, .. losses, .. logSumExp, .. targetGradient];
    }
}
