using System.Numerics;
using System.Runtime.InteropServices;
using Kernels.Internal.Validation;

namespace Kernels.Reference;

/// <summary>
/// The scalar reference for <see cref="Kernels.SoftmaxCrossEntropy"/>: the same public methods, written as plain
/// loops in double precision, no SIMD, one row at a time. Use it to cross-check the fast kernels.
/// </summary>
/// <remarks>
/// <para>Every method is a loop over rows around <see cref="RowLoss(ReadOnlySpan{double}, int, SoftmaxCrossEntropyOptions, Span{double}, out double)"/>
/// (or its probability-target twin), which holds the whole math of one row: m = max z, S = Σc e^{z_c - m},
/// lse = m + ln S, the loss Σc a_c·(lse - z_c) + λ·lse² and its gradient (Σc a_c + 2λ·lse)·p_c - a_c, with the
/// per-class target weights a_c of <see cref="SoftmaxCrossEntropyOptions"/> and p_c = e^{z_c - m}/S.</para>
/// <para>Results are rounded to float once at the end of each element (costs once at the end). Same semantics as
/// the fast class (shapes, options, reductions, limits at ±∞, NaN, aliasing, exceptions), allocation-free, slower
/// and not bit-identical: it is the accuracy yardstick. <c>CostInDouble</c> and <c>RowLoss</c> return unrounded
/// values, for measuring the error of a float result and for finite-difference checks.</para>
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
        return (float)Evaluate(logits, labels, default, classCount, options, reduction, gradient, losses, logSumExp, out _);
    }

    /// <inheritdoc cref="Kernels.SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float}, Span{float}, Span{float}, SoftmaxCrossEntropyOptions, Reduction)"/>
    public static float CostAndGradient(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction = Reduction.Mean)
    {
        ValidateTargets(logits, targets, classCount, gradient, losses, logSumExp, options, reduction);
        return (float)Evaluate(logits, default, targets, classCount, options, reduction, gradient, losses, logSumExp, out _);
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
        return Evaluate<float, float>(logits, labels, default, classCount, options, reduction, default, default, default, out _);
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
        return Evaluate<double, double>(logits, labels, default, classCount, options, reduction, default, default, default, out _);
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
        return Evaluate<float, float>(logits, default, targets, classCount, options, reduction, default, default, default, out _);
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
        return Evaluate<double, double>(logits, default, targets, classCount, options, reduction, default, default, default, out _);
    }

    /// <summary>
    /// One row's loss, log-sum-exp and gradient for a class-index label, exact in double and unscaled (the row's own
    /// derivative, as under <see cref="Reduction.Sum"/>): the math every other method of this class loops over.
    /// </summary>
    /// <param name="logits">The row's C ≥ 1 logits.</param>
    /// <param name="label">The class index in [0, C), or the ignore index (loss 0, zero gradient, lse still given).</param>
    /// <param name="options">Smoothing, ignore index, class weights, z-loss; default for none.</param>
    /// <param name="gradient">Destination for ∂loss/∂z, length C, or empty for none; may be exactly <paramref name="logits"/>.</param>
    /// <param name="logSumExp">ln Σc e^{z_c} of the row.</param>
    /// <returns>Σc a_c·(lse - z_c) + λ·lse².</returns>
    /// <exception cref="ArgumentException">The row is empty, a length differs from C, or the gradient partly overlaps the logits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label or an option is out of range.</exception>
    public static double RowLoss(ReadOnlySpan<double> logits, int label, SoftmaxCrossEntropyOptions options, Span<double> gradient, out double logSumExp)
    {
        ValidateRow(logits, gradient, options, probabilityTargets: false);
        if ((uint)label >= (uint)logits.Length && label != options.IgnoreIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"The label must lie in [0, {logits.Length}) or equal the ignore index.");
        }

        return SoftmaxCrossEntropyRow.Loss(logits, label, default, options, 1, gradient, out logSumExp);
    }

    /// <summary>
    /// One row's loss, log-sum-exp and gradient for probability targets, exact in double and unscaled (the row's own
    /// derivative, as under <see cref="Reduction.Sum"/>): the math every other method of this class loops over.
    /// </summary>
    /// <param name="logits">The row's C ≥ 1 logits.</param>
    /// <param name="targets">The row's C targets (not range-checked; a NaN makes the loss and gradient NaN, not the lse).</param>
    /// <param name="options">Smoothing, class weights, z-loss (the ignore index does not apply); default for none.</param>
    /// <param name="gradient">Destination for ∂loss/∂z, length C, or empty for none; may be exactly <paramref name="logits"/>.</param>
    /// <param name="logSumExp">ln Σc e^{z_c} of the row.</param>
    /// <returns>Σc a_c·(lse - z_c) + λ·lse².</returns>
    /// <exception cref="ArgumentException">The row is empty, a length differs from C, or the gradient partly overlaps the logits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static double RowLoss(ReadOnlySpan<double> logits, ReadOnlySpan<float> targets, SoftmaxCrossEntropyOptions options, Span<double> gradient, out double logSumExp)
    {
        ValidateRow(logits, gradient, options, probabilityTargets: true);
        if (targets.Length != logits.Length)
        {
            throw new ArgumentException($"'targets' has length {targets.Length} but 'logits' has length {logits.Length}; they must be equal.", nameof(targets));
        }

        return SoftmaxCrossEntropyRow.Loss(logits, -1, targets, options, 1, gradient, out logSumExp);
    }

    /// <summary>
    /// The loop behind every method: validated arguments in, the rows' losses and log-sum-exp and the scaled gradient
    /// out (each destination written when not empty, rounded once to <typeparamref name="TOutput"/>); returns the cost.
    /// </summary>
    internal static double Evaluate<TLogit, TOutput>(
        ReadOnlySpan<TLogit> logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets, int classCount,
        SoftmaxCrossEntropyOptions options, Reduction reduction,
        Span<TOutput> gradient, Span<TOutput> losses, Span<TOutput> logSumExp, out double scale)
        where TLogit : unmanaged, IBinaryFloatingPointIeee754<TLogit>
        where TOutput : unmanaged, IBinaryFloatingPointIeee754<TOutput>
    {
        // Labels when there are no targets (with no rows either way, both paths agree: cost 0, a Mean scale of 0).
        bool useLabels = targets.IsEmpty;
        int rows = useLabels ? labels.Length : logits.Length / classCount;

        // Mean: labels divide by Σ w_y over the rows not ignored (PyTorch), probability targets by n. A Mean over
        // nothing (no row, every row ignored, or label weights summing to 0) costs 0 with a zero gradient.
        double denominator = useLabels ? LabelWeightSum(labels, options) : rows;
        scale = reduction == Reduction.Sum ? 1 : denominator == 0 ? 0 : 1 / denominator;

        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            double loss = SoftmaxCrossEntropyRow.Loss(
                logits.Slice(i * classCount, classCount),
                useLabels ? labels[i] : -1,
                useLabels ? default : targets.Slice(i * classCount, classCount),
                options,
                scale,
                gradient.IsEmpty ? default : gradient.Slice(i * classCount, classCount),
                out double lse);

            if (!logSumExp.IsEmpty)
            {
                logSumExp[i] = TOutput.CreateTruncating(lse);
            }

            if (!losses.IsEmpty)
            {
                losses[i] = TOutput.CreateTruncating(loss);
            }

            total += loss; // an ignored row adds +0, which leaves the running sum unchanged
        }

        if (reduction == Reduction.Mean)
        {
            return denominator == 0 ? 0 : total / denominator;
        }

        return total;
    }

    /// <summary>Σ w_y over the rows whose label is not the ignore index (w = 1 without class weights): the labels' Mean denominator.</summary>
    private static double LabelWeightSum(ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options)
    {
        ReadOnlySpan<float> weights = options.ClassWeights;
        double sum = 0;
        foreach (int label in labels)
        {
            if (label != options.IgnoreIndex)
            {
                sum += weights.IsEmpty ? 1 : weights[label];
            }
        }

        return sum;
    }

    // ---- Validation: the fast class's rules (and, where it exposes them, its code), all checked before anything is
    // written, so that both reject exactly the same calls with the same exceptions; only the arithmetic is independent.

    internal static int ValidateLabels(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        int classCount = Kernels.SoftmaxCrossEntropy.ValidateLabelShape(logits.Length, labels, options);
        Kernels.SoftmaxCrossEntropy.ValidateArguments(
            logits, MemoryMarshal.Cast<int, float>(labels), nameof(labels), classCount, gradient, losses, logSumExp, options, reduction);
        return classCount;
    }

    internal static void ValidateTargets(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int classCount, Span<float> gradient, Span<float> losses, Span<float> logSumExp,
        SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        SpanGuard.OutputCount(classCount, nameof(classCount), logits.Length, nameof(logits));
        SpanGuard.SameLength(logits, nameof(logits), targets, nameof(targets));
        Kernels.SoftmaxCrossEntropy.ValidateArguments(logits, targets, nameof(targets), classCount, gradient, losses, logSumExp, options, reduction);
    }

    // The double-logit methods have no float spans to alias; they check shapes and options only.
    internal static int ValidateLabelShape(int logitsLength, ReadOnlySpan<int> labels, SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        int classCount = Kernels.SoftmaxCrossEntropy.ValidateLabelShape(logitsLength, labels, options);
        SoftmaxOptionsGuard.Validate(options, reduction, probabilityTargets: false);
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
        SoftmaxOptionsGuard.Validate(options, reduction, probabilityTargets: true);
    }

    private static void ValidateRow(ReadOnlySpan<double> logits, Span<double> gradient, SoftmaxCrossEntropyOptions options, bool probabilityTargets)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("'logits' is empty; a row has at least one class.", nameof(logits));
        }

        if (!gradient.IsEmpty && gradient.Length != logits.Length)
        {
            throw new ArgumentException($"'gradient' has length {gradient.Length}; it must be empty or have length {logits.Length} (one value per logit).", nameof(gradient));
        }

        if (gradient.Overlaps(logits, out int offset) && (offset != 0 || gradient.Length != logits.Length))
        {
            throw new ArgumentException("'gradient' overlaps 'logits' (only exactly the same memory, for in-place use, is allowed).", nameof(gradient));
        }

        SpanGuard.EmptyOrLength(options.ClassWeights, logits.Length, "options.ClassWeights", "one weight per class");
        SoftmaxOptionsGuard.Validate(options, Reduction.Sum, probabilityTargets);
    }
}
