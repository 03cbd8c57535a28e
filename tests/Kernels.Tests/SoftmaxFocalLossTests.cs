using Kernels.Tests.Support;
using Ref = Kernels.Reference.SoftmaxCrossEntropy;

namespace Kernels.Tests;

/// <summary>
/// Softmax focal loss (<see cref="SoftmaxCrossEntropyOptions.FocalGamma"/>) against the double reference, with bounds
/// derived below from the cross-entropy contract; the reference against central differences; γ = 0 bit for bit;
/// saturation; the option's domain.
/// </summary>
public class SoftmaxFocalLossTests(ITestOutputHelper output)
{
    // Around the vector widths, the narrow layout's limit (128) and wide rows with a padded tail.
    private static readonly int[] ClassCounts = [1, 2, 3, 7, 10, 16, 17, 33, 64, 100, 128, 129, 257, 1000];
    private static readonly int[] RowCounts = [1, 5, 17, 40];

    public static TheoryData<float> Gammas() => [0.25f, 0.5f, 1f, 2f, 5f];

    // Bounds, in ulps of the expected value, from relative errors counted in u = 2^-24 (an ulp is ≥ u·|x|, so k·u
    // relative is ≤ k ulps). The cross-entropy contract (SoftmaxAccuracy) gives ℓ = -ln p_y within 4 ulp (8u) and the
    // label's gradient s·w·q within 4 ulp, so the kernel's q = N/S within 8u. Then:
    // - q^n (n = ⌊γ⌋, squared in double): 8n·u, +1u rounding; a fraction f adds e^{f·ln q}: f·(8u from q, 4u·|ln q|
    //   from ln q's 2 ulp) + 2u (exp's ulp): PowerU = 8n + 1 + [f > 0]·(2 + 8f + 4f·|ln q|).
    // - loss w·q^γ·ℓ: 8u (ℓ) + PowerU + 2u (w·q^γ, the FMA): 10 + PowerU.
    // - gradient: the cross-entropy coefficient and label gradient for a given weight (8u) + the weight w·F: PowerU,
    //   the ratio e_y·ℓ/N (2u + 8u + 8u + 3u roundings = 21u, scaled by γr/(1 + γr) ≤ 1) and 1u for w·F: 30 + PowerU.
    private static double PowerU(double gamma, double q)
    {
        double whole = Math.Floor(gamma), fraction = gamma - whole;
        return (8 * whole) + 1 + (fraction > 0 ? 2 + (8 * fraction) + (4 * fraction * Math.Abs(Math.Log(q))) : 0);
    }

    [Theory]
    [MemberData(nameof(Gammas))]
    public void EveryShapeAndOption_MatchesReference_WithinDerivedBounds(float gamma)
    {
        ErrorLog lossLog = new("focal loss [ulp]"), costLog = new("cost [units of 2^-24*s*sum|loss|]");
        ErrorLog gradientLog = new("focal gradient, terms >= 2^-20*s*W [ulp of the terms' magnitude]"), smallLog = new("focal gradient, |g| < 2^-20*s*W [units of 2^-24*s*W]");
        Random random = new((int)(gamma * 100));
        foreach (int classCount in ClassCounts)
        {
            foreach (int rows in RowCounts)
            {
                foreach ((bool weights, int? ignore, float zLoss) in new (bool, int?, float)[] { (false, null, 0f), (true, null, 0f), (false, -100, 0f), (true, -100, 1e-2f) })
                {
                    float[] logits = SoftmaxData.Logits(random, rows, classCount);
                    int[] labels = SoftmaxData.Labels(random, logits, rows, classCount);
                    if (ignore is int index)
                    {
                        SoftmaxData.IgnoreSome(random, labels, index);
                    }

                    SoftmaxCrossEntropyOptions options = new()
                    {
                        FocalGamma = gamma,
                        ClassWeights = weights ? SoftmaxData.ClassWeights(random, classCount) : default,
                        IgnoreIndex = ignore,
                        ZLossWeight = zLoss,
                    };
                    foreach (Reduction reduction in new[] { Reduction.Sum, Reduction.Mean })
                    {
                        string context = $"γ={gamma} C={classCount} n={rows} weights={weights} ignore={ignore} λ={zLoss} {reduction}";
                        Check(logits, labels, options, reduction, context, lossLog, gradientLog, smallLog, costLog);
                    }
                }
            }
        }

        foreach (ErrorLog log in new[] { lossLog, gradientLog, smallLog, costLog })
        {
            output.WriteLine(log.Summary());
        }

        string[] failures = [.. lossLog.Failures, .. gradientLog.Failures, .. smallLog.Failures, .. costLog.Failures];
        Assert.True(failures.Length == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GammaZero_IsCrossEntropy_BitForBit(bool negativeZero)
    {
        float gamma = negativeZero ? -0f : 0f;
        Random random = new(3);
        foreach (int classCount in new[] { 1, 10, 128, 129, 1000 })
        {
            float[] logits = SoftmaxData.Logits(random, 33, classCount), weights = SoftmaxData.ClassWeights(random, classCount);
            int[] labels = SoftmaxData.Labels(random, logits, 33, classCount);
            SoftmaxCrossEntropyOptions plain = new() { ClassWeights = weights, ZLossWeight = 1e-3f };
            SoftmaxCrossEntropyOptions focal = new() { ClassWeights = weights, ZLossWeight = 1e-3f, FocalGamma = gamma };
            float[] g1 = new float[logits.Length], g2 = new float[logits.Length], l1 = new float[33], l2 = new float[33];
            float c1 = SoftmaxCrossEntropy.CostAndGradient(logits, labels, g1, l1, default, plain);
            float c2 = SoftmaxCrossEntropy.CostAndGradient(logits, labels, g2, l2, default, focal);
            Assert.Equal(BitConverter.SingleToInt32Bits(c1), BitConverter.SingleToInt32Bits(c2));
            Assert.True(SoftmaxComparison.SameBits(g1, g2) && SoftmaxComparison.SameBits(l1, l2));
        }
    }

    [Theory]
    [MemberData(nameof(Gammas))]
    public void Saturated_AndHopelessRows_AreFiniteAndMatchTheLimits(float gamma)
    {
        // Label far above the rest (q underflows double: loss 0, gradient 0 for γ > 0), far below (p_y underflows:
        // q = 1, F = 1, the cross-entropy gradient), a -∞ label (ℓ = ∞), and ties at the maximum. None may give NaN.
        float[][] rows =
        [
            [500f, -500f, 0f, -3f], [0f, 0f, 0f, 900f], [float.NegativeInfinity, 1f, 2f, 3f], [4f, 4f, 4f, 4f],
            [30f, 0f, 0f, 0f], [-30f, 0f, 0f, 0f],
        ];
        foreach (int width in new[] { 4, 200 })
        {
            foreach (float[] row in rows)
            {
                float[] logits = new float[width];
                Array.Fill(logits, -1000f);
                row.CopyTo(logits, 0);
                float[] gradient = new float[width], losses = new float[1];
                SoftmaxCrossEntropyOptions options = new() { FocalGamma = gamma };
                SoftmaxCrossEntropy.CostAndGradient(logits, [0], gradient, losses, default, options, Reduction.Sum);
                double[] expected = new double[width];
                double loss = Ref.RowLoss(logits.Select(v => (double)v).ToArray(), 0, options, expected, out _);
                string context = $"γ={gamma} C={width} row [{string.Join(", ", row)}]";
                Assert.False(float.IsNaN(losses[0]) || gradient.Any(float.IsNaN), context);
                Assert.Equal((float)loss, losses[0], (float)(1e-5 * Math.Abs(loss)) + 1e-38f);
                for (int c = 0; c < width; c++)
                {
                    Assert.True(Math.Abs(gradient[c] - expected[c]) <= (1e-5 * Math.Abs(expected[c])) + 1e-30, $"{context} class {c}: {gradient[c]} vs {expected[c]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Gammas))]
    public void ReferenceGradient_MatchesCentralFiniteDifferences(float gamma)
    {
        // As for cross-entropy (SoftmaxCrossEntropyReferenceTests): central differences with h = 1e-5·max(1, |z|)
        // are within ~1e-10 of the derivative for logits of this size; 1e-6 of the row weight separates a right
        // formula from a slip (a missing γ term changes the gradient by ≥ 1e-3 here).
        Random random = new(11);
        foreach (int classCount in new[] { 2, 3, 8 })
        {
            float[] logits = Enumerable.Range(0, 2 * classCount).Select(_ => (float)(4 * (random.NextDouble() - 0.5))).ToArray();
            int[] labels = [random.Next(classCount), random.Next(classCount)];
            SoftmaxCrossEntropyOptions options = new() { FocalGamma = gamma, ClassWeights = SoftmaxData.ClassWeights(random, classCount), ZLossWeight = 0.05f };
            double[] z = logits.Select(v => (double)v).ToArray(), gradient = new double[classCount];
            for (int i = 0; i < z.Length; i++)
            {
                int row = i / classCount;
                double h = 1e-5 * Math.Max(1, Math.Abs(z[i])), original = z[i];
                z[i] = original + h;
                double plus = Ref.CostInDouble(z, labels, options, Reduction.Sum);
                z[i] = original - h;
                double minus = Ref.CostInDouble(z, labels, options, Reduction.Sum);
                z[i] = original;
                Ref.RowLoss(z.AsSpan(row * classCount, classCount), labels[row], options, gradient, out _);
                Assert.True(Math.Abs(((plus - minus) / (2 * h)) - gradient[i % classCount]) <= 1e-6, $"γ={gamma} C={classCount} i={i}: {(plus - minus) / (2 * h)} vs {gradient[i % classCount]}");
            }
        }
    }

    [Fact]
    public void NaNLogit_MakesItsRowNaN_AndOnlyIt()
    {
        float[] logits = [1f, float.NaN, 0f, 2f, 0f, 1f];
        float[] gradient = new float[6], losses = new float[2];
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, [0, 2], gradient, losses, default, new SoftmaxCrossEntropyOptions { FocalGamma = 2f });
        Assert.True(float.IsNaN(cost) && float.IsNaN(losses[0]) && gradient[..3].All(float.IsNaN));
        Assert.True(float.IsFinite(losses[1]) && gradient[3..].All(float.IsFinite));
    }

    [Fact]
    public void OutOfDomainGamma_AndUnsupportedCombinations_Throw()
    {
        float[] logits = new float[6], gradient = new float[6];
        int[] labels = [0, 1];
        foreach (float gamma in new[] { -1f, float.NaN, float.PositiveInfinity, -float.Epsilon })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = gamma }));
            Assert.Throws<ArgumentOutOfRangeException>(() => Ref.CostAndGradient(logits, labels, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = gamma }));
        }

        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = 2, LabelSmoothing = 0.1f }));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.CostAndGradient(logits, logits, 3, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = 2 }));
        Assert.Throws<ArgumentException>(() => Ref.CostAndGradient(logits, logits, 3, gradient, default, default, new SoftmaxCrossEntropyOptions { FocalGamma = 2 }));
        Assert.Throws<ArgumentException>(() => DenseSoftmaxCrossEntropy.CostAndGradient(new float[2], new float[6], default, labels, new float[6], default, default, new SoftmaxCrossEntropyOptions { FocalGamma = 1, LabelSmoothing = 0.5f }));
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void DenseLayer_WithFocalLoss_MatchesItsReference()
    {
        // The dense layer runs the same softmax row math; its reference calls the row reference. Bounds: the cost within
        // 1e-5 relative and every gradient within 1e-4 of its largest entry (d = 24 products of O(1) terms per logit).
        Random random = new(5);
        int n = 37, d = 24, k = 10;
        float[] x = Enumerable.Range(0, n * d).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] w = Enumerable.Range(0, d * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k).Select(_ => (float)random.NextDouble()).ToArray();
        int[] labels = Enumerable.Range(0, n).Select(_ => random.Next(k)).ToArray();
        SoftmaxCrossEntropyOptions options = new() { FocalGamma = 1.5f };
        float[] dw = new float[d * k], db = new float[k], dx = new float[n * d], rdw = new float[d * k], rdb = new float[k], rdx = new float[n * d];
        float cost = DenseSoftmaxCrossEntropy.CostAndGradient(x, w, b, labels, dw, db, dx, options);
        float expected = Kernels.Reference.DenseSoftmaxCrossEntropy.CostAndGradient(x, w, b, labels, rdw, rdb, rdx, options);
        Assert.Equal(expected, cost, 1e-5f * Math.Abs(expected));
        foreach ((float[] actual, float[] reference) in new[] { (dw, rdw), (db, rdb), (dx, rdx) })
        {
            float tolerance = 1e-4f * reference.Max(Math.Abs);
            Assert.All(actual.Zip(reference), pair => Assert.Equal(pair.Second, pair.First, tolerance));
        }

        float plain = DenseSoftmaxCrossEntropy.CostAndGradient(x, w, b, labels, dw, db, dx);
        Assert.True(cost < plain, "focal down-weights every row: its cost is below cross-entropy's");
    }

    private static void Check(
        float[] logits, int[] labels, SoftmaxCrossEntropyOptions options, Reduction reduction, string context,
        ErrorLog lossLog, ErrorLog gradientLog, ErrorLog smallLog, ErrorLog costLog)
    {
        int rows = labels.Length, classCount = logits.Length / rows;
        float[] gradient = new float[logits.Length], losses = new float[rows], inPlace = (float[])logits.Clone();
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, default, options, reduction);
        float inPlaceCost = SoftmaxCrossEntropy.CostAndGradient(inPlace, labels, inPlace, default, default, options, reduction);
        float costOnly = SoftmaxCrossEntropy.CostAndGradient(logits, labels, default, default, default, options, reduction);
        Assert.True(SoftmaxComparison.SameBits(gradient, inPlace), $"{context}: in place differs");
        Assert.Equal(BitConverter.SingleToInt32Bits(cost), BitConverter.SingleToInt32Bits(inPlaceCost));
        Assert.Equal(BitConverter.SingleToInt32Bits(cost), BitConverter.SingleToInt32Bits(costOnly));

        double denominator = 0;
        foreach (int label in labels)
        {
            denominator += label == options.IgnoreIndex ? 0 : options.ClassWeights.IsEmpty ? 1 : options.ClassWeights[label];
        }

        double s = reduction == Reduction.Sum ? 1 : denominator == 0 ? 0 : 1 / denominator, total = 0, magnitude = 0;
        double gamma = options.FocalGamma, lambda = options.ZLossWeight;
        double[] z = new double[classCount], expected = new double[classCount];
        for (int i = 0; i < rows; i++)
        {
            for (int c = 0; c < classCount; c++)
            {
                z[c] = logits[(i * classCount) + c];
            }

            double loss = Ref.RowLoss(z, labels[i], options, expected, out double lse);
            total += loss;
            magnitude += Math.Abs(loss);
            int label = labels[i];
            if (label == options.IgnoreIndex)
            {
                continue;
            }

            (double q, double maximum, double sum) = Remainder(z, label);
            double w = options.ClassWeights.IsEmpty ? 1 : options.ClassWeights[label];
            double power = PowerU(gamma, q), zLossTerm = lambda * Math.Abs(lse) * (Math.Abs(maximum) + Math.Abs(lse - maximum));
            double focalTerm = loss - (lambda * lse * lse);
            string Where() => $"{context} row {i} label {label} q={q:R} {SoftmaxComparison.FormatRow(logits.AsSpan(i * classCount, Math.Min(classCount, 12)))}";
            if (Math.Abs(loss) < SoftmaxComparison.SmallestNormal)
            {
                // Losses below 2^-126 are held to 2^-126 absolute, the convention of every kernel here.
                Assert.True(SoftmaxComparison.AbsoluteError(losses[i], loss) <= SoftmaxComparison.SmallestNormal, $"{Where()}: loss {losses[i]} vs {loss}");
                continue;
            }

            lossLog.Add(
                SoftmaxComparison.AbsoluteError(losses[i], loss),
                ((10 + power) * SoftmaxComparison.Ulp(focalTerm)) + (8 * SoftmaxComparison.UnitRoundoff * zLossTerm) + SoftmaxComparison.SmallestNormal,
                SoftmaxComparison.Ulp(loss), Where);

            // The row's weight W = w·F + 2λ·(|m| + ln S); g_c = s·(w·F + 2λ·lse)·p_c - s·[c = y]·w·F, whose terms may
            // cancel (lse < 0), so the bound is relative to the terms' magnitudes, as for cross-entropy's z-loss.
            double focalWeight = w * FocalFactor(gamma, q, z, label, maximum);
            double weight = focalWeight + (2 * lambda * (Math.Abs(maximum) + Math.Log(sum)));
            for (int c = 0; c < classCount; c++)
            {
                double g = s * expected[c];
                double p = (z[c] == maximum ? 1 : Math.Exp(z[c] - maximum)) / sum;
                double termMagnitude = s * ((weight * p) + (c == label ? focalWeight * q : 0));
                // As for cross-entropy: relative where |g| ≥ 2^-20·s·W, 2^-24·s·W absolute below.
                double floor = SoftmaxComparison.UnitRoundoff * s * weight, error = SoftmaxComparison.AbsoluteError(gradient[(i * classCount) + c], g);
                if (termMagnitude >= 16 * floor)
                {
                    gradientLog.Add(error, (30 + power) * SoftmaxComparison.Ulp(termMagnitude), SoftmaxComparison.Ulp(termMagnitude), () => $"{Where()} class {c}");
                }
                else
                {
                    smallLog.Add(error, floor + SoftmaxComparison.SmallestNormal, floor, () => $"{Where()} class {c}");
                }
            }
        }

        double expectedCost = s * total;
        if (s * magnitude < SoftmaxComparison.SmallestNormal)
        {
            Assert.True(SoftmaxComparison.AbsoluteError(cost, expectedCost) <= SoftmaxComparison.SmallestNormal, $"{context}: cost {cost} vs {expectedCost}");
            return;
        }

        costLog.Add(SoftmaxComparison.AbsoluteError(cost, expectedCost), (64 * SoftmaxComparison.UnitRoundoff * s * magnitude) + SoftmaxComparison.SmallestNormal, SoftmaxComparison.UnitRoundoff * s * magnitude, () => context);
    }

    /// <summary>q = 1 - p_y = Σc≠y e^{z_c - m}/S in double, m and S.</summary>
    private static (double Q, double Maximum, double Sum) Remainder(ReadOnlySpan<double> z, int label)
    {
        double m = double.NegativeInfinity;
        foreach (double v in z)
        {
            m = Math.Max(m, v);
        }

        double others = 0, sum = 0;
        for (int c = 0; c < z.Length; c++)
        {
            double e = z[c] == m ? 1 : Math.Exp(z[c] - m);
            sum += e;
            others += c == label ? 0 : e;
        }

        return (others / sum, m, sum);
    }

    /// <summary>F = q^γ·(1 + γ·p_y·ℓ/q), the factor the gradient's label weight takes (its limits at q = 0 and p_y = 0).</summary>
    private static double FocalFactor(double gamma, double q, ReadOnlySpan<double> z, int label, double maximum)
    {
        double sum = 0;
        foreach (double v in z)
        {
            sum += v == maximum ? 1 : Math.Exp(v - maximum);
        }

        double p = (z[label] == maximum ? 1 : Math.Exp(z[label] - maximum)) / sum;
        double ell = -Math.Log(p);
        double ratio = q == 0 ? 1 : p == 0 ? 0 : p * ell / q;
        return Math.Pow(q, gamma) * (1 + (gamma * ratio));
    }
}
