namespace Kernels.Tests;

public class SmokeTests
{
    [Fact]
    public void CostOfZeroLogitIsLn2() =>
        Assert.Equal(MathF.Log(2f), BinaryCrossEntropy.Cost([0f], [1f]), 6);
}
