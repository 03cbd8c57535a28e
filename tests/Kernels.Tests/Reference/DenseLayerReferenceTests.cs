using System.Globalization;
using Kernels.Reference;
using Kernels.Tests.Support;

namespace Kernels.Tests.Reference;

/// <summary>
/// The dense-layer references checked against facts that do not come from them: their analytic ∂C/∂W, ∂C/∂b and
/// ∂C/∂X against central finite differences of their own cost computed in double, and their cost and G against the
/// loss references applied to logits that are exact in float.
/// </summary>
public class DenseLayerReferenceTests
{
    public static TheoryData<DenseHead, int> GradientCases()
    {
        TheoryData<DenseHead, int> cases = [];
        for (int variant = 0; variant < 4; variant++)
        {
            cases.Add(DenseHead.Sigmoid, variant);
            cases.Add(DenseHead.Softmax, variant);
        }

        return cases;
    }

    private static DenseProblem Problem(DenseHead head, int variant)
    {
        // Small random problems: n = 5, d = 4, k = 3 (softmax: k = 4 with class weights, so one may be 0).
        int seed = 500 + (10 * variant) + (int)head;
        return head == DenseHead.Sigmoid
            ? DenseProblem.Create(head, 5, 4, 3, seed, sampleWeights: variant >= 1, positiveWeights: variant >= 2, logitScale: variant == 3 ? 4f : 1f)
            : variant switch
            {
                0 => DenseProblem.Create(head, 5, 4, 3, seed),
                1 => DenseProblem.Create(head, 6, 4, 3, seed, smoothing: 0.2f, ignore: true),
                2 => DenseProblem.Create(head, 5, 4, 4, seed, classWeights: true, zLoss: 0.01f),
                _ => DenseProblem.Create(head, 7, 3, 4, seed, smoothing: 0.1f, classWeights: true, ignore: true, zLoss: 0.002f, logitScale: 4f),
            };
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void AnalyticGradients_MatchCentralFiniteDifferencesOfTheCost(DenseHead head, int variant)
    {
        // Central differences with h = 1e-5 on O(1) parameters: truncation h²/6·|C'''| ≈ 1e-10 and cancellation
        // ε·|C|/h ≈ 1e-10 for these small costs, so 1e-8 absolute + 1e-6 relative leaves two orders of margin while
        // any wrong term (a missing factor, a transposed index) is off by O(|gradient|).
        DenseProblem p = Problem(head, variant);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            DenseLayerEvaluation e = DenseLayer.Evaluate(head, p, reduction);
            double[] x = p.X.Select(v => (double)v).ToArray(), w = p.W.Select(v => (double)v).ToArray(), b = p.B.Select(v => (double)v).ToArray();
            double worst = 0;
            Compare("∂C/∂X", x, e.InputGradient);
            Compare("∂C/∂W", w, e.WeightGradient);
            Compare("∂C/∂b", b, e.BiasGradient);
            TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{head} {p} {reduction}: worst |finite difference - analytic| = {worst:G3}"));

            void Compare(string name, double[] parameters, double[] analytic)
            {
                const double H = 1e-5;
                for (int i = 0; i < parameters.Length; i++)
                {
                    double saved = parameters[i];
                    parameters[i] = saved + H;
                    double plus = Cost(head, p, x, w, b, reduction);
                    parameters[i] = saved - H;
                    double minus = Cost(head, p, x, w, b, reduction);
                    parameters[i] = saved;
                    double difference = (plus - minus) / (2 * H);
                    double error = Math.Abs(difference - analytic[i]);
                    worst = Math.Max(worst, error);
                    Assert.True(
                        error <= 1e-8 + (1e-6 * Math.Abs(analytic[i])),
                        string.Create(CultureInfo.InvariantCulture, $"{head} {p} {reduction}: {name}[{i}] analytic {analytic[i]:R}, finite difference {difference:R}"));
                }
            }
        }
    }

    private static double Cost(DenseHead head, DenseProblem p, double[] x, double[] w, double[] b, Reduction reduction) => head == DenseHead.Sigmoid
        ? Kernels.Reference.DenseSigmoidCrossEntropy.CostInDouble(x, w, b, p.Targets, p.SampleWeights, p.PositiveWeights, reduction)
        : Kernels.Reference.DenseSoftmaxCrossEntropy.CostInDouble(x, w, b, p.Labels, p.Options, reduction);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void CostAndLogitGradient_AreThoseOfTheLossReferences_OnExactLogits(DenseHead head, int variant)
    {
        // Features in quarters, weights in eighths, bias in quarters, d ≤ 4: every logit is a multiple of 1/32 below
        // 2^5, exact in float, so the loss references see exactly the dense reference's z.
        DenseProblem random = Problem(head, variant);
        Random r = new(variant);
        DenseProblem p = new()
        {
            Samples = random.Samples,
            Features = random.Features,
            Outputs = random.Outputs,
            X = random.X.Select(_ => r.Next(-8, 9) / 4f).ToArray(),
            W = random.W.Select(_ => r.Next(-8, 9) / 8f).ToArray(),
            B = random.B.Select(_ => r.Next(-4, 5) / 4f).ToArray(),
            Targets = random.Targets,
            Labels = random.Labels,
            SampleWeights = random.SampleWeights,
            PositiveWeights = random.PositiveWeights,
            LabelSmoothing = random.LabelSmoothing,
            ClassWeights = random.ClassWeights,
            IgnoreIndex = random.IgnoreIndex,
            ZLossWeight = random.ZLossWeight,
        };

        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            DenseLayerEvaluation e = DenseLayer.Evaluate(head, p, reduction);
            float[] z = e.Logits.Select(v => (float)v).ToArray();
            Assert.Equal(e.Logits, z.Select(v => (double)v));
            if (head == DenseHead.Sigmoid)
            {
                float[] gradient = new float[z.Length];
                float cost = Kernels.Reference.BinaryCrossEntropy.CostAndGradient(z, p.Targets, p.Outputs, p.SampleWeights, p.PositiveWeights, gradient, default, reduction);
                Assert.Equal(cost, (float)e.Cost);
                Assert.Equal(gradient, e.LogitGradient.Select(v => (float)v));
            }
            else
            {
                SoftmaxEvaluation s = SoftmaxEvaluation.Of(z, p.Labels, p.Options, reduction);
                Assert.Equal(s.Cost, e.Cost);
                Assert.Equal(s.Gradient, e.LogitGradient);
            }

            // ∂W = Xᵀ·G, ∂b = Σ_rows G, ∂X = G·Wᵀ, from G in double.
            int n = p.Samples, d = p.Features, k = p.Outputs;
            for (int j = 0; j < d; j++)
            {
                for (int o = 0; o < k; o++)
                {
                    double sum = 0;
                    for (int i = 0; i < n; i++)
                    {
                        sum += p.X[(i * d) + j] * e.LogitGradient[(i * k) + o];
                    }

                    Assert.Equal(sum, e.WeightGradient[(j * k) + o], 1e-15);
                }
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    double sum = 0;
                    for (int o = 0; o < k; o++)
                    {
                        sum += e.LogitGradient[(i * k) + o] * p.W[(j * k) + o];
                    }

                    Assert.Equal(sum, e.InputGradient[(i * d) + j], 1e-15);
                }
            }

            for (int o = 0; o < k; o++)
            {
                Assert.Equal(Enumerable.Range(0, n).Sum(i => e.LogitGradient[(i * k) + o]), e.BiasGradient[o], 1e-15);
            }
        }
    }
}
