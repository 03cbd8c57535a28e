using Kernels.Tests.Surface;

namespace Kernels.Tests;

/// <summary>A logistic-regression disagreement the differential fuzzer found and that is not yet investigated.</summary>
public class LogisticRegressionKnownIssueTests
{
    /// <summary>The fuzzer's shrunk case (seed and specials rebuild the inputs): ∂b off by 4.5 times LrBounds.</summary>
    [Fact(Skip = "Fuzzer finding not yet investigated (kernel accuracy vs LrBounds with |x| = 1e4 features and 1e-30 weights); see the report of issue 12.")]
    public void LargeFeaturesAndTinyWeightsStayWithinTheFirstOrderBounds() => DifferentialFuzzTests.CheckStrict(new FuzzCase(
        "LogisticRegression.CostAndGradient", Rows: 1, Width: 0, Features: 5, Reduction.Sum, Seed: 0x26E4624C5E3CUL,
        Specials: [new(Operand.Weights, 482659, 1E-30f), new(Operand.X, 325962, 10000f), new(Operand.X, 83257, 0f), new(Operand.X, 579194, -10000f), new(Operand.Weights, 29001, -1E-30f), new(Operand.X, 710353, -100f)]));
}
