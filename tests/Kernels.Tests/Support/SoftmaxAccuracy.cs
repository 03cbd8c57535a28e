namespace Kernels.Tests.Support;

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
        SoftmaxEvaluation expected, bool plainLabels, float? cost,
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
            // Plus gradual underflow: each of the C exponentials e^{z_c - m} below the normal range is off by up to
            // half a subnormal ulp, 2^-150, absolutely, not relatively; their sum S (≥ 1) and so lse = m + ln S move by
            // up to C·2^-150, and the loss Σc a_c·(lse - z_c) by W·C·2^-150 (W = Σ|a_c|). Invisible unless the loss
            // itself is that small (the fuzzer found 1.18e-38 off by 8.4 units of 2^-24·Σ|terms|, C = 9).
            double underflow = expected.RowWeightMagnitudes[i] * classCount * Math.ScaleB(1, -150);
            double lossBound = (plainLabels ? LabelLossUlps * SoftmaxComparison.Ulp(loss) : (TermUlps * SoftmaxComparison.UnitRoundoff * expected.LossMagnitudes[i])) + underflow;
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

    /// <summary>Every comparison outside its bound so far (at most a few per quantity), as messages.</summary>
    public IEnumerable<string> Failures => Logs.SelectMany(log => log.Failures);

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
