using Ref = Kernels.Reference.SoftmaxCrossEntropy;
using Row = Kernels.Reference.SoftmaxCrossEntropyRow;

namespace Kernels.Tests.Support;

/// <summary>
/// Everything the softmax reference computes, unrounded (its row loop run with double outputs), with the magnitudes
/// of the terms that <see cref="SoftmaxAccuracy"/> scales its error bounds with. Allocates its arrays.
/// </summary>
/// <remarks>
/// The magnitudes are no part of the loss: they say how large the terms are that a float kernel sums, hence how
/// much rounding it may accumulate where the result cancels. They are formed from the reference's own row
/// quantities (<see cref="Row.ShiftedSums"/>, <see cref="Row.TargetWeight"/>), with m = max z, S = Σc e^{z_c - m}
/// and target weights a_c as documented there.
/// </remarks>
internal sealed class SoftmaxEvaluation
{
    private SoftmaxEvaluation(int rows, int classCount)
    {
        Rows = rows;
        ClassCount = classCount;
        Losses = new double[rows];
        LogSumExp = new double[rows];
        LossMagnitudes = new double[rows];
        LogSumExpMagnitudes = new double[rows];
        RowWeightMagnitudes = new double[rows];
        Gradient = new double[rows * classCount];
        GradientMagnitudes = new double[rows * classCount];
    }

    /// <summary>The number of rows n.</summary>
    public int Rows { get; }

    /// <summary>The number of classes C.</summary>
    public int ClassCount { get; }

    /// <summary>The cost: s·Σ losses (0 when a Mean denominator is 0).</summary>
    public double Cost { get; private set; }

    /// <summary>The gradient scale s: 1 (Sum), 1/denominator (Mean), 0 when the Mean denominator is 0.</summary>
    public double Scale { get; private set; }

    /// <summary>The per-row losses Σc a_c·(lse - z_c) + λ·lse² (0 for ignored rows), unscaled.</summary>
    public double[] Losses { get; }

    /// <summary>The per-row log-sum-exp (written for ignored rows too).</summary>
    public double[] LogSumExp { get; }

    /// <summary>
    /// Per row, Σc |a_c·(lse - z_c)| + λ·|lse|·(|m| + ln S): what the terms of the loss add up to in magnitude, the
    /// z-loss term measured with the magnitude of the terms lse is formed from (0 for ignored rows).
    /// </summary>
    public double[] LossMagnitudes { get; }

    /// <summary>Per row, |m| + ln S: the magnitudes of the two terms whose sum is lse.</summary>
    public double[] LogSumExpMagnitudes { get; }

    /// <summary>Per row, W = Σc |a_c| + 2λ·(|m| + ln S): the magnitude of the row's total target weight (0 for ignored rows).</summary>
    public double[] RowWeightMagnitudes { get; }

    /// <summary>The n×C gradient s·((Σ a + 2λ·lse)·p_c - a_c) (zero rows for ignored rows).</summary>
    public double[] Gradient { get; }

    /// <summary>Per element, |s|·(W·p_c + |a_c|) with W as in <see cref="RowWeightMagnitudes"/>: the magnitudes of the terms of the gradient.</summary>
    public double[] GradientMagnitudes { get; }

    /// <summary>The evaluation for class-index labels; throws as <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</summary>
    public static SoftmaxEvaluation Of(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        int classCount = Ref.ValidateLabels(logits, labels, default, default, default, options, reduction);
        SoftmaxEvaluation e = new(labels.Length, classCount);
        e.Cost = Ref.Evaluate<float, double>(logits, labels, default, classCount, options, reduction, e.Gradient, e.Losses, e.LogSumExp, out double scale);
        e.Scale = scale;
        for (int i = 0; i < e.Rows; i++)
        {
            e.AddMagnitudes(i, logits.Slice(i * classCount, classCount), labels[i], default, options);
        }

        return e;
    }

    /// <summary>The evaluation for probability targets; throws as <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</summary>
    public static SoftmaxEvaluation Of(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        Ref.ValidateTargets(logits, targets, classCount, default, default, default, options, reduction);
        SoftmaxEvaluation e = new(logits.Length / classCount, classCount);
        e.Cost = Ref.Evaluate<float, double>(logits, default, targets, classCount, options, reduction, e.Gradient, e.Losses, e.LogSumExp, out double scale);
        e.Scale = scale;
        for (int i = 0; i < e.Rows; i++)
        {
            e.AddMagnitudes(i, logits.Slice(i * classCount, classCount), -1, targets.Slice(i * classCount, classCount), options);
        }

        return e;
    }

    /// <summary>Row i's magnitudes (label -1 and non-empty targets for probability targets).</summary>
    private void AddMagnitudes(int i, ReadOnlySpan<float> z, int label, ReadOnlySpan<float> targets, SoftmaxCrossEntropyOptions options)
    {
        Row.ShiftedSums sums = Row.ShiftedSums.Of(z, label);
        double lseMagnitude = Math.Abs(sums.Maximum) + sums.LogSum;
        LogSumExpMagnitudes[i] = lseMagnitude;

        // As in the loss: a NaN target makes the row's terms NaN, but not its lse (nor lse's magnitude).
        if (Row.ContainsNaN(targets))
        {
            sums = sums.WithNaNTarget();
        }

        if (targets.IsEmpty && label == options.IgnoreIndex)
        {
            return; // an ignored row has no terms: its magnitudes stay 0
        }

        int classCount = z.Length;
        double smoothing = options.LabelSmoothing, lambda = options.ZLossWeight;
        ReadOnlySpan<float> weights = options.ClassWeights;
        double weightMagnitude = 0, lossMagnitude = 0;
        for (int c = 0; c < classCount; c++)
        {
            double a = Row.TargetWeight(c, label, targets, weights, smoothing, classCount);
            weightMagnitude += Math.Abs(a);
            if (a != 0)
            {
                lossMagnitude += Math.Abs(a * Row.Distance(z[c], sums.Maximum, sums.LogSum));
            }
        }

        if (lambda != 0)
        {
            lossMagnitude += lambda * Math.Abs(sums.LogSumExp) * lseMagnitude;
            weightMagnitude += 2 * lambda * lseMagnitude;
        }

        LossMagnitudes[i] = lossMagnitude;
        RowWeightMagnitudes[i] = weightMagnitude;
        for (int c = 0; c < classCount; c++)
        {
            double p = Row.ShiftedExp(z[c], sums.Maximum) / sums.Sum;
            double a = Row.TargetWeight(c, label, targets, weights, smoothing, classCount);
            GradientMagnitudes[(i * classCount) + c] = Math.Abs(Scale) * ((weightMagnitude * p) + Math.Abs(a));
        }
    }
}
