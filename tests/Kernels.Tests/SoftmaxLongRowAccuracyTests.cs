using Kernels.Internal.Simd;

namespace Kernels.Tests;

/// <summary>
/// The documented accuracy at the row lengths language models use (2^15 to 2^20 classes), where long float sums would
/// show: every loss within 4 ulp; every gradient within 4 ulp where |g| ≥ 2^-20·s and within 2^-24·s absolute
/// below; the cost within 1e-6 relative. The oracle is computed here in double from the definition (an independent
/// check of the reference's formulas too): with m the row maximum, S = Σ e^{z - m}, loss = m + ln S - z_y,
/// p_c = e^{z_c - m}/S, and the label's 1 - p_y summed directly over the other classes (no cancellation).
/// </summary>
public class SoftmaxLongRowAccuracyTests(ITestOutputHelper output)
{
    // Unit roundoff of float: half an ulp of 1.
    private const double UnitRoundoff = 1.0 / (1 << 24);

    [Theory]
    [InlineData(3, 32_768, false)]
    [InlineData(3, 32_768, true)]
    [InlineData(8, 262_144, false)]
    [InlineData(8, 262_144, true)]
    [InlineData(2, 1 << 20, false)]
    [InlineData(2, 1 << 20, true)]
    public void LongRows_StayWithinTheDocumentedBounds(int rows, int classes, bool integerLogits)
    {
        var random = new Random((rows * 7919) + classes + (integerLogits ? 1 : 0));
        float[] logits = new float[rows * classes];
        for (int i = 0; i < logits.Length; i++)
        {
            // N(0, 3), or integers in [-8, 8] (many exact ties, including at the maximum).
            logits[i] = integerLogits ? random.Next(-8, 9) : (float)(3 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            // Every other row's label holds the row maximum: the log1p path of the loss and the label's 1 - p_y.
            labels[r] = r % 2 == 0 ? random.Next(classes) : ArgMax(logits.AsSpan(r * classes, classes));
        }

        float[] gradient = new float[logits.Length];
        float[] losses = new float[rows];
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, default, default, Reduction.Mean);
        float costAlone = SoftmaxCrossEntropy.Cost(logits, labels);
        Assert.Equal(BitConverter.SingleToInt32Bits(cost), BitConverter.SingleToInt32Bits(costAlone));

        double scale = 1.0 / rows, total = 0, worstLoss = 0, worstGradient = 0, worstSmall = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> z = logits.AsSpan(r * classes, classes);
            double m = double.NegativeInfinity;
            foreach (float v in z)
            {
                m = Math.Max(m, v);
            }

            double sum = 0, others = 0;
            for (int c = 0; c < classes; c++)
            {
                double e = Math.Exp(z[c] - m);
                sum += e;
                others += c == labels[r] ? 0 : e;
            }

            // A label holding the maximum has loss ln S = log1p(Σ others), which can be tiny: no 1 + x - 1 there.
            double loss = z[labels[r]] == m ? LogOnePlus(others) : m + Math.Log(sum) - z[labels[r]];

            total += loss;
            worstLoss = Math.Max(worstLoss, Math.Abs(losses[r] - loss) / Ulp(loss));
            for (int c = 0; c < classes; c++)
            {
                double g = c == labels[r] ? -scale * others / sum : scale * Math.Exp(z[c] - m) / sum;
                double error = Math.Abs(gradient[(r * classes) + c] - g);
                if (Math.Abs(g) >= Math.ScaleB(scale, -20))
                {
                    worstGradient = Math.Max(worstGradient, error / Ulp(g));
                }
                else
                {
                    worstSmall = Math.Max(worstSmall, error / (UnitRoundoff * scale));
                }
            }
        }

        double expectedCost = total * scale;
        double costError = Math.Abs(cost - expectedCost) / expectedCost;
        output.WriteLine(
            $"{rows} x {classes} ({(integerLogits ? "integer" : "normal")} logits, SIMD width {ActiveSimd.Width}): loss {worstLoss:F3} ulp, " +
            $"gradient {worstGradient:F3} ulp (|g| >= 2^-20 s), {worstSmall:F3} x 2^-24 s below, cost {costError:E2} relative");
        Assert.True(worstLoss <= 4, $"loss error {worstLoss} ulp");
        Assert.True(worstGradient <= 4, $"gradient error {worstGradient} ulp");
        Assert.True(worstSmall <= 1, $"small-gradient error {worstSmall} x 2^-24 s");
        Assert.True(costError <= 1e-6, $"cost error {costError}");
    }

    /// <summary>ln(1 + x) for the label-holds-maximum loss: ln S where S = 1 + Σ others, without forming 1 + x for small x.</summary>
    private static double LogOnePlus(double x) => Math.Abs(x) < 1e-4 ? x - (x * x / 2) + (x * x * x / 3) : Math.Log(1 + x);

    /// <summary>The spacing of floats at |x| (x normal).</summary>
    private static double Ulp(double x) => Math.ScaleB(1.0, Math.ILogB((float)Math.Abs(x)) - 23);

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            best = row[c] > row[best] ? c : best;
        }

        return best;
    }
}
