using System.Globalization;
using CsCheck;
using Kernels.Tests.Support;

namespace Kernels.Tests.Reference;

/// <summary>
/// The double reference that the <see cref="LogisticRegression"/> tests measure against,
/// <see cref="Kernels.Reference.LogisticRegression"/> (<see cref="Lr"/>), checked against facts that do not come
/// from it: its ∂C/∂w and ∂C/∂b against central finite differences of the cost computed in double (the dense sigmoid
/// reference's double-input cost with k = 1, which <see cref="Lr.Evaluate"/> checks to agree bit for bit with this
/// reference), its cost and gradients against the textbook logistic-regression formulas written out independently,
/// and its Predict against σ of the textbook logit.
/// </summary>
public class LogisticRegressionReferenceTests
{
    /// <summary>Random small problems: n in [1, 9], d in [1, 7], logits of scale 1 or 5 (some saturated), any seed.</summary>
    private static readonly Gen<(int N, int D, int Seed, float Scale)> SmallProblems =
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 7], Gen.Int[0, 1_000_000], Gen.OneOf(Gen.Const(1f), Gen.Const(5f)));

    [Fact]
    public void AnalyticGradients_MatchCentralFiniteDifferencesOfTheCost()
    {
        // Central differences with h = 1e-5 on O(1) parameters: truncation h²/6·|C'''| ≈ 1e-10 and cancellation
        // ε·|C|/h ≈ 1e-10 for these small costs (|C| ≤ ~50 with Sum), so 1e-8 absolute + 1e-6 relative leaves two
        // orders of margin while any wrong term (a missing factor s, a wrong sign, a transposed index) is off by
        // O(|gradient|).
        double worst = 0;
        SmallProblems.Sample(
            (n, d, seed, scale) =>
            {
                LrProblem p = LrProblem.Create(n, d, seed, scale);
                foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
                {
                    LrExact e = Lr.Evaluate(p, reduction);
                    double[] x = [.. p.X.Select(v => (double)v)], w = [.. p.W.Select(v => (double)v)];
                    double b = p.B;
                    const double H = 1e-5;
                    for (int j = 0; j <= d; j++)
                    {
                        // j = d: the bias.
                        double plus, minus;
                        if (j < d)
                        {
                            double saved = w[j];
                            w[j] = saved + H;
                            plus = Lr.CostInDouble(x, w, b, p.Y, reduction);
                            w[j] = saved - H;
                            minus = Lr.CostInDouble(x, w, b, p.Y, reduction);
                            w[j] = saved;
                        }
                        else
                        {
                            plus = Lr.CostInDouble(x, w, b + H, p.Y, reduction);
                            minus = Lr.CostInDouble(x, w, b - H, p.Y, reduction);
                        }

                        double analytic = j < d ? e.WeightGradient[j] : e.BiasGradient;
                        double difference = (plus - minus) / (2 * H);
                        double error = Math.Abs(difference - analytic);
                        worst = Math.Max(worst, error);
                        Assert.True(
                            error <= 1e-8 + (1e-6 * Math.Abs(analytic)),
                            string.Create(CultureInfo.InvariantCulture, $"{p} seed {seed} {reduction}: {(j < d ? $"∂C/∂w[{j}]" : "∂C/∂b")} analytic {analytic:R}, finite difference {difference:R}"));
                    }

                    // The cost of the double parameters is the cost of the float ones.
                    Assert.Equal(e.Cost, Lr.CostInDouble(x, w, b, p.Y, reduction));
                }
            },
            iter: 200);
        TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Logistic-regression reference, 200 random problems n ≤ 9, d ≤ 7: worst |finite difference - analytic| = {worst:G3}"));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(40, 17)]
    [InlineData(100, 70)]
    public void CostAndGradients_AreTheTextbookFormulas(int n, int d)
    {
        // C = s·Σ_i [softplus(z_i) - y_i·z_i], ∂C/∂w_j = s·Σ_i x_ij·(σ(z_i) - y_i), ∂C/∂b = s·Σ_i (σ(z_i) - y_i), written
        // out with Math.Exp/Math.Log (softplus(z) = max(z, 0) + ln(1 + e^{-|z|}), accurate to a few double ulp here)
        // in the same row order: within 1e-13 relative of the terms' magnitudes, far below any float-level error.
        LrProblem p = LrProblem.Create(n, d, (100 * n) + d, logitScale: 3f);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            LrExact e = Lr.Evaluate(p, reduction);
            double s = reduction == Reduction.Mean ? 1.0 / n : 1;
            double cost = 0, costMagnitude = 0, bias = 0, biasMagnitude = 0;
            double[] weights = new double[d], weightMagnitudes = new double[d];
            for (int i = 0; i < n; i++)
            {
                double z = p.B;
                for (int j = 0; j < d; j++)
                {
                    z += (double)p.X[(i * d) + j] * p.W[j];
                }

                double loss = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - (p.Y[i] * z);
                double delta = s * ((1 / (1 + Math.Exp(-z))) - p.Y[i]);
                cost += s * loss;
                costMagnitude += s * (Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) + Math.Abs(p.Y[i] * z));
                bias += delta;
                biasMagnitude += Math.Abs(delta);
                for (int j = 0; j < d; j++)
                {
                    weights[j] += p.X[(i * d) + j] * delta;
                    weightMagnitudes[j] += Math.Abs(p.X[(i * d) + j] * delta);
                }
            }

            Assert.True(Math.Abs(e.Cost - cost) <= 1e-13 * costMagnitude, $"{p} {reduction}: cost {e.Cost:R}, textbook {cost:R}");
            Assert.True(Math.Abs(e.BiasGradient - bias) <= 1e-13 * biasMagnitude, $"{p} {reduction}: ∂b {e.BiasGradient:R}, textbook {bias:R}");
            for (int j = 0; j < d; j++)
            {
                Assert.True(Math.Abs(e.WeightGradient[j] - weights[j]) <= 1e-13 * weightMagnitudes[j], $"{p} {reduction}: ∂w[{j}] {e.WeightGradient[j]:R}, textbook {weights[j]:R}");
            }
        }
    }

    /// <summary>
    /// d = 0 features: every logit is b, so ∂C/∂b = s·Σ_i (σ(b) - y_i), from the logistic-regression reference and from
    /// the dense sigmoid reference (whose shared DenseLayerLoops.FinishRow once skipped ∂b when there was no ∂W or ∂X
    /// to write, giving 0), through the float methods and the double evaluation.
    /// </summary>
    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void NoFeatures_BiasGradientIsTheSumOfDelta(Reduction reduction)
    {
        float[] y = [0f, 1f, 0.25f];
        const float B = -0.75f;
        double expected = y.Sum(t => (1 / (1 + Math.Exp(0.75))) - t) / (reduction == Reduction.Mean ? y.Length : 1);
        Kernels.Reference.LogisticRegression.CostAndGradient([], [], B, y, [], out float lrBias, reduction);
        Assert.Equal((float)expected, lrBias);
        float[] biasGradient = new float[1];
        Kernels.Reference.DenseSigmoidCrossEntropy.CostAndGradient([], [], [B], y, [], [], [], biasGradient, [], reduction);
        Assert.Equal((float)expected, biasGradient[0]);
        LrExact e = Lr.Evaluate(new LrProblem { X = [], W = [], B = B, Y = y }, reduction); // also compares the dense reference's double ∂b
        Assert.Equal(expected, e.BiasGradient, 1e-15);
    }

    /// <summary>
    /// The softmax dense reference had the same d = 0 bug (same FinishRow): with no features every row's logits are b,
    /// so ∂C/∂b_o = s·Σ_i (softmax(b)_o - [y_i = o]).
    /// </summary>
    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void NoFeatures_SoftmaxBiasGradientIsTheSumOfDelta(Reduction reduction)
    {
        float[] b = [0.5f, -1f, 2f];
        int[] labels = [0, 2, 2, 1];
        double[] e = [.. b.Select(v => Math.Exp(v))];
        double sum = e.Sum(), s = reduction == Reduction.Mean ? 1.0 / labels.Length : 1;
        double[] expected = new double[b.Length];
        foreach (int label in labels)
        {
            for (int o = 0; o < b.Length; o++)
            {
                expected[o] += s * ((e[o] / sum) - (o == label ? 1 : 0));
            }
        }

        float[] biasGradient = new float[b.Length];
        Kernels.Reference.DenseSoftmaxCrossEntropy.CostAndGradient([], [], b, labels, [], biasGradient, [], default, reduction);
        Kernels.Reference.DenseLayerEvaluation evaluation = Kernels.Reference.DenseSoftmaxCrossEntropy.EvaluateInDouble([], [], b, labels, default, reduction);
        for (int o = 0; o < b.Length; o++)
        {
            Assert.Equal(expected[o], evaluation.BiasGradient[o], 1e-15);
            Assert.Equal((float)expected[o], biasGradient[o]);
        }

        // And the fast layer agrees (within a few float ulp of |∂b| terms: s·Σ of n terms ≤ 1).
        float[] fast = new float[b.Length];
        DenseSoftmaxCrossEntropy.CostAndGradient([], [], b, labels, [], fast, [], default, reduction);
        for (int o = 0; o < b.Length; o++)
        {
            Assert.True(Math.Abs(fast[o] - expected[o]) <= 1e-6, $"fast ∂b[{o}] = {fast[o]:R}, expected {expected[o]:R}");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(9, 4)]
    [InlineData(70, 33)]
    public void Predict_IsSigmoidOfTheTextbookLogit(int n, int d)
    {
        LrProblem p = LrProblem.Create(n, d, (10 * n) + d, logitScale: 8f);
        float[] probabilities = new float[n];
        Kernels.Reference.LogisticRegression.Predict(p.X, p.W, p.B, probabilities);
        for (int i = 0; i < n; i++)
        {
            double z = p.B;
            for (int j = 0; j < d; j++)
            {
                z += (double)p.X[(i * d) + j] * p.W[j];
            }

            // σ(z) = 1/(1 + e^{-z}) directly: fine in double for these |z| (no overflow), a few double ulp from the reference's form.
            double sigma = 1 / (1 + Math.Exp(-z));
            Assert.True(Math.Abs(probabilities[i] - sigma) <= Math.ScaleB(sigma, -24) * 1.0001, $"{p} p[{i}] = {probabilities[i]:R}, σ(z) = {sigma:R}");
        }
    }
}
