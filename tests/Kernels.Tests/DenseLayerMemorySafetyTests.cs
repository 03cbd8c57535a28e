using System.Runtime.InteropServices;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// The dense layers never touch memory outside the spans they are given: every input and output span (features,
/// weights, bias, targets or labels, weights of samples, outputs and classes, ∂W, ∂b, ∂X) flush against a PROT_NONE
/// guard page, first all against the trailing guards, then all against the leading ones, for shapes whose tiles end
/// in every kind of partial chunk; the results must equal, bit for bit, those computed on managed arrays.
/// </summary>
public class DenseLayerMemorySafetyTests
{
    /// <summary>d and k around the vector widths (1, 3, 16, 17), wide tiles (64, 67 features; 70 outputs).</summary>
    private static readonly (int D, int K)[] Shapes = [(1, 1), (3, 17), (16, 3), (17, 16), (64, 10), (67, 5), (5, 70)];

    private static readonly int[] SampleCounts = [0, 1, 15, 16, 17, 33, 47];

    [Theory]
    [InlineData(DenseHead.Sigmoid)]
    [InlineData(DenseHead.Softmax)]
    public void SpansAgainstGuardPagesAreNeverOverrunAndGiveTheManagedResult(DenseHead head)
    {
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        int maxN = SampleCounts.Max(), maxD = Shapes.Max(s => s.D), maxK = Shapes.Max(s => s.K), maxDK = Shapes.Max(s => s.D * s.K);
        int maxNd = maxN * maxD, maxNk = maxN * maxK;
        BoundedMemory[] memory =
        [
            new(maxNd), new(maxDK), new(maxK), new(maxNk), new(maxN), new(maxK), new(maxDK), new(maxK), new(maxNd), new(maxK),
        ];
        try
        {
            foreach ((int d, int k) in Shapes)
            {
                foreach (int n in SampleCounts)
                {
                    DenseProblem p = DenseProblem.Create(head, n, d, k, (n * 100) + d + k, sampleWeights: true, positiveWeights: true, smoothing: 0.1f, classWeights: true, ignore: true);
                    DenseResult expected = DenseLayer.Fast(head, p, Reduction.Mean, true);
                    foreach (GuardSide side in (GuardSide[])[GuardSide.Trailing, GuardSide.Leading])
                    {
                        Span<float> x = Place(0, p.X, side), w = Place(1, p.W, side), b = Place(2, p.B, side);
                        Span<float> y = Place(3, p.Targets, side), sw = Place(4, p.SampleWeights, side), pw = Place(5, p.PositiveWeights, side);
                        Span<float> gw = memory[6].Span(d * k, side), gb = memory[7].Span(k, side), gx = memory[8].Span(n * d, side);
                        Span<float> cw = Place(9, p.ClassWeights, side);
                        Span<int> labels = MemoryMarshal.Cast<float, int>(memory[3].Span(n, side));
                        p.Labels.CopyTo(labels);
                        SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = p.LabelSmoothing, ClassWeights = cw, IgnoreIndex = p.IgnoreIndex };
                        float cost = head == DenseHead.Sigmoid
                            ? DenseSigmoidCrossEntropy.CostAndGradient(x, w, b, y, sw, pw, gw, gb, gx)
                            : DenseSoftmaxCrossEntropy.CostAndGradient(x, w, b, labels, gw, gb, gx, options);
                        string context = $"{head} {p}, spans against the {side} guard pages";
                        Bitwise.AssertEqual(expected.All, [cost, .. gw, .. gb, .. gx], context);
                    }
                }
            }
        }
        finally
        {
            foreach (BoundedMemory region in memory)
            {
                region.Dispose();
            }
        }

        Span<float> Place(int region, float[] values, GuardSide side)
        {
            Span<float> span = memory[region].Span(values.Length, side);
            values.CopyTo(span);
            return span;
        }
    }
}
