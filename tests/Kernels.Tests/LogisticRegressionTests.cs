using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// The fused logistic-regression step (<see cref="LogisticRegression"/>): cost, ∂w, ∂b and Predict against the
/// double reference within first-order error bounds (<see cref="LrBounds"/>) for every d from 0 to 70 and n across
/// the 32- and 64-row blocks, the n = 2^20 accuracy of ∂w, the loss and δ of <see cref="BinaryCrossEntropy"/> on
/// exact logits, the documented limits at NaN and ±∞, empty batches, allocation, alignment and guard pages.
/// </summary>
public class LogisticRegressionTests
{
    /// <summary>
    /// Row counts: single rows, around the 16-row transposed dots, the 32-row block and the 64-row block pair
    /// (15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129) and 1000 (partial pair, partial block at the end).
    /// </summary>
    private static readonly int[] SampleCounts = [0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1000];

    /// <summary>Every d from 0 to 70 (1, 2 and 3 groups of 32 lanes, every tail, every vector width), 256 and 784.</summary>
    public static TheoryData<int> FeatureCounts() => [.. Enumerable.Range(0, 71), 256, 784];

    /// <summary>
    /// Larger problems: n past one group of 32 blocks (1024 rows) with and without partial blocks, d past the 128
    /// features walked as block pairs, d = 16385 past the 16384 whose group sum lives on the stack, and logits
    /// scaled by 6 (saturated σ) and 1e30 (|z| ~ 1e30: σ' = 0, losses of 1e30).
    /// </summary>
    public static TheoryData<int, int, float> LargeShapes() => new()
    {
        { 4097, 3, 1f }, { 20_000, 17, 1f }, { 65_537, 64, 1f }, { 3000, 129, 1f }, { 2100, 200, 6f }, { 70, 2000, 1f },
        { 3, 16_385, 1f }, { 33, 16_384, 1f }, { 1000, 40, 6f }, { 300, 33, 1e30f }, { 130, 7, 1e30f },
    };

    [Theory]
    [MemberData(nameof(FeatureCounts))]
    public void MatchesTheReference_WithinFirstOrderErrorBounds(int d)
    {
        LrLogs logs = new();
        foreach (int n in SampleCounts)
        {
            logs.Check(LrProblem.Create(n, d, (1000 * d) + n));
        }

        logs.Report($"d = {d}, n ∈ {{{string.Join(", ", SampleCounts)}}}");
    }

    [Theory]
    [MemberData(nameof(LargeShapes))]
    public void MatchesTheReference_WithinFirstOrderErrorBounds_LargeShapes(int n, int d, float logitScale)
    {
        LrLogs logs = new();
        logs.Check(LrProblem.Create(n, d, n + d, logitScale));
        logs.Report($"n = {n}, d = {d}, logit scale {logitScale}");
    }

    /// <summary>The worst error of each output, in units of its bound (≤ 1 passes) and relative to the exact value.</summary>
    private sealed class LrLogs
    {
        private readonly ErrorLog _cost = new("cost"), _weights = new("∂C/∂w"), _bias = new("∂C/∂b"), _probabilities = new("Predict");
        private readonly double[] _worstRelative = new double[4];

        public void Check(LrProblem p)
        {
            foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
            {
                LrResult fast = Lr.Fast(p, reduction);
                LrExact exact = Lr.Evaluate(p, reduction);
                LrBounds.Bounds bounds = LrBounds.Compute(p, exact);
                string where = $"{p} {reduction}";
                Add(0, _cost, fast.Cost, exact.Cost, bounds.Cost, () => where);
                for (int j = 0; j < p.Features; j++)
                {
                    Add(1, _weights, fast.WeightGradient[j], exact.WeightGradient[j], bounds.WeightGradient[j], () => $"{where} w[{j}]");
                }

                // ∂b = Σ_i δ_i in the reference's row order (d = 0 included: the dense references' FinishRow used to skip it).
                Assert.Equal(exact.LogitGradient.Sum(), exact.BiasGradient);
                Add(2, _bias, fast.BiasGradient, exact.BiasGradient, bounds.BiasGradient, () => where);
                for (int i = 0; i < p.Samples; i++)
                {
                    Add(3, _probabilities, fast.Probabilities[i], bounds.ExactProbabilities[i], bounds.Probabilities[i], () => $"{where} p[{i}]");
                }

                // The reference's own float outputs are its double results rounded once, and its Predict is σ(z) rounded once.
                LrResult reference = Lr.Reference(p, reduction);
                Assert.Equal((float)exact.Cost, reference.Cost);
                Assert.Equal(exact.WeightGradient.Select(v => (float)v), reference.WeightGradient);
                Assert.Equal((float)exact.BiasGradient, reference.BiasGradient);
                Assert.Equal(exact.Logits.Select(z => (float)Kernels.Reference.LogisticRegression.Sigmoid(z)), reference.Probabilities);
            }
        }

        private void Add(int quantity, ErrorLog log, float actual, double exact, double bound, Func<string> where)
        {
            double error = SoftmaxComparison.AbsoluteError(actual, exact);
            log.Add(error, bound, bound > 0 ? bound : 1, where);
            if (error > 0 && exact != 0)
            {
                _worstRelative[quantity] = Math.Max(_worstRelative[quantity], error / Math.Abs(exact));
            }
        }

        public void Report(string title)
        {
            // Scores are error/bound: ≤ 1 passes. The bounds are worst-case first-order sums, so typical scores are far below 1.
            ErrorLog[] logs = [_cost, _weights, _bias, _probabilities];
            TestOutput.WriteLine(
                $"{title} (worst error in units of its bound; worst relative error):" +
                string.Concat(logs.Select((log, q) => string.Create(CultureInfo.InvariantCulture, $"\n  {log.Summary()}; worst relative {_worstRelative[q]:G3}"))));
            Assert.Empty(logs.SelectMany(log => log.Failures));
        }
    }

    [Fact]
    public void WeightGradient_IsAccurate_AtTwoToTheTwentyRows()
    {
        // The issue's accuracy target: n = 2^20, d = 64; every ∂C/∂w_j within 1e-5 relative (or 1e-7 absolute near
        // 0) of the double reference.
        const int N = 1 << 20, D = 64;
        const float Bias = 0.25f;
        (float[] features, float[] weights, float[] targets) = LogisticProblem.Create(N, D, Bias, seed: 2024);

        float[] weightGradient = new float[D];
        float cost = LogisticRegression.CostAndGradient(features, weights, Bias, targets, weightGradient, out float biasGradient);

        // The exact gradient in double, row by row (the reference's arithmetic, without its n×d intermediates).
        double[] exact = new double[D];
        double exactBias = 0, exactCost = 0;
        for (int i = 0; i < N; i++)
        {
            double z = Bias;
            ReadOnlySpan<float> x = features.AsSpan(i * D, D);
            for (int j = 0; j < D; j++)
            {
                z += (double)x[j] * weights[j];
            }

            exactCost += Kernels.Reference.BinaryCrossEntropy.LogitLoss(z, targets[i], 1, out double g);
            g /= N;
            exactBias += g;
            for (int j = 0; j < D; j++)
            {
                exact[j] += x[j] * g;
            }
        }

        exactCost /= N;
        double worstRelative = 0, smallest = double.PositiveInfinity;
        List<string> failures = [];
        for (int j = 0; j < D; j++)
        {
            double error = Math.Abs(weightGradient[j] - exact[j]);
            double relative = error / Math.Abs(exact[j]);
            worstRelative = Math.Max(worstRelative, relative);
            smallest = Math.Min(smallest, Math.Abs(exact[j]));
            if (!(relative <= 1e-5 || error <= 1e-7))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"∂w[{j}] = {weightGradient[j]:R}, exact {exact[j]:R} ({relative:G3} relative)"));
            }
        }

        // ∂b and the cost are double sums rounded once: the same 1e-5 is very loose for them.
        double biasRelative = Math.Abs(biasGradient - exactBias) / Math.Abs(exactBias);
        double costRelative = Math.Abs(cost - exactCost) / exactCost;
        TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LogisticRegression n = 2^20, d = 64: worst ∂w relative error {worstRelative:G3} (smallest |∂w_j| {smallest:G3}); ∂b relative error {biasRelative:G3}; cost relative error {costRelative:G3}"));
        Assert.Empty(failures);
        Assert.True(biasRelative <= 1e-5, $"∂b relative error {biasRelative}");
        Assert.True(costRelative <= 1e-5, $"cost relative error {costRelative}");
    }

    [Theory]
    [InlineData(40, 3)]
    [InlineData(1100, 5)]
    [InlineData(77, 150)]
    public void LossAndDelta_AreThoseOfBinaryCrossEntropy_OnExactLogits(int n, int d)
    {
        // Features in quarters within ±2, weights in sixteenths within ±1, bias in quarters: every product is a
        // multiple of 1/64 below 2, so for d ≤ 150 every partial sum of every logit is a multiple of 1/64 below 2^9,
        // exact in float whatever the order: the kernel's z is the exact z. Then, as documented, its loss and δ are
        // BinaryCrossEntropy's on that z (checked through the public kernel's per-element outputs), and only the
        // sums remain: ∂b and the cost are double sums rounded once (2u·Σ|terms| + u·|result|), ∂w_j is summed by
        // the documented blocks ((65 + ⌈n/1024⌉)·u·Σ_i |x_ij·δ_i|).
        Random random = new(n + d);
        float[] x = [.. Enumerable.Range(0, n * d).Select(_ => random.Next(-8, 9) / 4f)];
        float[] w = [.. Enumerable.Range(0, d).Select(_ => random.Next(-16, 17) / 16f)];
        float b = random.Next(-4, 5) / 4f;
        float[] y = [.. Enumerable.Range(0, n).Select(i => i % 3 == 0 ? random.NextSingle() : random.Next(2))];
        double[] z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b;
            for (int j = 0; j < d; j++)
            {
                sum += (double)x[(i * d) + j] * w[j];
            }

            z[i] = sum;
            Assert.Equal(sum, (double)(float)sum);
        }

        float[] logits = [.. z.Select(v => (float)v)];
        const double U = 1.0 / (1 << 24);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            float[] weightGradient = new float[d];
            float cost = LogisticRegression.CostAndGradient(x, w, b, y, weightGradient, out float biasGradient, reduction);

            float[] delta = new float[n], losses = new float[n];
            BinaryCrossEntropy.CostAndGradient(logits, y, delta, losses, reduction);
            double lossSum = losses.Sum(v => (double)v), deltaSum = delta.Sum(v => (double)v), deltaMagnitude = delta.Sum(v => Math.Abs((double)v));
            double expectedCost = reduction == Reduction.Mean ? lossSum / n : lossSum;
            string where = $"n={n} d={d} {reduction}";
            Assert.True(Math.Abs(cost - expectedCost) <= 3 * U * expectedCost, $"{where}: cost {cost:R}, Σ BCE losses {expectedCost:R}");
            Assert.True(Math.Abs(biasGradient - deltaSum) <= (2 * U * deltaMagnitude) + (U * Math.Abs(deltaSum)), $"{where}: ∂b {biasGradient:R}, Σ BCE δ {deltaSum:R}");
            double worst = 0;
            for (int j = 0; j < d; j++)
            {
                double sum = 0, magnitude = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += (double)x[(i * d) + j] * delta[i];
                    magnitude += Math.Abs((double)x[(i * d) + j] * delta[i]);
                }

                double error = Math.Abs(weightGradient[j] - sum);
                worst = Math.Max(worst, magnitude == 0 ? 0 : error / (U * magnitude));
                Assert.True(error <= (65 + ((n + 1023) / 1024)) * U * magnitude, $"{where}: ∂w[{j}] = {weightGradient[j]:R}, Σ x·δ = {sum:R}");
            }

            TestOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Exact logits, {where}: worst ∂w error {worst:0.##}·2^-24·Σ|x·δ| (bound {65 + ((n + 1023) / 1024)})"));
        }
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void EmptyBatch_CostsZero_WithZeroGradients(Reduction reduction)
    {
        float[] weights = [1f, 2f, 3f], weightGradient = [9f, 9f, 9f];
        float cost = LogisticRegression.CostAndGradient([], weights, 0.5f, [], weightGradient, out float biasGradient, reduction);
        Assert.Equal(0f, cost);
        Assert.Equal(0f, biasGradient);
        Assert.All(weightGradient, v => Assert.Equal(0f, v));
        LogisticRegression.Predict([], weights, 0.5f, []);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void NoFeatures_GiveTheBinaryCrossEntropyOfTheBias(Reduction reduction)
    {
        // d = 0: every logit is exactly b, so the loss and δ are BinaryCrossEntropy's for n copies of b; cost and ∂b
        // are their double sums rounded once (within 2u·Σ|terms| + u·|result|, u = 2^-24), and Predict gives σ(b)
        // within 8u relative (the 4 ulp of BinaryCrossEntropy's y = 0 gradient, which is σ(z)).
        const double U = 1.0 / (1 << 24);
        float[] y = [0f, 1f, 0.25f, 1f, 0f, 0.5f, 1f];
        float[] logits = [.. y.Select(_ => -0.75f)];
        float[] gradient = new float[y.Length], losses = new float[y.Length], probabilities = new float[y.Length];
        float cost = LogisticRegression.CostAndGradient([], [], -0.75f, y, [], out float biasGradient, reduction);
        BinaryCrossEntropy.CostAndGradient(logits, y, gradient, losses, reduction);
        double lossSum = losses.Sum(v => (double)v), expectedCost = reduction == Reduction.Mean ? lossSum / y.Length : lossSum;
        double expectedBias = gradient.Sum(v => (double)v), biasMagnitude = gradient.Sum(v => Math.Abs((double)v));
        Assert.True(Math.Abs(cost - expectedCost) <= 3 * U * expectedCost, $"cost {cost:R}, expected {expectedCost:R}");
        Assert.True(Math.Abs(biasGradient - expectedBias) <= (2 * U * biasMagnitude) + (U * Math.Abs(expectedBias)), $"∂b {biasGradient:R}, expected {expectedBias:R}");
        LogisticRegression.Predict([], [], -0.75f, probabilities);
        double sigma = 1 / (1 + Math.Exp(0.75));
        Assert.All(probabilities, p => Assert.True(Math.Abs(p - sigma) <= 8 * U * sigma, $"σ(-0.75) = {p:R}, exact {sigma:R}"));
    }

    // ---- Limits: NaN and ±∞ ("propagate to the cost and gradients"; an infinite logit as in BinaryCrossEntropy; 0·∞ in ∂w gives NaN).

    public static TheoryData<string, int> NaNCases() => new()
    {
        { "feature", 0 }, { "feature", 37 }, { "feature", 70 }, { "weight", 2 }, { "bias", 0 }, { "target", 5 }, { "target", 64 },
    };

    [Theory]
    [MemberData(nameof(NaNCases))]
    public void NaN_InAFeatureWeightBiasOrTarget_GivesNaNCostAndGradients(string where, int row)
    {
        // 71 rows: a NaN in row 0 (first block of a pair), 37 (second block), 64/70 (last, partial block). A NaN
        // logit or target makes that row's δ NaN, so every ∂w_j (Σ_i x_ij·δ_i) is NaN too, and ∂b and the cost.
        LrProblem clean = LrProblem.Create(71, 6, 3);
        float nan = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC01234)); // a NaN with a sign and payload
        LrProblem p = where switch
        {
            "feature" => clean.With(x: Poke(clean.X, (row * 6) + 4, nan)),
            "weight" => clean.With(w: Poke(clean.W, row, nan)),
            "bias" => clean.With(b: nan),
            _ => clean.With(y: Poke(clean.Y, row, nan)),
        };

        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            LrResult r = Lr.Fast(p, reduction);
            Assert.True(float.IsNaN(r.Cost), $"cost {r.Cost}");
            Assert.True(float.IsNaN(r.BiasGradient), $"∂b {r.BiasGradient}");
            Assert.All(r.WeightGradient, v => Assert.True(float.IsNaN(v), $"∂w {v}"));
            Assert.True(Lr.Reference(p, reduction).All.All(float.IsNaN));
            for (int i = 0; i < p.Samples; i++)
            {
                // Predict: a NaN feature or target poisons that row's probability; a NaN weight or bias every row.
                bool expectNaN = where is "weight" or "bias" || (where == "feature" && i == row);
                Assert.Equal(expectNaN, float.IsNaN(r.Probabilities[i]));
            }
        }
    }

    /// <summary>
    /// An infinite feature or weight with every other input finite makes some logits ±∞; a finite stand-in (±1e30)
    /// makes the same logits so large that σ is exactly 0 or 1 in float (e^{-|z|} underflows), so BinaryCrossEntropy
    /// gives the same δ bits, s·(1 - y) for z = +∞ and -s·y for z = -∞, and a loss of |z|·(1-y) or |z|·y: 0 where
    /// the target is on the logit's side, ∞ (resp. finite, huge) otherwise. So every output must be bit for bit
    /// that of the stand-in problem, except: the cost is +∞ where some loss is ∞, and ∂w_j of the infinite feature is
    /// ±∞ · δ: NaN (0·∞) if a δ of its rows is 0, else ±∞.
    /// </summary>
    [Theory]
    [InlineData("feature +∞, y = 1 (loss 0, δ = 0: ∂w_j = 0·∞)", 1f, 1f)]
    [InlineData("feature +∞, y = 0 (loss ∞, δ = s)", 1f, 0f)]
    [InlineData("feature -∞, y = 0 (loss 0, δ = 0: ∂w_j = 0·∞)", -1f, 0f)]
    [InlineData("feature -∞, y = 1 (loss ∞, δ = -s)", -1f, 1f)]
    public void InfiniteFeature_IsAnInfiniteLogit_AsInBinaryCrossEntropy(string name, float sign, float target)
    {
        const int Row = 40, Column = 3;
        LrProblem clean = LrProblem.Create(75, 5, 11);
        clean.W[Column] = 0.5f;
        float[] y = Poke(clean.Y, Row, target);
        LrProblem infinite = clean.With(x: Poke(clean.X, (Row * 5) + Column, sign * float.PositiveInfinity), y: y, label: $" {name}");
        LrProblem standIn = clean.With(x: Poke(clean.X, (Row * 5) + Column, sign * 1e30f), y: y);
        bool lossIsInfinite = (sign > 0) != (target == 1f);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            LrResult r = Lr.Fast(infinite, reduction), expected = Lr.Fast(standIn, reduction);
            string context = $"{infinite} {reduction}";
            Assert.True(float.IsFinite(expected.Cost) && expected.WeightGradient.All(float.IsFinite), $"{context}: stand-in not finite");
            if (lossIsInfinite)
            {
                Bitwise.AssertEqual(float.PositiveInfinity, r.Cost, $"{context}: cost");
            }
            else
            {
                Bitwise.AssertEqual(expected.Cost, r.Cost, $"{context}: cost");
            }

            Bitwise.AssertEqual(expected.BiasGradient, r.BiasGradient, $"{context}: ∂b");
            for (int j = 0; j < 5; j++)
            {
                if (j != Column)
                {
                    Bitwise.AssertEqual(expected.WeightGradient[j], r.WeightGradient[j], $"{context}: ∂w[{j}]");
                }
            }

            // ∂w_j: x·δ = ±∞·δ with δ = s·(1 - y) or -s·y, others finite: NaN when δ = 0, else +∞ (both signs are +: ∞·s or -∞·-s).
            float infiniteComponent = r.WeightGradient[Column];
            Assert.True(lossIsInfinite ? infiniteComponent == float.PositiveInfinity : float.IsNaN(infiniteComponent), $"{context}: ∂w[{Column}] = {infiniteComponent}");

            // Predict: σ(±∞) = 1 or 0 in that row, the stand-in's bits elsewhere (σ(±1e30) is also exactly 1 or 0).
            Bitwise.AssertEqual(expected.Probabilities, r.Probabilities, $"{context}: probabilities");
            Assert.Equal(sign > 0 ? 1f : 0f, r.Probabilities[Row]);
        }
    }

    /// <summary>
    /// An infinite weight (features nonzero) or bias makes every logit infinite; the finite stand-in ±1e30 gives the
    /// same δ (σ exactly 0 or 1), so ∂w and ∂b are bit for bit the stand-in's (no 0·∞: the features are finite),
    /// the cost is +∞ (soft targets: some y·∞ or (1-y)·∞), and every probability is exactly 0 or 1.
    /// </summary>
    [Theory]
    [InlineData("weight", 1f)]
    [InlineData("weight", -1f)]
    [InlineData("bias", 1f)]
    [InlineData("bias", -1f)]
    public void InfiniteWeightOrBias_AreInfiniteLogits_AsInBinaryCrossEntropy(string where, float sign)
    {
        LrProblem clean = LrProblem.Create(70, 4, 12);
        Assert.DoesNotContain(0f, clean.X);
        LrProblem infinite = where == "weight" ? clean.With(w: Poke(clean.W, 1, sign * float.PositiveInfinity)) : clean.With(b: sign * float.PositiveInfinity);
        LrProblem standIn = where == "weight" ? clean.With(w: Poke(clean.W, 1, sign * 1e30f)) : clean.With(b: sign * 1e30f);
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            LrResult r = Lr.Fast(infinite, reduction), expected = Lr.Fast(standIn, reduction);
            string context = $"{where} {sign * float.PositiveInfinity} {reduction}";
            Bitwise.AssertEqual(float.PositiveInfinity, r.Cost, $"{context}: cost");
            Bitwise.AssertEqual(expected.WeightGradient, r.WeightGradient, $"{context}: ∂w");
            Bitwise.AssertEqual(expected.BiasGradient, r.BiasGradient, $"{context}: ∂b");
            Assert.All(r.Probabilities, p => Assert.True(p is 0f or 1f, $"{context}: probability {p}"));
            Bitwise.AssertEqual(expected.Probabilities, r.Probabilities, $"{context}: probabilities");
        }
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-1f)]
    public void InfiniteTarget_PropagatesToTheCostAndGradients(float sign)
    {
        // The docs: ±∞ in a target propagates to the cost and gradients (targets are not range-checked). δ of that
        // row is σ(z) - y = ∓∞, so ∂b and every ∂w_j (features nonzero) are non-finite, and so is the cost.
        LrProblem clean = LrProblem.Create(50, 3, 13);
        Assert.DoesNotContain(0f, clean.X);
        LrProblem p = clean.With(y: Poke(clean.Y, 33, sign * float.PositiveInfinity));
        foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
        {
            LrResult r = Lr.Fast(p, reduction);
            string context = $"target {sign * float.PositiveInfinity} {reduction}";
            Assert.False(float.IsFinite(r.Cost), $"{context}: cost {r.Cost}");
            Assert.False(float.IsFinite(r.BiasGradient), $"{context}: ∂b {r.BiasGradient}");
            Assert.All(r.WeightGradient, v => Assert.False(float.IsFinite(v), $"{context}: ∂w {v}"));
        }
    }

    [Fact]
    public void HugeLogits_SumTheirLossesWithoutOverflow()
    {
        // 1024 rows whose logit is -float.MaxValue with y = 1 (x = -MaxValue, w = 1, b = 0: every dot is exact): each
        // loss is float.MaxValue, their sum overflows float but not the documented double sums ("numerics of the
        // loss ... those of BinaryCrossEntropy", whose sums are kept in double), so the Mean cost is float.MaxValue.
        // δ = -s·y = -1/1024 exactly, ∂b = -1 and ∂w = Σ x·δ = MaxValue (1024 terms of MaxValue/1024, exact).
        const int N = 1024;
        float[] x = Enumerable.Repeat(-float.MaxValue, N).ToArray(), y = Enumerable.Repeat(1f, N).ToArray(), gradient = new float[1];
        float cost = LogisticRegression.CostAndGradient(x, [1f], 0f, y, gradient, out float biasGradient);
        Assert.Equal(float.MaxValue, cost);
        Assert.Equal(-1f, biasGradient);
        Assert.Equal(float.MaxValue, gradient[0]);
    }

    // ---- Allocation, alignment, memory safety.

    [Fact]
    public void BothMethods_AllocateNothing_UpToTheDocumentedFeatureCount()
    {
        // "Nothing is allocated for d ≤ 16384 features": d = 0, 1, 70 (block pairs), 129 (single blocks), 784, 16384.
        LrProblem[] problems = [LrProblem.Create(40, 0, 1), LrProblem.Create(40, 1, 2), LrProblem.Create(1100, 70, 3), LrProblem.Create(70, 129, 4), LrProblem.Create(40, 784, 5), LrProblem.Create(3, 16_384, 6)];
        LrResult[] results = [.. problems.Select(p => new LrResult(p.Samples, p.Features))];

        void CallEveryMethod()
        {
            for (int k = 0; k < problems.Length; k++)
            {
                LrProblem p = problems[k];
                LrResult r = results[k];
                r.Cost = LogisticRegression.CostAndGradient(p.X, p.W, p.B, p.Y, r.WeightGradient, out float bias, k % 2 == 0 ? Reduction.Mean : Reduction.Sum);
                r.BiasGradient = bias;
                LogisticRegression.Predict(p.X, p.W, p.B, r.Probabilities);
            }
        }

        for (int i = 0; i < 20; i++)
        {
            CallEveryMethod();
        }

        Assert.Equal(0, Allocations.QuietestWindow(CallEveryMethod));
    }

    public static TheoryData<int, int, bool> AlignmentShapes() => new()
    {
        { 45, 19, false }, { 129, 64, false }, { 70, 33, false }, { 200, 32, true }, { 33, 200, false }, { 17, 5, true },
    };

    [Theory]
    [MemberData(nameof(AlignmentShapes))]
    public void Outputs_AreBitIdentical_WhateverTheAlignmentOfTheSpans(int n, int d, bool withNaN)
    {
        // Span role r at (shift·(2r + 1)) mod 16 floats past a 64-byte boundary (pinned arrays), shift = 0…15, so
        // every span meets every offset and the spans are misaligned relative to each other; every output bit must
        // equal the all-aligned run (the cross-ISA part is the CI's four runs of the same comparisons with the
        // reference). With NaN: a NaN feature with a payload, whose NaN outputs must not depend on alignment either.
        LrProblem p = LrProblem.Create(n, d, n * d);
        if (withNaN)
        {
            p.X[(n / 2 * d) + 1] = BitConverter.Int32BitsToSingle(0x7FC0ABCD);
        }

        float[][] arrays = [.. new[] { n * d, d, n, d, n }.Select(length => GC.AllocateUninitializedArray<float>(length + 32, pinned: true))];
        float[]? first = null;
        for (int shift = 0; shift < 16; shift++)
        {
            Span<float> x = Place(0, p.X, shift), w = Place(1, p.W, shift), y = Place(2, p.Y, shift);
            Span<float> gw = Place(3, new float[d], shift), probabilities = Place(4, new float[n], shift);
            float[] all = [];
            foreach (Reduction reduction in (Reduction[])[Reduction.Mean, Reduction.Sum])
            {
                float cost = LogisticRegression.CostAndGradient(x, w, p.B, y, gw, out float gb, reduction);
                all = [.. all, cost, .. gw, gb];
            }

            LogisticRegression.Predict(x, w, p.B, probabilities);
            all = [.. all, .. probabilities];
            first ??= all;
            Bitwise.AssertEqual(first, all, $"{p} shift {shift}");
        }

        Span<float> Place(int role, float[] values, int shift)
        {
            float[] array = arrays[role];
            Span<float> span = array.AsSpan(AlignedIndex(array) + ((shift * ((2 * role) + 1)) % 16), values.Length);
            values.CopyTo(span);
            return span;
        }

        static unsafe int AlignedIndex(float[] array)
        {
            nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            return (int)((64 - (address % 64)) % 64 / sizeof(float));
        }
    }

    [Fact]
    public void SpansAgainstGuardPagesAreNeverOverrunAndGiveTheManagedResult()
    {
        // Every span (features, weights, targets, ∂w, probabilities) flush against a PROT_NONE guard page, first all
        // trailing, then all leading; d and n around the lane groups, vector widths and block sizes.
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        int[] featureCounts = [0, 1, 3, 16, 17, 32, 33, 64, 67, 129];
        int[] sampleCounts = [0, 1, 15, 16, 17, 33, 63, 64, 65, 97];
        int maxN = sampleCounts.Max(), maxD = featureCounts.Max();
        BoundedMemory[] memory = [new(maxN * maxD), new(maxD), new(maxN), new(maxD), new(maxN)];
        try
        {
            foreach (int d in featureCounts)
            {
                foreach (int n in sampleCounts)
                {
                    LrProblem p = LrProblem.Create(n, d, (n * 1000) + d);
                    LrResult expected = Lr.Fast(p, Reduction.Mean);
                    foreach (GuardSide side in (GuardSide[])[GuardSide.Trailing, GuardSide.Leading])
                    {
                        Span<float> x = Place(0, p.X, side), w = Place(1, p.W, side), y = Place(2, p.Y, side);
                        Span<float> gw = memory[3].Span(d, side), probabilities = memory[4].Span(n, side);
                        float cost = LogisticRegression.CostAndGradient(x, w, p.B, y, gw, out float gb);
                        LogisticRegression.Predict(x, w, p.B, probabilities);
                        Bitwise.AssertEqual([.. expected.All, .. expected.Probabilities], [cost, .. gw, gb, .. probabilities], $"{p}, spans against the {side} guard pages");
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

    private static float[] Poke(float[] values, int index, float value)
    {
        float[] copy = (float[])values.Clone();
        copy[index] = value;
        return copy;
    }
}
