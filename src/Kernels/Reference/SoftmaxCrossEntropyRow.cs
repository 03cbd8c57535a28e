using System.Numerics;

namespace Kernels.Reference;

/// <summary>
/// The math of the softmax cross-entropy reference, one row at a time, in double: every method of
/// <see cref="SoftmaxCrossEntropy"/> is a loop over rows around <see cref="Loss"/>.
/// </summary>
/// <remarks>
/// <para>Notation, per row of C logits z: m = max z; S = Σc e^{z_c - m}; lse = m + ln S; target weights a_c (see
/// <see cref="TargetWeight"/>); z-loss weight λ; p_c = e^{z_c - m}/S. Loss: Σc a_c·(lse - z_c) + λ·lse². Gradient:
/// K·p_c - a_c with K = Σc a_c + 2λ·lse.</para>
/// <para>The formulation is chosen so that no term loses accuracy to cancellation or overflows, whatever the logits
/// (the fast kernels are held to ulp-level bounds against these values, so it must not change):</para>
/// <list type="bullet">
/// <item>Max-shift: every exponential is e^{z_c - m} ≤ 1, so S ∈ [1, C] never overflows, and z_c = m is read as e^0
/// (so m = ±∞ with z_c = m gives 1, not e^{∞ - ∞} = NaN).</item>
/// <item>ln S = log1p(S - 1), with S - 1 summed without the first maximal term (which is exactly 1): when one class
/// dominates, ln S ≈ S - 1 is tiny and keeps full relative accuracy instead of being lost in 1 + tiny.</item>
/// <item>lse - z_c = (m - z_c) + ln S, a sum of two terms ≥ 0 (no cancellation), with m - z_c read as 0 when z_c = m
/// (so +∞ - +∞ and -∞ - -∞ never appear).</item>
/// <item>Terms of weight a_c = 0 are skipped (0·∞ never appears), and so is the z-loss term when λ = 0.</item>
/// <item>For the labelled class y, K·p_y - a_y is formed as (K - a_y)·p_y - a_y·(1 - p_y), with 1 - p_y =
/// (Σc≠y e^{z_c - m})/S and K - a_y summed from the other classes' weights: no cancellation as p_y → 1.</item>
/// </list>
/// </remarks>
internal static class SoftmaxCrossEntropyRow
{
    /// <summary>
    /// One row's loss (returned), log-sum-exp and gradient times <paramref name="gradientScale"/> (a zero scale gives
    /// a zero gradient, never 0·∞). Arguments are not checked. The logits are read in order and each gradient entry is
    /// written after its logit's last read, so the gradient may be exactly the memory of the logits.
    /// </summary>
    /// <param name="z">The row's C ≥ 1 logits.</param>
    /// <param name="label">The class index (or the ignore index) for labels; -1 for probability targets.</param>
    /// <param name="targets">The row's C targets; empty for a class-index label.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss.</param>
    /// <param name="gradientScale">The factor s of the gradient (1 for the row's own derivative).</param>
    /// <param name="gradient">Destination, length C, or empty for none; rounded once from double.</param>
    /// <param name="logSumExp">The row's lse, which depends on the logits alone (also for ignored rows).</param>
    public static double Loss<TLogit, TGradient>(
        ReadOnlySpan<TLogit> z, int label, ReadOnlySpan<float> targets, SoftmaxCrossEntropyOptions options,
        double gradientScale, Span<TGradient> gradient, out double logSumExp)
        where TLogit : unmanaged, IBinaryFloatingPointIeee754<TLogit>
        where TGradient : unmanaged, IBinaryFloatingPointIeee754<TGradient>
    {
        int classCount = z.Length;
        bool useLabels = targets.IsEmpty;
        ShiftedSums sums = ShiftedSums.Of(z, label);
        logSumExp = sums.LogSumExp;

        // A NaN target makes the row's loss and gradient NaN but not its lse, which depends on the logits alone.
        if (ContainsNaN(targets))
        {
            sums = sums.WithNaNTarget();
        }

        if (useLabels && label == options.IgnoreIndex)
        {
            gradient.Clear();
            return 0;
        }

        if (useLabels && options.FocalGamma != 0)
        {
            return FocalLoss(z, label, options, gradientScale, gradient, sums);
        }

        // Σ a_c, and the loss Σ a_c·(lse - z_c) + λ·lse².
        double smoothing = options.LabelSmoothing, lambda = options.ZLossWeight;
        ReadOnlySpan<float> weights = options.ClassWeights;
        double weightSum = 0, loss = 0;
        for (int c = 0; c < classCount; c++)
        {
            double a = TargetWeight(c, label, targets, weights, smoothing, classCount);
            weightSum += a;
            if (a != 0)
            {
                loss += a * Distance(double.CreateTruncating(z[c]), sums.Maximum, sums.LogSum);
            }
        }

        double lse = sums.LogSumExp;
        if (lambda != 0)
        {
            loss += lambda * lse * lse;
        }

        if (sums.HasNaN)
        {
            loss = double.NaN;
        }

        if (gradient.IsEmpty)
        {
            return loss;
        }

        // K·p_c - a_c, K = Σ a + 2λ·lse.
        double zLossFactor = lambda != 0 ? 2 * lambda * lse : 0;
        double k = weightSum + zLossFactor;
        for (int c = 0; c < classCount; c++)
        {
            double p = ShiftedExp(double.CreateTruncating(z[c]), sums.Maximum) / sums.Sum;
            double a = TargetWeight(c, label, targets, weights, smoothing, classCount);
            double g;
            if (sums.HasNaN || (lambda != 0 && double.IsInfinity(lse)))
            {
                // Documented: NaN input → NaN row; with λ > 0 an infinite lse gives a NaN gradient row.
                g = double.NaN;
            }
            else if (c == label)
            {
                // K·p_y - a_y = (K - a_y)·p_y - a_y·(1 - p_y), 1 - p_y = Σc≠y p_c: no cancellation of p_y - 1,
                // and K - a_y (the other classes' weights plus the z-loss term) is formed without subtracting.
                double others = zLossFactor;
                for (int j = 0; j < classCount; j++)
                {
                    if (j != label)
                    {
                        others += TargetWeight(j, label, targets, weights, smoothing, classCount);
                    }
                }

                g = (others * p) - (a * (sums.SumWithoutLabel / sums.Sum));
            }
            else
            {
                g = (k * p) - a;
            }

            gradient[c] = TGradient.CreateTruncating(gradientScale == 0 ? 0 : gradientScale * g);
        }

        return loss;
    }

    /// <summary>
    /// Focal loss with a class label: w_y·q^γ·ℓ + λ·lse², ℓ = lse - z_y, q = 1 - p_y = (Σc≠y e^{z_c - m})/S (no
    /// cancellation as p_y → 1). Gradient: (w_y·F + 2λ·lse)·p_c for c ≠ y and 2λ·lse·p_y - w_y·F·q for y, with
    /// F = q^γ·(1 + γ·p_y·ℓ/q), whose ratio takes its limits 1 at q = 0 and 0 at p_y = 0.
    /// </summary>
    private static double FocalLoss<TLogit, TGradient>(
        ReadOnlySpan<TLogit> z, int label, SoftmaxCrossEntropyOptions options, double gradientScale, Span<TGradient> gradient, ShiftedSums sums)
        where TLogit : unmanaged, IBinaryFloatingPointIeee754<TLogit>
        where TGradient : unmanaged, IBinaryFloatingPointIeee754<TGradient>
    {
        double gamma = options.FocalGamma, lambda = options.ZLossWeight, lse = sums.LogSumExp;
        double w = options.ClassWeights.IsEmpty ? 1 : options.ClassWeights[label];
        double labelLogit = double.CreateTruncating(z[label]);
        double distance = Distance(labelLogit, sums.Maximum, sums.LogSum);
        double q = sums.SumWithoutLabel / sums.Sum;
        double power = Math.Pow(q, gamma);
        double loss = (w == 0 ? 0 : w * power * distance) + (lambda != 0 ? lambda * lse * lse : 0);
        if (sums.HasNaN)
        {
            loss = double.NaN;
        }

        if (gradient.IsEmpty)
        {
            return loss;
        }

        double labelProbability = ShiftedExp(labelLogit, sums.Maximum) / sums.Sum;
        double ratio = sums.SumWithoutLabel == 0 ? 1 : labelProbability == 0 ? 0 : labelProbability * distance / q;
        double labelWeight = w * power * (1 + (gamma * ratio));
        double zLossFactor = lambda != 0 ? 2 * lambda * lse : 0;
        bool nanRow = sums.HasNaN || (lambda != 0 && double.IsInfinity(lse));
        for (int c = 0; c < z.Length; c++)
        {
            double p = ShiftedExp(double.CreateTruncating(z[c]), sums.Maximum) / sums.Sum;
            double g = nanRow ? double.NaN : c == label ? (zLossFactor * p) - (labelWeight * q) : (labelWeight + zLossFactor) * p;
            gradient[c] = TGradient.CreateTruncating(gradientScale == 0 ? 0 : gradientScale * g);
        }

        return loss;
    }

    /// <summary>
    /// a_c for a label y: (1-ε)·w_y·[c = y] + (ε/C)·w_c; for targets t: w_c·((1-ε)·t_c + ε/C) (w = 1 without class
    /// weights, ε the smoothing). The smoothing term is left out when ε = 0, so that an infinite weight on a class
    /// other than the label does not give NaN.
    /// </summary>
    public static double TargetWeight(int c, int label, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, double smoothing, int classCount)
    {
        double w = weights.IsEmpty ? 1 : weights[c];
        if (targets.IsEmpty)
        {
            double uniform = smoothing != 0 ? smoothing / classCount * w : 0;
            return c == label ? (1 - smoothing) * w + uniform : uniform;
        }

        return w * ((1 - smoothing) * targets[c] + smoothing / classCount);
    }

    /// <summary>e^{z - m}, with z = m read as e^0 = 1 (so that z = m = ±∞ gives 1, not NaN).</summary>
    public static double ShiftedExp(double z, double m) => z == m ? 1 : Math.Exp(z - m);

    /// <summary>lse - z = (m - z) + ln S, with m - z read as 0 when z = m (both terms are ≥ 0: no cancellation).</summary>
    public static double Distance(double z, double m, double logSum) => z == m ? logSum : (m - z) + logSum;

    public static bool ContainsNaN(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (float.IsNaN(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One row's max-shifted exponential sums: all that the loss and gradient need from the logits besides z_c.</summary>
    public readonly struct ShiftedSums
    {
        /// <summary>m = max z; NaN when a logit is NaN.</summary>
        public double Maximum { get; private init; }

        /// <summary>S = Σc e^{z_c - m} ∈ [1, C].</summary>
        public double Sum { get; private init; }

        /// <summary>ln S, computed as log1p(S - 1) with S - 1 summed without the first maximal term.</summary>
        public double LogSum { get; private init; }

        /// <summary>lse = m + ln S (±∞ when m is; NaN stays NaN).</summary>
        public double LogSumExp { get; private init; }

        /// <summary>Σc≠y e^{z_c - m} = S·(1 - p_y) for the label y (S when there is none).</summary>
        public double SumWithoutLabel { get; private init; }

        /// <summary>Whether a logit of the row is NaN.</summary>
        public bool HasNaN { get; private init; }

        public static ShiftedSums Of<T>(ReadOnlySpan<T> z, int label)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            // m = max z, and the first index holding it (whose term e^0 = 1 is left out of S - 1).
            double m = double.NegativeInfinity;
            int first = 0;
            bool hasNaN = false;
            for (int c = 0; c < z.Length; c++)
            {
                double v = double.CreateTruncating(z[c]);
                if (double.IsNaN(v))
                {
                    hasNaN = true;
                }
                else if (v > m)
                {
                    m = v;
                    first = c;
                }
            }

            if (hasNaN)
            {
                m = double.NaN;
            }

            double sumWithoutFirst = 0, sumWithoutLabel = 0;
            for (int c = 0; c < z.Length; c++)
            {
                double e = ShiftedExp(double.CreateTruncating(z[c]), m);
                if (c != first)
                {
                    sumWithoutFirst += e;
                }

                if (c != label)
                {
                    sumWithoutLabel += e;
                }
            }

            double logSum = BinaryCrossEntropy.Log1p(sumWithoutFirst);
            return new ShiftedSums
            {
                Maximum = m,
                Sum = 1 + sumWithoutFirst,
                LogSum = logSum,
                LogSumExp = m + logSum, // ln S is finite, so m = ±∞ gives ±∞.
                SumWithoutLabel = sumWithoutLabel,
                HasNaN = hasNaN,
            };
        }

        /// <summary>The sums as a NaN target leaves them for the loss and gradient: all NaN (<see cref="HasNaN"/> kept).</summary>
        public ShiftedSums WithNaNTarget() => this with
        {
            Maximum = double.NaN,
            Sum = double.NaN,
            LogSum = double.NaN,
            LogSumExp = double.NaN,
            SumWithoutLabel = double.NaN,
        };
    }
}
