using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Internal.Drivers;
using Kernels.Internal.Softmax;
using Kernels.Internal.Linear;
using Kernels.Internal.Math;
using Kernels.Internal.Validation;

namespace Kernels;

/// <summary>
/// A fused dense output layer d→k ending in a softmax over k classes: z = x·W + b, the softmax cross-entropy cost
/// and every gradient (∂C/∂W, ∂C/∂b and, optionally, ∂C/∂X for the previous layer) in one streaming pass over the
/// features, with the options of <see cref="SoftmaxCrossEntropy"/> (label smoothing, ignore index, class weights,
/// z-loss).
/// </summary>
/// <remarks>
/// <para><b>Shapes</b> (row-major): features X n×d, weights W d×k (W[j, o] at j·k + o), bias b of length k,
/// labels y of length n; k = bias.Length ≥ 1 classes, n = labels.Length, d = features.Length / n (for n = 0,
/// d = weights.Length / k).</para>
/// <para><b>Semantics</b>: the cost and G = ∂C/∂Z are those of
/// <see cref="SoftmaxCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float}, Span{float}, SoftmaxCrossEntropyOptions, Reduction)"/>
/// applied to Z = X·W + b with the same options and reduction — G and the row losses bit for bit, the row losses
/// summed in row order (<see cref="Reduction.Mean"/> divides by the summed label weights of the rows not ignored,
/// computed by a pass over the labels before anything is written; when that sum is 0 the cost is 0 and every
/// gradient is 0); then ∂C/∂W = Xᵀ·G, ∂C/∂b = Σ_rows G, ∂C/∂X = G·Wᵀ.
/// Ignored rows have G = 0, so they contribute nothing to any gradient (unless a feature is infinite or NaN).</para>
/// <para><b>One pass</b>: rows are processed 32 at a time: their logits are computed into a stack tile, the
/// vectorized softmax pass replaces them by G, and their contributions to ∂W, ∂b and ∂X are made while the rows
/// are still in cache. The features are read from memory once.</para>
/// <para><b>Numerics and determinism</b>: z[r, o] is a chain of fused multiply-adds over j = 0..d-1 in order
/// starting from 0, plus b[o]; ∂x[r, j] the same over o = 0..k-1; ∂W is summed over fixed blocks of 16 rows in
/// float, groups of 32 blocks in float, and the groups in double (rounded once); ∂b and the cost (row losses in
/// row order) in double. Every order is fixed by indices alone, so every output bit is identical on every SIMD
/// width and for every alignment of the spans.</para>
/// <para><b>Memory</b>: nothing is allocated. The work space (padded copies of W and Wᵀ, the ∂W accumulators —
/// about 5·d·k floats — and the tiles) is taken from the stack up to 2 KB and rented from
/// <see cref="ArrayPool{T}.Shared"/> above that (e.g. d = 784, k = 10), which allocates only the first time a size
/// is needed; a call uses at most 16 KB of stack. No thread is started.</para>
/// <para><b>NaN and infinities</b> propagate: a NaN feature in row r makes z_r, hence the cost, every component of
/// ∂C/∂W and ∂C/∂b and row r of ∂C/∂X NaN; infinite logits have the limits documented by
/// <see cref="SoftmaxCrossEntropy"/>, but an infinite feature times a zero gradient gives NaN in ∂C/∂W. Every NaN
/// written is the one bit pattern of <see cref="float.NaN"/>, whichever input was NaN, so NaN outputs are
/// bit-identical on every width too.</para>
/// <para><b>Aliasing</b>: there is no in-place form; the outputs must not overlap any input (labels and class
/// weights included) or each other.</para>
/// </remarks>
[SkipLocalsInit]
public static class DenseSoftmaxCrossEntropy
{
    /// <summary>
    /// Returns the softmax cross-entropy cost of X·W + b against the labels and writes ∂C/∂W, ∂C/∂b and, unless
    /// <paramref name="inputGradient"/> is empty, ∂C/∂X.
    /// </summary>
    /// <param name="features">X, n×d row-major.</param>
    /// <param name="weights">W, d×k row-major: W[j, o] multiplies feature j into class o.</param>
    /// <param name="bias">b, length k ≥ 1 (the number of classes is taken from it).</param>
    /// <param name="labels">n class indices in [0, k), or the ignore index of <paramref name="options"/>.</param>
    /// <param name="weightGradient">Destination for ∂C/∂W = Xᵀ·G, d×k.</param>
    /// <param name="biasGradient">Destination for ∂C/∂b = Σ_rows G, length k.</param>
    /// <param name="inputGradient">Empty (not computed), or the destination for ∂C/∂X = G·Wᵀ, n×d.</param>
    /// <param name="options">Smoothing, ignore index, class weights (length k), z-loss; default for none.</param>
    /// <param name="reduction">Sum, or Mean (divided by the summed label weights of the rows not ignored).</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="bias"/> is empty; a length is inconsistent with n, d and k (the exception names the parameter);
    /// or an output overlaps an input or another output.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A label is outside [0, k) and not the ignore index; smoothing outside [0, 1]; z-loss weight negative or not
    /// finite; <paramref name="reduction"/> not defined.
    /// </exception>
    public static float CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient,
        SoftmaxCrossEntropyOptions options = default, Reduction reduction = Reduction.Mean)
    {
        (int n, int d, int k) = ValidateArguments(features, weights, bias, labels, weightGradient, biasGradient, inputGradient, options, reduction);
        bool mean = reduction == Reduction.Mean;
        double denominator = mean ? SoftmaxCrossEntropy.MeanDenominator(labels, options) : 1;

        const int Rows = DenseLayerPass.LossRows;
        int passLength = DenseLayerPass.WorkspaceLength(d, k, !inputGradient.IsEmpty);
        int length = checked(passLength + Rows);
        float[]? rented = length > DenseLayerPass.MaxStackFloats ? ArrayPool<float>.Shared.Rent(length) : null;
        Span<float> workspace = rented is null ? stackalloc float[length] : rented.AsSpan(0, length);
        DenseLayerPass pass = new(features, weights, bias, inputGradient, d, workspace[..passLength]);
        Span<float> rowLosses = workspace.Slice(passLength, Rows);

        // The per-call constants of SoftmaxCrossEntropy; a Mean over nothing has scale 0 (zero gradients).
        double exactScale = !mean ? 1 : denominator == 0 ? 0 : 1 / denominator;
        scoped SoftmaxPass softmax = new()
        {
            ClassCount = k,
            ClassWeights = options.ClassWeights,
            ClassWeightSum = (float)SoftmaxCrossEntropy.SumOfClassWeights(options.ClassWeights, k),
            Smoothing = options.LabelSmoothing,
            ZLossWeight = options.ZLossWeight,
            IgnoreIndex = options.IgnoreIndex,
            FocalGamma = options.FocalGamma,
            ExactScale = exactScale,
            Scale = (float)exactScale,
        };

        double total = 0;
        for (int first = 0; first < n; first += Rows)
        {
            int rows = System.Math.Min(Rows, n - first);
            Span<float> logits = pass.ComputeLogits(first, rows);
            softmax.Logits = logits;
            softmax.Labels = labels.Slice(first, rows);
            softmax.Gradient = logits;
            softmax.Losses = rowLosses[..rows];
            SoftmaxDriver.Run(softmax);

            // Row losses in row order (the driver's own total groups rows by the vector width).
            for (int r = 0; r < rows; r++)
            {
                total += rowLosses[r];
            }

            pass.Backward(first, rows);
        }

        pass.Finish(weightGradient, biasGradient);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        return LossMath.CanonicalNaN((float)(!mean ? total : denominator == 0 ? 0 : total / denominator));
    }

    /// <summary>The argument rules shared with <see cref="Reference.DenseSoftmaxCrossEntropy"/>; returns (n, d, k).</summary>
    internal static (int Samples, int Features, int Classes) ValidateArguments(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> weightGradient, ReadOnlySpan<float> biasGradient, ReadOnlySpan<float> inputGradient,
        SoftmaxCrossEntropyOptions options, Reduction reduction)
    {
        int k = DenseLayerGuard.OutputCount(bias);
        int n = labels.Length;
        int d = DenseLayerGuard.FeatureCount(features, weights, n, k, nameof(labels));
        SpanGuard.EmptyOrLength(options.ClassWeights, k, "options.ClassWeights", "one weight per class");
        DenseLayerGuard.Outputs(weightGradient, biasGradient, inputGradient, n, d, k);
        SoftmaxOptionsGuard.Validate(options, reduction, probabilityTargets: false);
        DenseLayerGuard.NoOverlaps(
            weightGradient, biasGradient, inputGradient, features, weights, bias,
            MemoryMarshal.Cast<int, float>(labels), nameof(labels), options.ClassWeights, "options.ClassWeights", default, string.Empty);
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)k && label != options.IgnoreIndex)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Every label must lie in [0, {k}) or equal the ignore index.");
            }
        }

        return (n, d, k);
    }
}
