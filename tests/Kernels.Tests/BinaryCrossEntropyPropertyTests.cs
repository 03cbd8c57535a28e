using CsCheck;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Properties over random inputs (CsCheck: random seeds, shrinking, the failing seed is printed): agreement with
/// the reference, and identities between overloads that must hold bit for bit because they run the same pass.
/// </summary>
public class BinaryCrossEntropyPropertyTests
{
    /// <summary>Samples per property: cheap (arrays ≤ 300 elements) and enough to hit every tail length.</summary>
    private const int Iterations = 500;

    private const BceOutputs AllOutputs = BceOutputs.Cost | BceOutputs.Gradient | BceOutputs.Losses;

    /// <summary>
    /// Logits: mostly ±30 (the interesting range), some arbitrary floats (every bit pattern: subnormals, huge,
    /// ±∞, NaN) and the special values.
    /// </summary>
    private static readonly Gen<float> Logit = Gen.Frequency(
        (6, Gen.Float[-30f, 30f]),
        (2, Gen.Float),
        (1, Gen.OneOf(TestInputs.SpecialLogits)),
        (1, Gen.OneOf(TestInputs.NonFiniteLogits)));

    /// <summary>Probabilities: uniform, tiny (log-uniform down to 1e-38), near 1, and the special values.</summary>
    private static readonly Gen<float> Probability = Gen.Frequency(
        (6, Gen.Float.Unit),
        (2, Gen.Float[-38f, 0f].Select(exponent => MathF.Pow(10f, exponent))),
        (1, Gen.Float[-7f, -1f].Select(exponent => 1f - MathF.Pow(10f, exponent))),
        (1, Gen.OneOf(TestInputs.SpecialProbabilities)));

    /// <summary>Targets: hard, soft, and soft near the ends.</summary>
    private static readonly Gen<float> Target = Gen.Frequency(
        (3, Gen.OneOf(0f, 1f)),
        (3, Gen.Float.Unit),
        (1, Gen.Float[0f, 1e-6f]),
        (1, Gen.Float[1f - 1e-6f, 1f]));

    private static readonly Gen<Reduction> AnyReduction = Gen.OneOf(Reduction.Sum, Reduction.Mean);

    public static TheoryData<PredictionKind> BothKinds => [PredictionKind.Logits, PredictionKind.Probabilities];

    /// <summary>
    /// The fused flat and multi-output overloads against the exact results, under the same tolerances as the
    /// deterministic tests.
    /// </summary>
    [Theory]
    [MemberData(nameof(BothKinds))]
    public void KernelsMatchTheReferenceWithinToleranceOnRandomInputs(PredictionKind kind)
    {
        BceOverload flat = BceOverloads.Find(kind, AllOutputs);
        BceOverload multi = BceOverloads.Find(kind, AllOutputs, multiOutput: true);
        Gen.Select(CaseOf(kind), Gen.Int[1, 5]).Sample(
            (call, outputCount) =>
            {
                AccuracyReport report = new();
                BceAccuracy.Verify(flat, call, report);
                if (call.Predictions.Length % outputCount == 0)
                {
                    BceAccuracy.Verify(multi, call.Clone(outputCount), report);
                }

                report.AssertAllWithinTolerance();
            },
            iter: Iterations);
    }

    /// <summary>CostAndGradient returns the cost of Cost and the gradient of the two-output overload, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(BothKinds))]
    public void CostAndGradientEqualsCostPlusTheGradientOfASeparateCall(PredictionKind kind)
    {
        CaseOf(kind).Sample(
            call =>
            {
                BceBuffers fused = call.Clone(), separate = call.Clone();
                float fusedCost = Run(kind, BceOutputs.Cost | BceOutputs.Gradient, fused);
                float cost = Run(kind, BceOutputs.Cost, separate);
                Run(kind, AllOutputs, separate);
                Bitwise.AssertEqual(cost, fusedCost, "cost");
                Bitwise.AssertEqual(separate.Gradient.Span, fused.Gradient.Span, "gradient");
            },
            iter: Iterations);
    }

    /// <summary>Adding the losses output changes nothing else: same cost and gradient, and the losses of Losses.</summary>
    [Theory]
    [MemberData(nameof(BothKinds))]
    public void TwoOutputOverloadEqualsTheOneOutputOverloads(PredictionKind kind)
    {
        CaseOf(kind).Sample(
            call =>
            {
                BceBuffers two = call.Clone(), one = call.Clone();
                float twoCost = Run(kind, AllOutputs, two);
                float oneCost = Run(kind, BceOutputs.Cost | BceOutputs.Gradient, one);
                Run(kind, BceOutputs.Losses, one);
                Bitwise.AssertEqual(oneCost, twoCost, "cost");
                Bitwise.AssertEqual(one.Gradient.Span, two.Gradient.Span, "gradient");
                Bitwise.AssertEqual(one.Losses.Span, two.Losses.Span, "losses");
            },
            iter: Iterations);
    }

    /// <summary>Every documented in-place use: the overload and whether the gradient (else the losses) aliases the logits.</summary>
    private static readonly (string BceOverload, bool GradientInPlace)[] InPlaceUses =
    [
        ("CostAndGradient", true),
        ("CostAndGradient(gradient, losses)", true),
        ("CostAndGradient(gradient, losses)", false),
        ("Losses", false),
        ("CostAndGradient(k)", true),
        ("CostAndGradient(k, sampleLosses)", true),
    ];

    /// <summary>
    /// Writing the gradient or the losses over the logits (the documented in-place use) gives the same bits as
    /// separate buffers: every element is read before it is overwritten.
    /// </summary>
    [Fact]
    public void InPlaceEqualsOutOfPlaceOnTheLogitsPath()
    {
        CaseOf(PredictionKind.Logits).Sample(
            call =>
            {
                foreach ((string overload, bool gradientInPlace) in InPlaceUses)
                {
                    BceBuffers separate = call.Clone(), inPlace = call.Clone();
                    float expectedCost = BceOverloads.Named(overload).Invoke(BceKernels.Instance, separate);
                    Memory<float> expected = gradientInPlace ? separate.Gradient : separate.Losses;
                    if (gradientInPlace)
                    {
                        inPlace.Gradient = inPlace.Predictions;
                    }
                    else
                    {
                        inPlace.Losses = inPlace.Predictions;
                    }

                    float cost = BceOverloads.Named(overload).Invoke(BceKernels.Instance, inPlace);
                    Bitwise.AssertEqual(expectedCost, cost, $"{overload} cost");
                    Bitwise.AssertEqual(expected.Span, inPlace.Predictions.Span, $"{overload} in place");
                    Bitwise.AssertEqual(separate.Gradient.Span, inPlace.Gradient.Span, $"{overload} gradient");
                    Bitwise.AssertEqual(separate.Losses.Span, inPlace.Losses.Span, $"{overload} losses");
                }
            },
            iter: Iterations);
    }

    /// <summary>
    /// Sum = n × Mean, compared as Sum/n against Mean: both are one float rounding (≤ 2^-24 relative) of the same
    /// double total (divided by n for Mean), so they differ by at most 2^-23 relative. The gradient of Sum is the
    /// unscaled gradient g exactly and that of Mean is g × float(1/n) rounded: again two roundings of g/n.
    /// </summary>
    [Theory]
    [MemberData(nameof(BothKinds))]
    public void SumEqualsCountTimesMean(PredictionKind kind)
    {
        // One float rounding on each side: 2 × 2^-24 relative.
        Tolerance oneRounding = Tolerance.Relative(2 * Tolerance.UnitRoundoff);
        CaseOf(kind).Sample(
            call =>
            {
                BceBuffers sum = call.Clone(), mean = call.Clone();
                sum.Reduction = Reduction.Sum;
                mean.Reduction = Reduction.Mean;
                float sumCost = Run(kind, BceOutputs.Cost | BceOutputs.Gradient, sum);
                float meanCost = Run(kind, BceOutputs.Cost | BceOutputs.Gradient, mean);
                int n = Math.Max(call.Samples, 1);
                AccuracyReport report = new();
                if (float.IsInfinity(sumCost) && float.IsFinite(meanCost))
                {
                    // The total is beyond float range (huge logits) while the mean is not: Sum must then be +∞.
                    Assert.True(float.IsPositiveInfinity((float)BceExactResults.Of(sum, kind).Cost), $"Sum cost ∞ but exact {BceExactResults.Of(sum, kind).Cost}");
                }
                else
                {
                    report.For("Mean vs Sum/n", oneRounding).Add(meanCost, (double)sumCost / n, 1, call.DescribeCase, 0);
                }

                ErrorStats gradient = report.For("Mean gradient vs Sum gradient/n", oneRounding);
                for (int i = 0; i < call.Predictions.Length; i++)
                {
                    gradient.Add(mean.Gradient.Span[i], (double)sum.Gradient.Span[i] / n, 1, call.DescribeElement, i);
                }

                report.AssertAllWithinTolerance();
            },
            iter: Iterations);
    }

    /// <summary>The per-element losses, added up in double, give Cost(Sum) within the cost tolerance.</summary>
    [Theory]
    [MemberData(nameof(BothKinds))]
    public void LossesSummedInDoubleMatchTheSumCost(PredictionKind kind)
    {
        CaseOf(kind).Sample(
            call =>
            {
                call.Reduction = Reduction.Sum;
                float cost = Run(kind, AllOutputs, call);
                double total = 0;
                foreach (float loss in call.Losses.Span)
                {
                    total += loss;
                }

                // The float losses carry their own rounding, at most one smallest normal each below the normal range.
                ErrorStats stats = new("Cost(Sum) vs Σ losses", BceAccuracy.CostRelative);
                stats.Add(cost, total, call.Predictions.Length, call.DescribeCase, 0);
                stats.AssertWithinTolerance();
            },
            iter: Iterations);
    }

    /// <summary>A random case: 0..300 elements (all tail lengths), random reduction.</summary>
    private static Gen<BceBuffers> CaseOf(PredictionKind kind) =>
        Gen.Int[0, 300].SelectMany(n => Gen.Select(
            (kind == PredictionKind.Logits ? Logit : Probability).Array[n],
            Target.Array[n],
            AnyReduction,
            (predictions, targets, reduction) =>
            {
                BceBuffers call = BceBuffers.Create(predictions, targets, reduction: reduction, label: $"random {kind}, {n} elements");
                call.PredictionSymbol = kind == PredictionKind.Logits ? "z" : "a";
                return call;
            }));

    /// <summary>Runs the flat overload of <paramref name="kind"/> that writes <paramref name="writes"/> on the kernels.</summary>
    private static float Run(PredictionKind kind, BceOutputs writes, BceBuffers call) =>
        BceOverloads.Find(kind, writes).Invoke(BceKernels.Instance, call);
}
