namespace Kernels.Tests;

/// <summary>Regression tests of softmax disagreements the differential fuzzer found (see SurfaceAccuracy.IsKnownTinyLabelLossIssue).</summary>
public class SoftmaxKnownIssueTests
{
    public static TheoryData<float[], int> Rows() => new()
    {
        { [-11.470665f, 7.067148f, 3.656189f, -1.9450016f, 11.312031f, 84.15375f, 1.1928482f, -11.555927f, 4.750145f, 18.178902f, 4.1873245f, -5.1038876f, 5.5775757f, 0.006468773f, 7.722538f, 1.345787f], 5 },
        { [9.776966f, 6.4826355f, 5.24242f, 5.077118f, 1.2968216f, -5.921376f, 4.5829544f, -1.8559599f, -5.711221f], 0 },
    };

    /// <summary>The fuzzer's rows (4.096 and 4.6 ulp seen inside larger batches; alone a row may round differently).</summary>
    [Theory(Skip = "Known issue in the softmax kernel (label loss up to 4.6 ulp off, documented 4 ulp); src/Kernels/Internal/Softmax is being edited elsewhere, see the report of issue 12.")]
    [MemberData(nameof(Rows))]
    public void LabelLossIsWithinFourUlp(float[] logits, int label)
    {
        float[] losses = new float[1];
        SoftmaxCrossEntropy.Losses(logits, [label], losses);
        double exact = Kernels.Reference.SoftmaxCrossEntropy.CostInDouble(logits, [label], default, Reduction.Sum);
        double ulp = Math.ScaleB(1.0, MathF.ILogB((float)exact) - 23);
        Assert.True(Math.Abs(losses[0] - exact) <= 4 * ulp, $"loss {losses[0]:R} vs exact {exact:R}: {Math.Abs(losses[0] - exact) / ulp:0.###} ulp");
    }
}
