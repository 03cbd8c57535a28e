using System.Numerics;
using System.Runtime.InteropServices;
using Kernels.Internal.Validation;

namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.SoftmaxCrossEntropy"/>: the same public methods, written as plain
/// loops in double precision, no SIMD. Use it to cross-check the fast kernels.
/// </summary>
/// <remarks>
/// <para>Per row: m = max z, S = Σc e^{z_c - m}, lse = m + ln S (ln S computed as log1p of the sum without the
/// first maximal term, so that it keeps relative accuracy as S → 1); lse - z_c is formed as (m - z_c) + ln S, both
/// terms ≥ 0, with m - z_c read as 0 when z_c = m (so +∞ - +∞ and -∞ - -∞ never appear). The per-class target
/// weights a_c follow <see cref="SoftmaxCrossEntropyOptions"/>; the loss is Σc a_c·(lse - z_c) + λ·lse² with terms
/// of weight a_c = 0 skipped (0·∞ never appears) and the z-loss term skipped when λ = 0; the gradient is
/// s·((Σc a_c + 2λ·lse)·p_c - a_c) with p_c = e^{z_c - m}/S; for the true class of a plain label the difference
/// p_y - 1 is formed as -(Σc≠y e^{z_c - m})/S, without cancellation.</para>
/// <para>Results are rounded to float once at the end of each element (costs once at the end). Same semantics as
/// the fast class (shapes, options, reductions, limits at ±∞, NaN, aliasing, exceptions), allocation-free, slower
/// and not bit-identical: it is the accuracy yardstick. The <c>…InDouble</c> and <see cref="EvaluateInDouble(ReadOnlySpan{float}, ReadOnlySpan{int}, SoftmaxCrossEntropyOptions, Reduction)"/>
/// helpers return the unrounded values (and the magnitudes of the terms that an error bound needs); they are
/// meant for tests and tools, and the latter allocates its result arrays.</para>
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.Losses(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/>
    public static void Losses(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> losses)
    {
        // The simple overload's destination is required (the general overload reads an empty span as "not wanted").
        if (losses.Length != labels.Length)
        {
            throw new ArgumentException($"'losses' has length {losses.Length}; it must have length {labels.Length} (one loss per row).", nameof(losses));
        }

        CostAndGradient(logits, labels, default, losses, default, default, Reduction.Sum);
    }

    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.Cost(ReadOnlySpan{float}, ReadOnlySpan{int}, Reduction)"/>
    public static float Cost(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Reduction reduction = Reduction.Mean) =>
        (float)CostInDouble(logits, labels, default, reduction);

    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, Reduction reduction = Reduction.Mean)
    {
        SpanGuard.SameLength(logits, nameof(logits), gradient, nameof(gradient));
        return CostAndGradient(logits, labels, gradient, default, default, default, reduction);
    }

    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, Reduction)"/>
    public static float CostAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Reduction reduction = Reduction.Mean)
    {
        SpanGuard.SameLength(logits, nameof(logits), gradient, nameof(gradient));
        return CostAndGradient(logits, targets, classCount, gradient, default, default, default, reduction);
    }

    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float}, Span{float}, SoftmaxCrossEntropyOptions, Reduction)"/>
    public static float CostAndGradient(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction = Reduction.Mean)
    {
        int classCount = ValidateLabels(logits, labels, gradient, losses, logSumExp, options, reduction);
        Outputs outputs = new() { Gradient = gradient, Losses = losses, LogSumExp = logSumExp };
        return (float)Evaluate(logits, labels, default, classCount, useLabels: true, options, reduction, outputs);
    }

    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, Span{float}, Span{float}, SoftmaxCrossEntropyOptions, Reduction)"/>
    public static float CostAndGradient(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction = Reduction.Mean)
    {
        ValidateTargets(logits, targets, classCount, gradient, losses, logSumExp, options, reduction);
        Outputs outputs = new() { Gradient = gradient, Losses = losses, LogSumExp = logSumExp };
        return (float)Evaluate(logits, default, targets, classCount, useLabels: false, options, reduction, outputs);
    }

    /// <summary>The cost for class-index labels before rounding to float, for measuring the error of a float cost.</summary>
    /// <param name="logits">n×C logits, row-major; C = logits.Length / labels.Length.</param>
    /// <param name="labels">n class indices in [0, C), or the ignore index.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum, or mean (divided by the summed label weights of the rows not ignored).</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static double CostInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        int classCount = ValidateLabels(logits, labels, default, default, default, options, reduction);
        return Evaluate(logits, labels, default, classCount, useLabels: true, options, reduction, default);
    }

    /// <summary>
    /// The cost for class-index labels of logits given in double (so that they can be perturbed by less than a float
    /// ulp), before rounding: the function whose exact derivative the gradient is, for finite-difference checks.
    /// </summary>
    /// <param name="logits">n×C logits, row-major; C = logits.Length / labels.Length.</param>
    /// <param name="labels">n class indices in [0, C), or the ignore index.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum, or mean (divided by the summed label weights of the rows not ignored).</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent, or an argument is out of range (as for float logits).</exception>
    public static double CostInDouble(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        int classCount = ValidateLabelShape(logits.Length, labels, options, reduction);
        return Evaluate(logits, labels, default, classCount, useLabels: true, options, reduction, default);
    }

    /// <summary>
    /// The cost and the n×C gradient, unrounded, for class-index labels of logits given in double (for the dense-layer
    /// references, whose logits X·W + b are computed in double).
    /// </summary>
    internal static double CostAndGradientInDouble(
        ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options, Reduction reduction, Span<double> gradient)
    {
        int classCount = ValidateLabelShape(logits.Length, labels, options, reduction);
        return Evaluate(logits, labels, default, classCount, useLabels: true, options, reduction, new Outputs { GradientInDouble = gradient });
    }

    /// <summary>The cost for probability targets before rounding to float, for measuring the error of a float cost.</summary>
    /// <param name="logits">n×C logits, row-major.</param>
    /// <param name="targets">n×C targets.</param>
    /// <param name="classCount">C ≥ 1.</param>
    /// <param name="options">Smoothing, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum or mean over the n rows.</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static double CostInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        ValidateTargets(logits, targets, classCount, default, default, default, options, reduction);
        return Evaluate(logits, default, targets, classCount, useLabels: false, options, reduction, default);
    }

    /// <summary>
    /// The cost for probability targets of logits given in double, before rounding: the function whose exact
    /// derivative the gradient is, for finite-difference checks.
    /// </summary>
    /// <param name="logits">n×C logits, row-major.</param>
    /// <param name="targets">n×C targets.</param>
    /// <param name="classCount">C ≥ 1.</param>
    /// <param name="options">Smoothing, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum or mean over the n rows.</param>
    /// <returns>The cost in double.</returns>
    /// <exception cref="ArgumentException">A length is inconsistent, or an argument is out of range (as for float logits).</exception>
    public static double CostInDouble(ReadOnlySpan<double> logits, ReadOnlySpan<float> targets, int classCount, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        ValidateTargetShape(logits.Length, targets, classCount, options, reduction);
        return Evaluate(logits, default, targets, classCount, useLabels: false, options, reduction, default);
    }

    /// <summary>The per-row losses for class-index labels before rounding to float (allocates the result).</summary>
    /// <param name="logits">n×C logits, row-major; C = logits.Length / labels.Length.</param>
    /// <param name="labels">n class indices in [0, C), or the ignore index.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <returns>The n row losses in double (0 for ignored rows).</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static double[] RowLossesInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options = default) =>
        EvaluateInDouble(logits, labels, options, Reduction.Sum).Losses;

    /// <summary>The per-row losses for probability targets before rounding to float (allocates the result).</summary>
    /// <param name="logits">n×C logits, row-major.</param>
    /// <param name="targets">n×C targets.</param>
    /// <param name="classCount">C ≥ 1.</param>
    /// <param name="options">Smoothing, class weights, z-loss; default for none.</param>
    /// <returns>The n row losses in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static double[] RowLossesInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, SoftmaxCrossEntropyOptions options = default) =>
        EvaluateInDouble(logits, targets, classCount, options, Reduction.Sum).Losses;

    /// <summary>
    /// Everything the reference computes for class-index labels, unrounded, with the magnitudes an error bound needs
    /// (allocates the result arrays; for tests and tools).
    /// </summary>
    /// <param name="logits">n×C logits, row-major; C = logits.Length / labels.Length.</param>
    /// <param name="labels">n class indices in [0, C), or the ignore index.</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum, or mean (divided by the summed label weights of the rows not ignored).</param>
    /// <returns>Cost, scale, per-row losses and log-sum-exp, gradient and the term magnitudes, in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static Evaluation EvaluateInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        int classCount = ValidateLabels(logits, labels, default, default, default, options, reduction);
        Evaluation result = new(labels.Length, classCount);
        result.Cost = Evaluate(logits, labels, default, classCount, useLabels: true, options, reduction, result.AsOutputs(), out double scale);
        result.Scale = scale;
        return result;
    }

    /// <summary>
    /// Everything the reference computes for probability targets, unrounded, with the magnitudes an error bound needs
    /// (allocates the result arrays; for tests and tools).
    /// </summary>
    /// <param name="logits">n×C logits, row-major.</param>
    /// <param name="targets">n×C targets.</param>
    /// <param name="classCount">C ≥ 1.</param>
    /// <param name="options">Smoothing, class weights, z-loss; default for none.</param>
    /// <param name="reduction">Sum or mean over the n rows.</param>
    /// <returns>Cost, scale, per-row losses and log-sum-exp, gradient and the term magnitudes, in double.</returns>
    /// <exception cref="ArgumentException">As <see cref="Kernels.SoftmaxCrossEntropy"/> for the same arguments.</exception>
    public static Evaluation EvaluateInDouble(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        ValidateTargets(logits, targets, classCount, default, default, default, options, reduction);
        Evaluation result = new(logits.Length / classCount, classCount);
        result.Cost = Evaluate(logits, default, targets, classCount, useLabels: false, options, reduction, result.AsOutputs(), out double scale);
        result.Scale = scale;
        return result;
    }

    /// <summary>The unrounded results of <see cref="EvaluateInDouble(ReadOnlySpan{float}, ReadOnlySpan{int}, SoftmaxCrossEntropyOptions, Reduction)"/>.</summary>
    public sealed class Evaluation
    {
        internal Evaluation(int rows, int classCount)
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
        public double Cost { get; internal set; }

        /// <summary>The gradient scale s: 1 (Sum), 1/denominator (Mean), 0 when the Mean denominator is 0.</summary>
        public double Scale { get; internal set; }

        /// <summary>The per-row losses Σc a_c·(lse - z_c) + λ·lse² (0 for ignored rows), unscaled.</summary>
        public double[] Losses { get; }

        /// <summary>The per-row log-sum-exp (written for ignored rows too).</summary>
        public double[] LogSumExp { get; }

        /// <summary>
        /// Per row, Σc |a_c·(lse - z_c)| + λ·|lse|·(|m| + ln S): what the terms of the loss add up to in magnitude, the
        /// z-loss term measured with the magnitude of the terms lse is formed from (0 for ignored rows).
        /// </summary>
        public double[] LossMagnitudes { get; }

        /// <summary>Per row, |m| + ln S: the magnitudes of the two terms whose sum is lse (m = max z, S = Σ e^{z - m}).</summary>
        public double[] LogSumExpMagnitudes { get; }

        /// <summary>Per row, W = Σc |a_c| + 2λ·(|m| + ln S): the magnitude of the row's total target weight (0 for ignored rows).</summary>
        public double[] RowWeightMagnitudes { get; }

        /// <summary>The n×C gradient s·((Σ a + 2λ·lse)·p_c - a_c) (zero rows for ignored rows).</summary>
        public double[] Gradient { get; }

        /// <summary>Per element, |s|·(W·p_c + |a_c|) with W as in <see cref="RowWeightMagnitudes"/>: the magnitudes of the terms of the gradient.</summary>
        public double[] GradientMagnitudes { get; }

        internal Outputs AsOutputs() => new()
        {
            GradientInDouble = Gradient,
            LossesInDouble = Losses,
            LogSumExpInDouble = LogSumExp,
            LossMagnitudes = LossMagnitudes,
            LogSumExpMagnitudes = LogSumExpMagnitudes,
            RowWeightMagnitudes = RowWeightMagnitudes,
            GradientMagnitudes = GradientMagnitudes,
        };
    }

    internal ref struct Outputs
    {
        public Span<float> Gradient;
        public Span<float> Losses;
        public Span<float> LogSumExp;
        public Span<double> GradientInDouble;
        public Span<double> LossesInDouble;
        public Span<double> LogSumExpInDouble;
        public Span<double> LossMagnitudes;
        public Span<double> LogSumExpMagnitudes;
        public Span<double> RowWeightMagnitudes;
        public Span<double> GradientMagnitudes;
    }

    private static double Evaluate<T>(
        ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int classCount, bool useLabels,
        SoftmaxCrossEntropyOptions options, Reduction reduction, Outputs outputs)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Evaluate(logits, labels, targets, classCount, useLabels, options, reduction, outputs, out _);

    private static double Evaluate<T>(
        ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int classCount, bool useLabels,
        SoftmaxCrossEntropyOptions options, Reduction reduction, Outputs outputs, out double scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int rows = useLabels ? labels.Length : logits.Length / classCount;
        double smoothing = options.LabelSmoothing;
        double lambda = options.ZLossWeight;
        ReadOnlySpan<float> weights = options.ClassWeights;
        int? ignore = useLabels ? options.IgnoreIndex : null;

        // Mean: labels divide by Σ w_y over the rows not ignored (PyTorch), probability targets by n.
        double denominator = rows;
        if (useLabels)
        {
            denominator = 0;
            for (int i = 0; i < rows; i++)
            {
                if (labels[i] != ignore)
                {
                    denominator += weights.IsEmpty ? 1 : weights[labels[i]];
                }
            }
        }

        // A Mean over nothing (no row, every row ignored, or label weights summing to 0) costs 0 with a zero gradient.
        scale = reduction == Reduction.Sum ? 1 : denominator == 0 ? 0 : 1 / denominator;

        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> z = logits.Slice(i * classCount, classCount);
            ReadOnlySpan<float> t = useLabels ? default : targets.Slice(i * classCount, classCount);
            int y = useLabels ? labels[i] : -1;
            bool ignored = useLabels && y == ignore;

            // m = max z, NaN when a logit of the row is NaN; first = the first index holding the maximum. A NaN target
            // makes the row's loss and gradient NaN but not its lse, which depends on the logits alone (documented).
            double m = double.NegativeInfinity;
            int first = 0;
            bool hasNaN = false, hasNaNTarget = false;
            for (int c = 0; c < classCount; c++)
            {
                double v = double.CreateTruncating(z[c]);
                hasNaNTarget |= !useLabels && float.IsNaN(t[c]);
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

            // S - 1 without the first maximal term (for ln S = log1p(S - 1)), and Σc≠y e^{z_c - m} for p_y - 1.
            double sumWithoutFirst = 0, sumWithoutLabel = 0;
            for (int c = 0; c < classCount; c++)
            {
                double e = ShiftedExp(double.CreateTruncating(z[c]), m);
                if (c != first)
                {
                    sumWithoutFirst += e;
                }

                if (c != y)
                {
                    sumWithoutLabel += e;
                }
            }

            double sum = 1 + sumWithoutFirst;
            double logSum = BinaryCrossEntropy.Log1p(sumWithoutFirst);
            double lse = m + logSum; // m = ±∞ gives ±∞ (ln S is finite); NaN stays NaN.
            if (!outputs.LogSumExp.IsEmpty)
            {
                outputs.LogSumExp[i] = (float)lse;
            }

            if (!outputs.LogSumExpInDouble.IsEmpty)
            {
                outputs.LogSumExpInDouble[i] = lse;
            }

            double lseMagnitude = Math.Abs(m) + logSum;
            if (!outputs.LogSumExpMagnitudes.IsEmpty)
            {
                outputs.LogSumExpMagnitudes[i] = lseMagnitude;
            }

            if (hasNaNTarget)
            {
                m = sum = logSum = lse = sumWithoutLabel = double.NaN;
            }

            if (ignored)
            {
                WriteRow(outputs, i, classCount, 0, 0);
                continue;
            }

            // Σ a_c, the loss Σ a_c·(lse - z_c) with zero-weight terms skipped, and its term magnitudes.
            double weightSum = 0, weightMagnitude = 0, loss = 0, magnitude = 0;
            for (int c = 0; c < classCount; c++)
            {
                double a = TargetWeight(c, y, t, weights, smoothing, classCount, useLabels);
                weightSum += a;
                weightMagnitude += Math.Abs(a);
                if (a != 0)
                {
                    double term = a * Distance(double.CreateTruncating(z[c]), m, logSum);
                    loss += term;
                    magnitude += Math.Abs(term);
                }
            }

            if (lambda != 0)
            {
                loss += lambda * lse * lse;
                magnitude += lambda * Math.Abs(lse) * lseMagnitude;
                weightMagnitude += 2 * lambda * lseMagnitude;
            }

            if (!outputs.RowWeightMagnitudes.IsEmpty)
            {
                outputs.RowWeightMagnitudes[i] = weightMagnitude;
            }

            if (hasNaN)
            {
                loss = double.NaN;
            }

            total += loss;
            if (!outputs.Losses.IsEmpty)
            {
                outputs.Losses[i] = (float)loss;
            }

            if (!outputs.LossesInDouble.IsEmpty)
            {
                outputs.LossesInDouble[i] = loss;
            }

            if (!outputs.LossMagnitudes.IsEmpty)
            {
                outputs.LossMagnitudes[i] = magnitude;
            }

            if (outputs.Gradient.IsEmpty && outputs.GradientInDouble.IsEmpty && outputs.GradientMagnitudes.IsEmpty)
            {
                continue;
            }

            double k = weightSum + (lambda != 0 ? 2 * lambda * lse : 0);
            for (int c = 0; c < classCount; c++)
            {
                double zc = double.CreateTruncating(z[c]);
                double p = ShiftedExp(zc, m) / sum;
                double a = TargetWeight(c, y, t, weights, smoothing, classCount, useLabels);
                double g;
                if (hasNaN || (lambda != 0 && double.IsInfinity(lse)))
                {
                    // Documented: NaN input → NaN row; with λ > 0 an infinite lse gives a NaN gradient row.
                    g = double.NaN;
                }
                else if (c == y)
                {
                    // K·p_y - a_y = (K - a_y)·p_y - a_y·(1 - p_y), 1 - p_y = Σc≠y p_c: no cancellation of p_y - 1,
                    // and K - a_y (the other classes' weights plus the z-loss term) is formed without subtracting.
                    double others = lambda != 0 ? 2 * lambda * lse : 0;
                    for (int j = 0; j < classCount; j++)
                    {
                        if (j != y)
                        {
                            others += TargetWeight(j, y, t, weights, smoothing, classCount, useLabels);
                        }
                    }

                    g = (others * p) - (a * (sumWithoutLabel / sum));
                }
                else
                {
                    g = (k * p) - a;
                }

                double gradient = scale * g;
                if (scale == 0)
                {
                    gradient = 0;
                }

                if (!outputs.Gradient.IsEmpty)
                {
                    outputs.Gradient[i * classCount + c] = (float)gradient;
                }

                if (!outputs.GradientInDouble.IsEmpty)
                {
                    outputs.GradientInDouble[i * classCount + c] = gradient;
                }

                if (!outputs.GradientMagnitudes.IsEmpty)
                {
                    outputs.GradientMagnitudes[i * classCount + c] = Math.Abs(scale) * ((weightMagnitude * p) + Math.Abs(a));
                }
            }
        }

        if (reduction == Reduction.Mean)
        {
            return denominator == 0 ? 0 : total / denominator;
        }

        return total;
    }

    /// <summary>a_c for labels: (1-ε)·w_y·[c = y] + (ε/C)·w_c; for targets: w_c·((1-ε)·t_c + ε/C). Terms whose
    /// factor is exactly 0 are left out, so an infinite weight on a class of zero target weight does not give NaN.</summary>
    private static double TargetWeight(int c, int y, ReadOnlySpan<float> t, ReadOnlySpan<float> weights, double smoothing, int classCount, bool useLabels)
    {
        double w = weights.IsEmpty ? 1 : weights[c];
        double uniform = smoothing != 0 ? smoothing / classCount * w : 0;
        if (useLabels)
        {
            return c == y ? (1 - smoothing) * w + uniform : uniform;
        }

        return w * ((1 - smoothing) * t[c] + smoothing / classCount);
    }

    /// <summary>e^{z - m}, with z = m read as e^0 = 1 (so that z = m = ±∞ gives 1, not NaN).</summary>
    private static double ShiftedExp(double z, double m) => z == m ? 1 : Math.Exp(z - m);

    /// <summary>lse - z = (m - z) + ln S, with m - z read as 0 when z = m (both terms are ≥ 0: no cancellation).</summary>
    private static double Distance(double z, double m, double logSum) => z == m ? logSum : (m - z) + logSum;

    private static void WriteRow(Outputs outputs, int row, int classCount, double loss, double gradient)
    {
        if (!outputs.Losses.IsEmpty)
        {
            outputs.Losses[row] = (float)loss;
        }

        if (!outputs.LossesInDouble.IsEmpty)
        {
            outputs.LossesInDouble[row] = loss;
        }

        if (!outputs.LossMagnitudes.IsEmpty)
        {
            outputs.LossMagnitudes[row] = 0;
        }

        if (!outputs.RowWeightMagnitudes.IsEmpty)
        {
            outputs.RowWeightMagnitudes[row] = 0;
        }

        for (int c = 0; c < classCount; c++)
        {
            int index = row * classCount + c;
            if (!outputs.Gradient.IsEmpty)
            {
                outputs.Gradient[index] = (float)gradient;
            }

            if (!outputs.GradientInDouble.IsEmpty)
            {
                outputs.GradientInDouble[index] = gradient;
            }

            if (!outputs.GradientMagnitudes.IsEmpty)
            {
                outputs.GradientMagnitudes[index] = 0;
            }
        }
    }

    // ---- Validation: the fast class's rules (and, where it exposes them, its code), all checked before anything is
    // written, so that both reject exactly the same calls with the same exceptions; only the arithmetic is independent.

    private static int ValidateLabels(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        int classCount = Kernels.SoftmaxCrossEntropy.ValidateLabelShape(logits.Length, labels, options);
        Kernels.SoftmaxCrossEntropy.ValidateArguments(
            logits, MemoryMarshal.Cast<int, float>(labels), nameof(labels), classCount, gradient, losses, logSumExp, options, reduction);
        return classCount;
    }

    private static void ValidateTargets(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        SpanGuard.OutputCount(classCount, nameof(classCount), logits.Length, nameof(logits));
        SpanGuard.SameLength(logits, nameof(logits), targets, nameof(targets));
        Kernels.SoftmaxCrossEntropy.ValidateArguments(logits, targets, nameof(targets), classCount, gradient, losses, logSumExp, options, reduction);
    }

    // The double-logit helpers have no float spans to alias; they check shapes and options only.
    private static int ValidateLabelShape(int logitsLength, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        int classCount = Kernels.SoftmaxCrossEntropy.ValidateLabelShape(logitsLength, labels, options);
        CheckOptions(options, reduction);
        return classCount;
    }

    private static void ValidateTargetShape(int logitsLength, ReadOnlySpan<float> targets, int classCount, SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (logitsLength % classCount != 0)
        {
            throw new ArgumentException($"'logits' has length {logitsLength}, which is not a multiple of classCount = {classCount}.", "logits");
        }

        if (targets.Length != logitsLength)
        {
            throw new ArgumentException($"'targets' has length {targets.Length} but 'logits' has length {logitsLength}; they must be equal.", nameof(targets));
        }

        SpanGuard.EmptyOrLength(options.ClassWeights, classCount, "options.ClassWeights", "one weight per class");
        CheckOptions(options, reduction);
    }

    private static void CheckOptions(SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        if (!(options.LabelSmoothing is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException("options.LabelSmoothing", options.LabelSmoothing, "Label smoothing must lie in [0, 1].");
        }

        if (!(options.ZLossWeight >= 0 && float.IsFinite(options.ZLossWeight)))
        {
            throw new ArgumentOutOfRangeException("options.ZLossWeight", options.ZLossWeight, "The z-loss weight must be finite and non-negative.");
        }

        if (reduction is not (Reduction.Sum or Reduction.Mean))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction.");
        }
    }
}
