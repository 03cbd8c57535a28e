using System.Globalization;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// ±∞ targets are outside the documented domain of the logits losses (the formulas are for real y) but not rejected:
/// the docs promise only that the element's loss and gradient, its sample and the cost become non-finite, in the
/// kernels and the references alike, and leave which of +∞, -∞ and NaN unspecified (the fast BCE without positive
/// weights gives the limits ±∞, with positive weights and in the reference 1 + (p-1)·y is NaN). Every other element
/// keeps its bits. Checked at logits 0, ±3, ±30, ±200 and ±∞, in the vector body and the tail (n = 37).
/// </summary>
public class InfiniteTargetTests
{
    private const int N = 37;
    private static readonly float[] Logits = [0f, -0f, 3f, -3f, 30f, -30f, 200f, -200f, float.PositiveInfinity, float.NegativeInfinity];

    public static TheoryData<string, float, int> Cases()
    {
        TheoryData<string, float, int> cases = [];
        foreach (string kernel in (string[])["BCE", "BCE reference", "BCE k=1 weighted", "BCE reference k=1 weighted", "QuadraticCost", "QuadraticCost reference"])
        {
            foreach (float y in (float[])[float.PositiveInfinity, float.NegativeInfinity])
            {
                foreach (int position in (int[])[5, 33])
                {
                    cases.Add(kernel, y, position);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InfiniteTargetMakesItsElementAndTheCostNonFiniteAndNothingElse(string kernel, float y, int position)
    {
        List<string> seen = [];
        foreach (float z in Logits)
        {
            float[] logits = TestInputs.Logits(N, 17);
            float[] targets = TestInputs.Targets(TargetKind.Soft, logits, true, 18);
            logits[position] = z;
            targets[position] = z > 0 ? 1f : 0f; // on the logit's side: a finite clean loss even at z = ±∞
            (float cleanCost, float[] cleanGradient, float[] cleanLosses) = Run(kernel, logits, targets);
            targets[position] = y;
            (float cost, float[] gradient, float[] losses) = Run(kernel, logits, targets);
            string where = string.Create(CultureInfo.InvariantCulture, $"{kernel}, z={z}, y={y}, element {position}");
            Assert.True(float.IsFinite(cleanCost), $"{where}: clean cost {cleanCost}");
            Assert.False(float.IsFinite(cost), $"{where}: cost {cost}");
            Assert.False(float.IsFinite(gradient[position]), $"{where}: gradient {gradient[position]}");
            Assert.False(float.IsFinite(losses[position]), $"{where}: loss {losses[position]}");
            Bitwise.AssertEqual(cleanGradient.AsSpan(0, position), gradient.AsSpan(0, position), where);
            Bitwise.AssertEqual(cleanGradient.AsSpan(position + 1), gradient.AsSpan(position + 1), where);
            Bitwise.AssertEqual(cleanLosses.AsSpan(0, position), losses.AsSpan(0, position), where);
            Bitwise.AssertEqual(cleanLosses.AsSpan(position + 1), losses.AsSpan(position + 1), where);
            seen.Add(string.Create(CultureInfo.InvariantCulture, $"z={z}: loss {losses[position]}, gradient {gradient[position]}"));
        }

        TestOutput.WriteLine($"{kernel}, y = {y}: " + string.Join("; ", seen));
    }

    private static (float Cost, float[] Gradient, float[] Losses) Run(string kernel, float[] logits, float[] targets)
    {
        float[] gradient = new float[N], losses = new float[N];
        float[] sampleWeights = [.. Enumerable.Range(0, N).Select(i => 0.5f + (i % 3))], positiveWeights = [2.5f];
        float cost = kernel switch
        {
            "BCE" => BinaryCrossEntropy.CostAndGradient(logits, targets, gradient, losses),
            "BCE reference" => Kernels.Reference.BinaryCrossEntropy.CostAndGradient(logits, targets, gradient, losses),
            "BCE k=1 weighted" => BinaryCrossEntropy.CostAndGradient(logits, targets, 1, sampleWeights, positiveWeights, gradient, losses),
            "BCE reference k=1 weighted" => Kernels.Reference.BinaryCrossEntropy.CostAndGradient(logits, targets, 1, sampleWeights, positiveWeights, gradient, losses),
            "QuadraticCost" => QuadraticCost.CostAndGradient(logits, targets, gradient, losses),
            _ => Kernels.Reference.QuadraticCost.CostAndGradient(logits, targets, gradient, losses),
        };
        return (cost, gradient, losses);
    }

    /// <summary>Logistic regression: a ±∞ target makes the cost, ∂b and every ∂w_j (features nonzero) non-finite, fast and reference.</summary>
    [Theory]
    [InlineData(1f)]
    [InlineData(-1f)]
    public void LogisticRegressionWithAnInfiniteTargetHasNonFiniteCostAndGradients(float sign)
    {
        LrProblem clean = LrProblem.Create(50, 3, 13);
        Assert.DoesNotContain(0f, clean.X);
        float[] y = (float[])clean.Y.Clone();
        y[33] = sign * float.PositiveInfinity;
        LrProblem p = clean.With(y: y);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            foreach (LrResult r in (LrResult[])[Lr.Fast(p, reduction), Lr.Reference(p, reduction)])
            {
                Assert.All(r.All, v => Assert.False(float.IsFinite(v), $"target {y[33]} {reduction}: {v}"));
            }
        }
    }
}
