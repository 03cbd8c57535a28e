using System.Globalization;
using System.Text;

namespace Kernels.Tests.Support;

/// <summary>ulp arithmetic of float results measured against double references.</summary>
internal static class SoftmaxComparison
{
    /// <summary>2^-24: the unit roundoff of float (half an ulp of 1).</summary>
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>The smallest normal float, 2^-126.</summary>
    public const double SmallestNormal = 1.1754943508222875e-38;

    /// <summary>The spacing of floats at |x| (2^-149 in the subnormal range).</summary>
    public static double Ulp(double x)
    {
        double a = Math.Abs(x);
        if (a < SmallestNormal)
        {
            return Math.ScaleB(1.0, -149);
        }

        return Math.ScaleB(1.0, Math.ILogB(a) - 23);
    }

    /// <summary>
    /// |actual - expected| when both are finite; 0 when both are the same infinity or both NaN (or expected overflows
    /// float to the infinity actual holds); +∞ for any other mismatch of NaN or infinity.
    /// </summary>
    public static double AbsoluteError(float actual, double expected)
    {
        if (double.IsNaN(expected) || float.IsNaN(actual))
        {
            return double.IsNaN(expected) && float.IsNaN(actual) ? 0 : double.PositiveInfinity;
        }

        float rounded = (float)expected;
        if (float.IsInfinity(rounded) || float.IsInfinity(actual))
        {
            return actual == rounded ? 0 : double.PositiveInfinity;
        }

        return Math.Abs(actual - expected);
    }

    /// <summary>The error of <paramref name="actual"/> in units of the float ulp at <paramref name="expected"/>.</summary>
    public static double UlpError(float actual, double expected)
    {
        double error = AbsoluteError(actual, expected);
        return error == 0 ? 0 : error / Ulp(expected);
    }

    public static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    public static string Format(float x) => x.ToString("R", CultureInfo.InvariantCulture);

    public static string FormatRow(ReadOnlySpan<float> row)
    {
        StringBuilder text = new("[");
        for (int i = 0; i < row.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(Format(row[i])).Append('f');
        }

        return text.Append(']').ToString();
    }
}

/// <summary>
/// Collects comparisons of float outputs against a bound, remembering the worst ratio error/bound and the worst
/// raw error (in ulps or relative to a magnitude) with the place where it happened, and the first failures.
/// </summary>
internal sealed class ErrorLog(string name)
{
    private static readonly double[] HistogramLimits = [1, 2, 4, 8, 16, 64];
    private readonly List<string> _failures = [];
    private readonly int[] _histogram = new int[HistogramLimits.Length + 1];

    public string Name { get; } = name;

    public int Count { get; private set; }

    public int FailureCount { get; private set; }

    /// <summary>The worst measured error in the log's unit (ulps, or units of 2^-24 relative to a magnitude).</summary>
    public double Worst { get; private set; }

    public string WorstWhere { get; private set; } = "(none)";

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>
    /// Records one comparison: it passes when <paramref name="absoluteError"/> ≤ <paramref name="bound"/>; the log
    /// measures it in units of <paramref name="unit"/> (an ulp, or 2^-24 times a magnitude).
    /// </summary>
    public void Add(double absoluteError, double bound, double unit, Func<string> where, Func<string>? details = null)
    {
        Count++;
        double error = absoluteError == 0 ? 0 : unit > 0 ? absoluteError / unit : double.PositiveInfinity;
        int bin = 0;
        while (bin < HistogramLimits.Length && !(error <= HistogramLimits[bin]))
        {
            bin++;
        }

        _histogram[bin]++;
        if (error > Worst)
        {
            Worst = error;
            WorstWhere = where();
        }

        if (!(absoluteError <= bound))
        {
            FailureCount++;
            if (_failures.Count < 6)
            {
                _failures.Add(
                    (unit > 0
                        ? $"{Name}: error {SoftmaxComparison.Format(error)} units (bound {SoftmaxComparison.Format(bound / unit)}) at {where()}"
                        : $"{Name}: error {SoftmaxComparison.Format(absoluteError)} (bound {SoftmaxComparison.Format(bound)}) at {where()}") +
                    (details is null ? string.Empty : $"; {details()}"));
            }
        }
    }

    public string Summary()
    {
        // How many values fall in each error range, e.g. "<=1: 9500, <=2: 400, <=4: 90, <=8: 10".
        IEnumerable<string> bins = _histogram
            .Select((count, bin) => (count, bin))
            .Where(entry => entry.count > 0)
            .Select(entry => (entry.bin < HistogramLimits.Length ? $"<={HistogramLimits[entry.bin]}" : $">{HistogramLimits[^1]}") + $": {entry.count}");
        return $"{Name}: worst {SoftmaxComparison.Format(Math.Round(Worst, 3))} over {Count} values" +
            (FailureCount > 0 ? $", {FailureCount} FAILED" : string.Empty) + $" [{string.Join(", ", bins)}] (at {WorstWhere})";
    }
}

/// <summary>Random problems (seeded, so every run and every ISA setting tests the same numbers).</summary>
internal static class SoftmaxData
{
    /// <summary>
    /// Logits with a scale that varies from row to row (tiny spreads, unit spreads, spreads wide enough for
    /// probabilities far below 2^-24) and an offset, so that lse - z and lse are exercised on every scale.
    /// </summary>
    public static float[] Logits(Random random, int rows, int classCount)
    {
        float[] logits = new float[rows * classCount];
        for (int i = 0; i < rows; i++)
        {
            double scale = random.Next(5) switch { 0 => 0.01, 1 => 1, 2 => 3, 3 => 10, _ => 40 };
            double offset = random.Next(4) switch { 0 => 0, 1 => 5, 2 => -30, _ => 1000 * random.NextDouble() - 500 };
            for (int c = 0; c < classCount; c++)
            {
                logits[i * classCount + c] = (float)(offset + scale * Gaussian(random));
            }
        }

        return logits;
    }

    /// <summary>
    /// Labels in [0, C); a third of them are moved to the row's maximum and that logit raised by a margin, so that
    /// p_y → 1 (the loss is then a log1p of a small sum and the true class's gradient -(Σc≠y p_c) is tiny).
    /// </summary>
    public static int[] Labels(Random random, float[] logits, int rows, int classCount)
    {
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            Span<float> row = logits.AsSpan(i * classCount, classCount);
            int label = random.Next(classCount);
            if (random.Next(3) == 0)
            {
                int max = 0;
                for (int c = 1; c < classCount; c++)
                {
                    max = row[c] > row[max] ? c : max;
                }

                label = max;
                float margin = random.Next(3) switch { 0 => 0f, 1 => 6f, _ => 17f };
                row[label] += margin;
            }

            labels[i] = label;
        }

        return labels;
    }

    /// <summary>Target rows of several kinds: dense random distributions, one-hot, sparse, with tiny entries.</summary>
    public static float[] Targets(Random random, int rows, int classCount)
    {
        float[] targets = new float[rows * classCount];
        for (int i = 0; i < rows; i++)
        {
            Span<float> row = targets.AsSpan(i * classCount, classCount);
            int kind = random.Next(4);
            double total = 0;
            for (int c = 0; c < classCount; c++)
            {
                double v = kind switch
                {
                    0 => random.NextDouble(),
                    1 => c == i % classCount ? 1 : 0,
                    2 => random.Next(4) == 0 ? random.NextDouble() : 0,
                    _ => random.Next(2) == 0 ? 1e-30 * random.NextDouble() : random.NextDouble(),
                };
                row[c] = (float)v;
                total += v;
            }

            if (total == 0)
            {
                row[random.Next(classCount)] = 1;
                continue;
            }

            for (int c = 0; c < classCount; c++)
            {
                row[c] = (float)(row[c] / total);
            }
        }

        return targets;
    }

    /// <summary>Class weights in [0.25, 4), with one class of weight 0 when C ≥ 3.</summary>
    public static float[] ClassWeights(Random random, int classCount)
    {
        float[] weights = new float[classCount];
        for (int c = 0; c < classCount; c++)
        {
            weights[c] = (float)(0.25 + 3.75 * random.NextDouble());
        }

        if (classCount >= 3)
        {
            weights[random.Next(classCount)] = 0;
        }

        return weights;
    }

    /// <summary>Replaces about a quarter of the labels by <paramref name="ignoreIndex"/> (always at least one when n ≥ 2).</summary>
    public static void IgnoreSome(Random random, int[] labels, int ignoreIndex)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if (random.Next(4) == 0)
            {
                labels[i] = ignoreIndex;
            }
        }

        if (labels.Length >= 2)
        {
            labels[random.Next(labels.Length)] = ignoreIndex;
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>
/// The accuracy contract of <see cref="SoftmaxCrossEntropy"/> against <see cref="Kernels.Reference.SoftmaxCrossEntropy"/>
/// (issue 3, "Numerics"), checked value by value, with the worst measured errors kept for the test output.
/// </summary>
internal sealed class SoftmaxAccuracy
{
    // Class-index labels without smoothing or z-loss: the issue's "loss within 4 ulp relative". The loss is
    // (m - z_y) + ln S, a sum of two non-negative terms (log1p when the label holds the maximum), so a few ulp
    // relative is attainable whatever the logits.
    public const double LabelLossUlps = 4;

    // Same case, gradient: the issue's "4 ulp relative for |g| ≥ 2^-20·s" and "2^-24·s absolute below", with s
    // the gradient scale times the label's class weight w_y (the row's gradient is s·w_y·(p - onehot)).
    public const double LabelGradientUlps = 4;
    public const double LabelGradientRelativeThreshold = 1.0 / (1 << 20);
    public const double LabelGradientAbsolute = SoftmaxComparison.UnitRoundoff;

    // Probability targets, label smoothing and z-loss: the issue's "error within a few ulp of the sum of the
    // magnitudes of the terms Σc |t_c·(lse - z_c)|" (the loss may cancel), taken as 8·2^-24 of
    // Σc |a_c·(lse - z_c)| + λ·|lse|·(|m| + ln S). The gradient s·(K·p_c - a_c) is held to the same 8·2^-24 of
    // its term magnitudes s·(W·p_c + |a_c|) (W = Σ|a| + 2λ(|m| + ln S)), and, like the labels' gradient, to at
    // least 2^-24·s·W absolute for entries far below the row's weight.
    public const double TermUlps = 8;

    // lse = m + ln S is the float sum of two values each obtained within an ulp or two: 4·2^-24·(|m| + ln S).
    public const double LogSumExpUlps = 4;

    // Results below the smallest normal float (a loss like ln(1 + e^-100)) are held to one smallest normal
    // absolute, the convention the binary cross-entropy kernels document; a polynomial exp need not produce
    // subnormals exactly.
    public const double SubnormalFloor = SoftmaxComparison.SmallestNormal;

    public readonly ErrorLog LabelLoss = new("loss, class labels [ulp]");
    public readonly ErrorLog LabelGradient = new("gradient, class labels, |g| >= 2^-20*s*w [ulp]");
    public readonly ErrorLog LabelGradientSmall = new("gradient, class labels, |g| < 2^-20*s*w [units of 2^-24*s*w]");
    public readonly ErrorLog TermLoss = new("loss, probability targets/smoothing/z-loss [units of 2^-24*sum|terms|]");
    public readonly ErrorLog TermGradient = new("gradient, probability targets/smoothing/z-loss [units of 2^-24*max(s*(W*p+|a|), s*W/8)]");
    public readonly ErrorLog LogSumExp = new("log-sum-exp [units of 2^-24*(|m|+ln S)]");
    public readonly ErrorLog Cost = new("cost [units of 2^-24*s*sum_i|terms_i|]");
    public readonly ErrorLog RowSum = new("gradient row sums [units of 2^-24*M]");
    public readonly ErrorLog Subnormal = new("results below 2^-126 [units of 2^-126]");

    private ErrorLog[] Logs => [LabelLoss, LabelGradient, LabelGradientSmall, TermLoss, TermGradient, LogSumExp, Cost, RowSum, Subnormal];

    /// <summary>
    /// Compares whichever outputs are given (empty spans and a null cost are skipped) with the reference evaluation.
    /// <paramref name="plainLabels"/>: class-index labels without smoothing and z-loss (the relative-ulp contract).
    /// </summary>
    public void Check(
        Kernels.Reference.SoftmaxCrossEntropy.Evaluation expected, bool plainLabels, float? cost,
        ReadOnlySpan<float> gradient, ReadOnlySpan<float> losses, ReadOnlySpan<float> logSumExp,
        string context, ReadOnlySpan<float> logits)
    {
        int rows = expected.Rows, classCount = expected.ClassCount;
        double scale = Math.Abs(expected.Scale);
        float[] logitsCopy = logits.ToArray();
        string Row(int i) => $"logits {SoftmaxComparison.FormatRow(logitsCopy.AsSpan(i * classCount, Math.Min(classCount, 40)))}{(classCount > 40 ? "…" : string.Empty)}";

        double costBound = 0, costMagnitude = 0;
        for (int i = 0; i < rows; i++)
        {
            int row = i;
            double loss = expected.Losses[i];
            double lossBound = plainLabels ? LabelLossUlps * SoftmaxComparison.Ulp(loss) : (TermUlps * SoftmaxComparison.UnitRoundoff * expected.LossMagnitudes[i]);
            costBound += Math.Max(lossBound, Math.Abs(loss) < SoftmaxComparison.SmallestNormal ? SubnormalFloor : 0);
            costMagnitude += expected.LossMagnitudes[i];
            if (!losses.IsEmpty)
            {
                float actual = losses[i];
                CheckValue(plainLabels ? LabelLoss : TermLoss, actual, loss, lossBound,
                    plainLabels ? SoftmaxComparison.Ulp(loss) : SoftmaxComparison.UnitRoundoff * expected.LossMagnitudes[i],
                    () => $"{context}, row {row}: loss {SoftmaxComparison.Format(actual)} vs {SoftmaxComparison.Format(loss)}", () => Row(row));
            }

            if (!logSumExp.IsEmpty)
            {
                double magnitude = expected.LogSumExpMagnitudes[i];
                float actual = logSumExp[i];
                CheckValue(LogSumExp, actual, expected.LogSumExp[i], LogSumExpUlps * SoftmaxComparison.UnitRoundoff * magnitude,
                    SoftmaxComparison.UnitRoundoff * magnitude,
                    () => $"{context}, row {row}: lse {SoftmaxComparison.Format(actual)} vs {SoftmaxComparison.Format(expected.LogSumExp[row])}", () => Row(row));
            }

            if (gradient.IsEmpty)
            {
                continue;
            }

            double weight = expected.RowWeightMagnitudes[i];
            double exactSum = 0, actualSum = 0, largest = 0;
            bool finiteRow = true;
            for (int c = 0; c < classCount; c++)
            {
                int index = i * classCount + c, cls = c;
                double g = expected.Gradient[index];
                float actual = gradient[index];
                finiteRow &= double.IsFinite(g);
                exactSum += g;
                actualSum += actual;
                largest = Math.Max(largest, Math.Abs(g));
                string Where() => $"{context}, row {row}, class {cls}: gradient {SoftmaxComparison.Format(actual)} vs {SoftmaxComparison.Format(g)}";
                if (plainLabels)
                {
                    if (Math.Abs(g) >= LabelGradientRelativeThreshold * scale * weight)
                    {
                        CheckValue(LabelGradient, actual, g, LabelGradientUlps * SoftmaxComparison.Ulp(g), SoftmaxComparison.Ulp(g), Where, () => Row(row));
                    }
                    else
                    {
                        double unit = LabelGradientAbsolute * scale * weight;
                        CheckValue(LabelGradientSmall, actual, g, unit, unit, Where, () => Row(row));
                    }
                }
                else
                {
                    // Measured in units of 2^-24·max(term magnitude, s·W/8), so that the bound is 8 units either way.
                    double unit = SoftmaxComparison.UnitRoundoff * Math.Max(expected.GradientMagnitudes[index], scale * weight / TermUlps);
                    double bound = TermUlps * unit;
                    CheckValue(TermGradient, actual, g, bound, unit, Where, () => Row(row));
                }
            }

            if (finiteRow && double.IsFinite(actualSum))
            {
                // Row sums. Exactly, Σc g_c = s·(K·Σp - Σa) = 2λ·s·lse (0 without z-loss). For plain labels the true
                // class's entry is minus the sum of the C - 1 others (computed separately), so the float row sum is
                // off by at most the error of a sum of C - 1 positive terms, (C - 2)·2^-24·|g_y|, plus each entry's
                // own few-ulp error (Σc≠y |g_c| = |g_y| = max|g|): (C + 16)·2^-24·max|g|. Otherwise the sums Σa and
                // Σp that cancel carry at most (C + 16)·2^-24 of the row's weight s·W. Entries below the smallest
                // normal float add up to one smallest normal each.
                double m = plainLabels ? largest : scale * weight;
                double unit = SoftmaxComparison.UnitRoundoff * m;
                double bound = ((classCount + 16) * unit) + (classCount * SubnormalFloor);
                RowSum.Add(Math.Abs(actualSum - exactSum), bound, unit,
                    () => $"{context}, row {row}: gradient row sum {SoftmaxComparison.Format(actualSum)} vs {SoftmaxComparison.Format(exactSum)}", () => Row(row));
            }
        }

        if (cost is float actualCost)
        {
            // The cost: s times the rows' errors plus the summation, at most 2^-24 of Σ|terms| per addition for a
            // plain float running sum over the n rows (a blocked or double sum does far better), the same again for
            // a Mean denominator summed in float, and two roundings (division, conversion).
            double unit = SoftmaxComparison.UnitRoundoff * scale * costMagnitude;
            double bound = (scale * costBound) + (((2 * rows) + 2) * unit);
            CheckValue(Cost, actualCost, expected.Cost, bound, unit,
                () => $"{context}: cost {SoftmaxComparison.Format(actualCost)} vs {SoftmaxComparison.Format(expected.Cost)}", null);
        }
    }

    public void AssertNoFailures(ITestOutputHelper? output = null)
    {
        output ??= TestContext.Current.TestOutputHelper;
        foreach (ErrorLog log in Logs)
        {
            if (log.Count > 0)
            {
                output?.WriteLine(log.Summary());
            }
        }

        string failures = string.Join(Environment.NewLine, Logs.SelectMany(log => log.Failures));
        Assert.True(failures.Length == 0, failures);
    }

    /// <summary>Non-finite expected values must be matched exactly (NaN by NaN); finite ones within the bound.</summary>
    private void CheckValue(ErrorLog log, float actual, double expected, double bound, double unit, Func<string> where, Func<string>? details)
    {
        double error = SoftmaxComparison.AbsoluteError(actual, expected);
        if (!double.IsFinite(expected))
        {
            // NaN and ±∞ (also a finite value beyond float's range): exactly the same (AbsoluteError is 0 or ∞).
            log.Add(error, 0, 1, where, details);
            return;
        }

        if (Math.Abs(expected) < SoftmaxComparison.SmallestNormal && error <= SubnormalFloor)
        {
            // Results below the smallest normal are held to the floor alone, and measured in its units.
            Subnormal.Add(error, SubnormalFloor, SubnormalFloor, where, details);
            return;
        }

        log.Add(error, bound, unit, where, details);
    }
}
