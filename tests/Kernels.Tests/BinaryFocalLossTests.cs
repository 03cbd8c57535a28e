using Kernels.Tests.Support;
using Ref = Kernels.Reference;

namespace Kernels.Tests;

/// <summary>
/// <see cref="BinaryFocalLoss"/> against <see cref="Ref.BinaryFocalLoss"/> over BCE's logit sweep for
/// γ ∈ {0, 0.25, 0.5, 1, 2, 5}; γ = 0 against <see cref="BinaryCrossEntropy"/> bit for bit; no NaN at saturation; the
/// reference against torchvision's direct formula and a finite difference; limits, arguments, allocation.
/// </summary>
/// <remarks>
/// <para><b>The bound, step by step</b> (u = 2^-24, one rounding; errors relative unless said otherwise):</para>
/// <list type="bullet">
/// <item>BCE and σ(z) - y: the BCE operator's contract, ≤ 4 ulp (8u) for hard targets.</item>
/// <item>ln(1-p_t) = ln(w + v·e) - log1p(e): hard targets make ln(w + v·e) exact (-|z| or 0); log1p(e) ≤ ln 2 has
/// ≤ 2 ulp, so the pair hi + lo (TwoSum, exact) is off by ≤ 2u·ln 2·2 ≈ 2.8u absolute. Soft targets add the rounding of
/// w + v·e (u), e's error scaled by v·e/(w + v·e) ≤ 1 (2u) and the logarithm's 2 ulp of |ln(w + v·e)|: ≤ 3u + 4u·|ln s| absolute.</item>
/// <item>γ·ln(1-p_t) as g + gLow: exact but for the rounding of gLow (≤ u·|gLow| ≪ u); the argument error is γ times the above.</item>
/// <item>exp: ≤ 1 ulp (2u) plus the argument's absolute error as relative error. So (1-p_t)^γ is within 2u + 2.8γu
/// (hard) or 2u + γ(5.8u + 4u·|ln s|) (soft).</item>
/// <item>The products α_t·m^γ·BCE: two roundings (2u) and α_t's own (2u) where α is given.</item>
/// <item>The gradient's bracket (σ - y) - γ(2y-1)·BCE·ratio: for hard targets both terms have one sign, so the bracket
/// keeps the larger relative error of its terms: the ratio (q or 1 - q or q/1: ≤ 2 roundings, with q's 2u), BCE (8u),
/// two products, one subtraction: ≤ 16u. (The operator forms it as fma(γ(1-2y)·ratio, BCE, σ - y), γ(1-2y) exact for hard
/// targets: one product and one rounded sum, fewer roundings than counted here, so the same bound holds.)</item>
/// </list>
/// <para>Total, hard targets: loss ≤ 8u + 2u + 2.8γu + 4u ≈ (14 + 2.8γ)u, i.e. (7 + 1.4γ) ulp; gradient ≤ (16 + 2 + 2.8γ + 4)u,
/// i.e. (11 + 1.4γ) ulp. Soft targets: the same plus γ(3u + 4u·|ln s|) for the loss, and the gradient's bracket may
/// cancel, so it is bounded absolutely: 2^-21·(1 + γ)·max(1, BCE)·α_t·m^γ (the scale of its terms) plus the same relative part.
/// Results below the smallest normal float are allowed one smallest normal (gradual underflow of m^γ and of the products).</para>
/// </remarks>
public class BinaryFocalLossTests(ITestOutputHelper output)
{
    public static readonly float[] Gammas = [0f, 0.25f, 0.5f, 1f, 2f, 5f];

    private const double U = 1.0 / (1 << 24);

    public static TheoryData<float> GammaCases() => [.. Gammas];

    [Theory]
    [MemberData(nameof(GammaCases))]
    public void MatchesTheReferenceWithinTheDerivedBound(float gamma)
    {
        AccuracyReport report = new();
        (double Score, string Where) softLoss = (0, "-"), softGradient = (0, "-");
        foreach (float? alpha in new float?[] { null, 0.25f })
        {
            foreach (TargetKind kind in new[] { TargetKind.Hard, TargetKind.Soft })
            {
                for (int seed = 0; seed < 4; seed++)
                {
                    float[] logits = TestInputs.Logits(4099, seed);
                    float[] targets = TestInputs.Targets(kind, logits, predictionsAreLogits: true, seed + 100);
                    float[] gradient = new float[logits.Length], losses = new float[logits.Length];
                    BinaryFocalLoss.CostAndGradient(logits, targets, gradient, losses, gamma, alpha, Reduction.Sum);
                    for (int i = 0; i < logits.Length; i++)
                    {
                        double z = logits[i], y = targets[i];
                        double loss = Ref.BinaryFocalLoss.LogitLoss(z, y, gamma, alpha ?? -1, out double exactGradient);
                        string where = $"γ={gamma}, α={alpha?.ToString() ?? "none"}, z={logits[i]:R}, y={targets[i]:R}";
                        Assert.True(float.IsFinite(losses[i]) && float.IsFinite(gradient[i]), $"non-finite output at {where}");
                        if (kind == TargetKind.Hard)
                        {
                            report.For("loss, hard targets", Tolerance.Ulps(7 + (1.4 * gamma))).Add(losses[i], loss, 1, _ => where, i);
                            report.For("gradient, hard targets", Tolerance.Ulps(11 + (1.4 * gamma))).Add(gradient[i], exactGradient, 1, _ => where, i);
                            continue;
                        }

                        // Soft targets: the relative part grows with γ·|ln(w + v·e)| (the condition of s^γ); the
                        // gradient is bounded absolutely on the scale of its two terms.
                        double logS = SoftLog(z, y);
                        double lossUlps = 7 + (1.4 * gamma) + (gamma * (1.5 + (2 * Math.Abs(logS))));
                        double lossScore = ScaledError(losses[i], loss, lossUlps);
                        softLoss = lossScore > softLoss.Score ? (lossScore, where) : softLoss;
                        double modulated = Math.Abs(loss) / Math.Max(Ref.BinaryCrossEntropy.LogitLoss(z, y, 1, out _), double.Epsilon);
                        double bce = Ref.BinaryCrossEntropy.LogitLoss(z, y, 1, out _);
                        double scale = Math.ScaleB(1 + gamma, -21) * Math.Max(1, bce) * (double.IsFinite(modulated) ? modulated : 1)
                            + ((lossUlps + 4) * U * 2 * Math.Abs(exactGradient));
                        double gradientScore = Math.Abs(gradient[i] - exactGradient) / Math.Max(scale, Tolerance.SmallestNormal);
                        softGradient = gradientScore > softGradient.Score ? (gradientScore, where) : softGradient;
                    }
                }
            }
        }

        string soft = $"soft targets, worst error / derived bound: loss {softLoss.Score:0.###} at {softLoss.Where}; gradient {softGradient.Score:0.###} at {softGradient.Where}";
        report.WriteToTestOutput($"BinaryFocalLoss γ={gamma}");
        TestOutput.WriteLine(soft);
        output.WriteLine(string.Join(Environment.NewLine, report.All) + Environment.NewLine + soft);
        report.AssertAllWithinTolerance();
        Assert.True(softLoss.Score <= 1 && softGradient.Score <= 1, soft);
    }

    /// <summary>Error in units of the allowed ulps (a value ≤ 1 passes), with the smallest-normal floor.</summary>
    private static double ScaledError(float actual, double exact, double allowedUlps)
    {
        double difference = Math.Abs(actual - exact);
        return Math.Abs(exact) < Tolerance.SmallestNormal
            ? difference / Tolerance.SmallestNormal
            : difference / (allowedUlps * Tolerance.UlpOf(exact));
    }

    /// <summary>ln(w + v·e), the soft-target logarithm of the operator (0 and -|z| for hard targets).</summary>
    private static double SoftLog(double z, double y)
    {
        double e = Math.Exp(-Math.Abs(z)), w = z >= 0 ? 1 - y : y, v = z >= 0 ? y : 1 - y;
        return w == 0 ? 0 : Math.Log(w + (v * e));
    }

    [Fact]
    public void GammaZeroIsBinaryCrossEntropyBitForBit()
    {
        foreach (bool nonFinite in new[] { false, true })
        {
            foreach (TargetKind kind in Enum.GetValues<TargetKind>())
            {
                float[] logits = TestInputs.Logits(1000, 7, nonFinite);
                float[] targets = TestInputs.Targets(kind, logits, predictionsAreLogits: true, 8);
                float[] g1 = new float[logits.Length], l1 = new float[logits.Length], g2 = new float[logits.Length], l2 = new float[logits.Length];
                foreach (Reduction r in new[] { Reduction.Sum, Reduction.Mean })
                {
                    float c1 = BinaryCrossEntropy.CostAndGradient(logits, targets, g1, l1, r);
                    float c2 = BinaryFocalLoss.CostAndGradient(logits, targets, g2, l2, 0f, null, r);
                    Bitwise.AssertEqual(c1, c2, $"cost/{r}");
                    Bitwise.AssertEqual(g1, g2, $"gradient/{r}");
                    Bitwise.AssertEqual(l1, l2, $"losses/{r}");
                    Bitwise.AssertEqual(BinaryCrossEntropy.Cost(logits, targets, r), BinaryFocalLoss.Cost(logits, targets, 0f, reduction: r), $"Cost/{r}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(GammaCases))]
    public void EveryFiniteLogitGivesFiniteOutputs(float gamma)
    {
        float[] logits = [.. TestInputs.SpecialLogits, .. TestInputs.UniformLogits(64, 3, 200f)];
        foreach (float y in new[] { 0f, 1f, 0.5f, 1e-7f, MathF.BitDecrement(1f), float.Epsilon })
        {
            float[] targets = Enumerable.Repeat(y, logits.Length).ToArray();
            float[] gradient = new float[logits.Length], losses = new float[logits.Length];
            float cost = BinaryFocalLoss.CostAndGradient(logits, targets, gradient, losses, gamma, 0.25f, Reduction.Sum);
            Assert.False(float.IsNaN(cost), $"cost NaN at y={y}");
            for (int i = 0; i < logits.Length; i++)
            {
                // A loss of |z| near float.MaxValue may overflow to +∞ (as BCE's does); NaN never.
                Assert.False(float.IsNaN(losses[i]) || float.IsNaN(gradient[i]), $"NaN at z={logits[i]:R}, y={y}, γ={gamma}");
                Assert.True(float.IsFinite(gradient[i]), $"gradient {gradient[i]} at z={logits[i]:R}, y={y}, γ={gamma}");
            }
        }
    }

    /// <summary>torchvision's formula in double, where it is accurate (|z| ≤ 15, so p and 1-p are far from rounding to 0 or 1).</summary>
    [Theory]
    [MemberData(nameof(GammaCases))]
    public void ReferenceAgreesWithTheDirectFormulaAndAFiniteDifference(float gamma)
    {
        foreach (double alpha in new[] { -1.0, 0.25 })
        {
            for (double z = -15; z <= 15; z += 0.37)
            {
                foreach (double y in new[] { 0.0, 1.0, 0.3, 0.9 })
                {
                    double loss = Ref.BinaryFocalLoss.LogitLoss(z, y, gamma, alpha, out double gradient);
                    Assert.Equal(Direct(z, y, gamma, alpha), loss, 1e-12 * Math.Max(1, Math.Abs(loss)));
                    double h = 1e-6;
                    double difference = (Direct(z + h, y, gamma, alpha) - Direct(z - h, y, gamma, alpha)) / (2 * h);
                    Assert.True(Math.Abs(difference - gradient) <= 1e-7 * Math.Max(1, Math.Abs(gradient)), $"z={z}, y={y}, γ={gamma}, α={alpha}: gradient {gradient}, finite difference {difference}");
                }
            }
        }

        static double Direct(double z, double y, double gamma, double alpha)
        {
            double p = 1 / (1 + Math.Exp(-z));
            double bce = Math.Max(z, 0) - (z * y) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            double pt = (p * y) + ((1 - p) * (1 - y));
            double alphaT = alpha >= 0 ? (alpha * y) + ((1 - alpha) * (1 - y)) : 1;
            return alphaT * Math.Pow(1 - pt, gamma) * bce;
        }
    }

    [Theory]
    [InlineData(float.PositiveInfinity, 1f, 0f, 0f)]
    [InlineData(float.NegativeInfinity, 0f, 0f, 0f)]
    [InlineData(float.PositiveInfinity, 0f, float.PositiveInfinity, 1f)]
    [InlineData(float.NegativeInfinity, 1f, float.PositiveInfinity, -1f)]
    public void InfiniteLogitsGiveTheLimits(float z, float y, float loss, float gradient)
    {
        foreach (float gamma in Gammas)
        {
            float[] g = new float[1], l = new float[1];
            BinaryFocalLoss.CostAndGradient([z], [y], g, l, gamma, null, Reduction.Sum);
            Assert.Equal(loss, l[0]);
            Assert.Equal(gradient, g[0]);
        }
    }

    [Theory]
    [InlineData(-0.1f, null, "gamma")]
    [InlineData(float.NaN, null, "gamma")]
    [InlineData(float.PositiveInfinity, null, "gamma")]
    [InlineData(2f, 1.5f, "alpha")]
    [InlineData(2f, float.NaN, "alpha")]
    public void OutOfRangeParametersThrowInBothImplementations(float gamma, float? alpha, string name)
    {
        float[] z = new float[3], y = new float[3];
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => BinaryFocalLoss.Cost(z, y, gamma, alpha)).ParamName);
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => Ref.BinaryFocalLoss.Cost(z, y, gamma, alpha)).ParamName);
    }

    [Fact]
    public void NegativeAlphaMeansNoAlphaWeighting()
    {
        float[] z = TestInputs.Logits(100, 1), y = TestInputs.Targets(TargetKind.Hard, z, true, 2);
        Bitwise.AssertEqual(BinaryFocalLoss.Cost(z, y, 2f), BinaryFocalLoss.Cost(z, y, 2f, -1f), "cost");
    }

    [Fact]
    public void CostAndGradientAllocateNothing()
    {
        float[] z = TestInputs.Logits(10_000, 1), y = TestInputs.Targets(TargetKind.Soft, z, true, 2), g = new float[z.Length], l = new float[z.Length];
        Action call = () => BinaryFocalLoss.CostAndGradient(z, y, g, l, 2f, 0.25f);
        call();
        Assert.Equal(0, Allocations.QuietestWindow(call));
    }
}
