using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>Regression tests of focal-loss disagreements the differential fuzzer found (see <see cref="FocalBounds.HitsKnownSubnormalScaleBug"/>).</summary>
public class FocalLossKnownBugTests
{
    /// <summary>
    /// α_t·m^γ = 1e-7·(1e-7)^5 = 1e-42 is subnormal in float; times BCE = y·|z| it must still give a normal loss
    /// within the documented (7 + 1.4γ + γ(1.5 + 2|ln y|)) ulp. The fuzzer's shrunk case, z = -7.36e27, and a smaller z.
    /// </summary>
    [Theory(Skip = "Known bug in BinaryFocalOperator.cs (subnormal α_t·m^γ before the product with BCE); that file is being edited elsewhere, see the report of issue 12.")]
    [InlineData(-7.360338e27f)]
    [InlineData(-1e8f)]
    public void SoftTargetWithHugeLogitKeepsItsDocumentedAccuracyWhenAlphaTimesModulationIsSubnormal(float z)
    {
        const float Y = 1e-7f, Gamma = 5f, Alpha = 1f;
        float[] losses = new float[1], gradient = new float[1];
        BinaryFocalLoss.CostAndGradient([z], [Y], gradient, losses, Gamma, Alpha, Reduction.Sum);
        double loss = Kernels.Reference.BinaryFocalLoss.LogitLoss(z, Y, Gamma, Alpha, out double exactGradient);
        Assert.True(Math.Abs(losses[0] - loss) <= FocalBounds.AllowedLoss(z, Y, Gamma, loss), $"loss {losses[0]:R} vs exact {loss:R}");
        Assert.True(Math.Abs(gradient[0] - exactGradient) <= FocalBounds.AllowedGradient(z, Y, Gamma, loss, exactGradient), $"gradient {gradient[0]:R} vs exact {exactGradient:R}");
    }

    /// <summary>The documented limit at z = -∞ is α_t·y^γ·∞ = +∞ for y &gt; 0; the kernel gives NaN when y^γ underflows in float.</summary>
    [Theory(Skip = "Known bug in BinaryFocalOperator.cs (0·∞ when α_t·m^γ underflows at z = ±∞); that file is being edited elsewhere, see the report of issue 12.")]
    [InlineData(float.Epsilon, 1.0687344f)]
    [InlineData(1e-30f, 2f)]
    public void InfiniteLogitWithATinySoftTargetGivesTheDocumentedInfiniteLimit(float y, float gamma)
    {
        float[] losses = new float[1];
        BinaryFocalLoss.Losses([float.NegativeInfinity], [y], losses, gamma);
        Assert.Equal(float.PositiveInfinity, losses[0]);
    }
}
