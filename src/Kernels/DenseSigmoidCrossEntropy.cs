using System.Buffers;
using System.Runtime.CompilerServices;
using Kernels.Internal.Drivers;
using Kernels.Internal.Linear;
using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Simd;
using Kernels.Internal.Validation;

namespace Kernels;

/// <summary>
/// A fused dense output layer d→k ending in k independent sigmoids (multi-label, the generalized cross-entropy
/// C = -(1/n) Σx Σj [y ln a + (1-y) ln(1-a)]): z = x·W + b, the binary cross-entropy cost and every gradient
/// (∂C/∂W, ∂C/∂b and, optionally, ∂C/∂X for the previous layer) in one streaming pass over the features.
/// </summary>
/// <remarks>
/// <para><b>Shapes</b> (row-major): features X n×d, weights W d×k (W[j, o] at j·k + o), bias b of length k,
/// targets Y n×k; k = bias.Length ≥ 1, n = targets.Length / k, d = features.Length / n (for n = 0,
/// d = weights.Length / k).</para>
/// <para><b>Semantics</b>: the cost and G = ∂C/∂Z are those of
/// <see cref="BinaryCrossEntropy.CostAndGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Reduction)"/>
/// applied to Z = X·W + b (stable logits form, per-sample weights w_i, per-output positive weights p_o;
/// <see cref="Reduction.Mean"/> divides by n samples, not n·k) — G bit for bit, the cost summed in another fixed
/// order; then ∂C/∂W = Xᵀ·G, ∂C/∂b = Σ_rows G, ∂C/∂X = G·Wᵀ. The σ'(z) factor cancels:
/// G = s·w_i·(σ(z)·(1 + (p_o - 1)·y) - p_o·y).</para>
/// <para><b>One pass</b>: rows are processed 32 at a time: their logits are computed into a stack tile, the
/// vectorized loss replaces them by G, and their contributions to ∂W, ∂b and ∂X are made while the rows are
/// still in cache. The features are read from memory once.</para>
/// <para><b>Numerics and determinism</b>: z[r, o] is a chain of fused multiply-adds over j = 0..d-1 in order
/// starting from 0, plus b[o]; ∂x[r, j] the same over o = 0..k-1; ∂W is summed over fixed blocks of 16 rows in
/// float, groups of 32 blocks in float, and the groups in double (rounded once); ∂b in double row by row; the
/// cost in double (32 logical lanes per batch of 32 rows, batches in order). Every order is fixed by indices
/// alone, so every output bit is identical on every SIMD width (512, 256, 128 bits, scalar) and for every
/// alignment of the spans.</para>
/// <para><b>Memory</b>: nothing is allocated. The work space (padded copies of W and Wᵀ, the ∂W accumulators —
/// about 5·d·k floats — and the tiles) is taken from the stack up to 2 KB and rented from
/// <see cref="ArrayPool{T}.Shared"/> above that (e.g. d = 784, k = 10), which allocates only the first time a size
/// is needed; a call uses at most 16 KB of stack. No thread is started.</para>
/// <para><b>NaN and infinities</b> propagate: a NaN feature in row r makes z_r, hence the cost, every component of
/// ∂C/∂W and ∂C/∂b and row r of ∂C/∂X NaN; an infinite logit has the limits documented by
/// <see cref="BinaryCrossEntropy"/>, but an infinite feature times a zero gradient gives NaN in ∂C/∂W. Targets and
/// weights are not range-checked. Every NaN written is the one bit pattern of <see cref="float.NaN"/>, whichever
/// input was NaN, so NaN outputs are bit-identical on every width too.</para>
/// <para><b>Aliasing</b>: there is no in-place form; the outputs must not overlap any input or each other.</para>
/// </remarks>
[SkipLocalsInit]
public static class DenseSigmoidCrossEntropy
{
    /// <summary>
    /// Returns the cost of σ(X·W + b) against the targets and writes ∂C/∂W, ∂C/∂b and, unless
    /// <paramref name="inputGradient"/> is empty, ∂C/∂X.
    /// </summary>
    /// <param name="features">X, n×d row-major.</param>
    /// <param name="weights">W, d×k row-major: W[j, o] multiplies feature j into output o.</param>
    /// <param name="bias">b, length k ≥ 1 (k is taken from it).</param>
    /// <param name="targets">Y, n×k row-major (any real; not range-checked).</param>
    /// <param name="sampleWeights">Empty, or n per-sample weights w_i scaling each sample's loss and gradient.</param>
    /// <param name="positiveWeights">Empty, or k per-output positive weights p_o (PyTorch's pos_weight).</param>
    /// <param name="weightGradient">Destination for ∂C/∂W = Xᵀ·G, d×k.</param>
    /// <param name="biasGradient">Destination for ∂C/∂b = Σ_rows G, length k.</param>
    /// <param name="inputGradient">Empty (not computed), or the destination for ∂C/∂X = G·Wᵀ, n×d.</param>
    /// <param name="reduction">Sum (s = 1), or Mean over the n samples (s = 1/n; an empty batch costs 0 with zero gradients).</param>
    /// <returns>The cost.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="bias"/> is empty; a length is inconsistent with n, d and k (the exception names the parameter);
    /// or an output overlaps an input or another output.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not defined.</exception>
    public static float CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> inputGradient, Reduction reduction = Reduction.Mean)
    {
        (int n, int d, int k) = ValidateArguments(
            features, weights, bias, targets, sampleWeights, positiveWeights, weightGradient, biasGradient, inputGradient, reduction);
        float scale = ReductionGuard.GradientScale(reduction, n);

        bool hasSampleWeights = !sampleWeights.IsEmpty, hasPositiveWeights = !positiveWeights.IsEmpty;
        const int Rows = DenseLayerPass.LossRows;
        int passLength = DenseLayerPass.WorkspaceLength(d, k, !inputGradient.IsEmpty);
        int tileLength = Rows * k;
        int length = checked(passLength + (hasSampleWeights ? tileLength : 0) + (hasPositiveWeights ? tileLength : 0));
        float[]? rented = length > DenseLayerPass.MaxStackFloats ? ArrayPool<float>.Shared.Rent(length) : null;
        Span<float> workspace = rented is null ? stackalloc float[length] : rented.AsSpan(0, length);

        DenseLayerPass pass = new(features, weights, bias, inputGradient, d, workspace[..passLength]);
        Span<float> elementWeights = hasSampleWeights ? workspace.Slice(passLength, tileLength) : default;
        Span<float> elementPositiveWeights = hasPositiveWeights ? workspace.Slice(passLength + elementWeights.Length, tileLength) : default;
        for (int r = 0; r < Rows && hasPositiveWeights; r++)
        {
            positiveWeights.CopyTo(elementPositiveWeights.Slice(r * k, k));
        }

        double total = 0;
        for (int first = 0; first < n; first += Rows)
        {
            int rows = System.Math.Min(Rows, n - first);
            Span<float> logits = pass.ComputeLogits(first, rows);
            for (int r = 0; r < rows && hasSampleWeights; r++)
            {
                elementWeights.Slice(r * k, k).Fill(sampleWeights[first + r]);
            }

            // The multi-output loss of BinaryCrossEntropy on the block, flat: the sample weight of each element's row
            // scales its loss and gradient (the gradient scale s·w_i is the same float product as in the per-row pass).
            PointwiseLossPass loss = new()
            {
                Predictions = logits,
                Targets = targets.Slice(first * k, rows * k),
                ElementWeights = hasSampleWeights ? elementWeights[..logits.Length] : default,
                GradientScale = scale,
                Gradient = logits,
            };
            total += hasPositiveWeights
                ? PointwiseLossDriver.Run(loss, new SigmoidCrossEntropyOperator<FlagSet, FlagSet>(elementPositiveWeights[..logits.Length]), out _)
                : PointwiseLossDriver.Run(loss, new SigmoidCrossEntropyOperator<FlagUnset, FlagUnset>(1f), out _);
            pass.Backward(first, rows);
        }

        pass.Finish(weightGradient, biasGradient);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        return ReductionGuard.Cost(reduction, total, n);
    }

    /// <summary>The argument rules shared with <see cref="Reference.DenseSigmoidCrossEntropy"/>; returns (n, d, k).</summary>
    internal static (int Samples, int Features, int Outputs) ValidateArguments(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, ReadOnlySpan<float> positiveWeights,
        ReadOnlySpan<float> weightGradient, ReadOnlySpan<float> biasGradient, ReadOnlySpan<float> inputGradient, Reduction reduction)
    {
        int k = DenseLayerGuard.OutputCount(bias);
        int n = SpanGuard.OutputCount(k, "bias.Length", targets.Length, nameof(targets));
        int d = DenseLayerGuard.FeatureCount(features, weights, n, k, nameof(targets));
        SpanGuard.EmptyOrLength(sampleWeights, n, nameof(sampleWeights), "one weight per sample");
        SpanGuard.EmptyOrLength(positiveWeights, k, nameof(positiveWeights), "one weight per output");
        DenseLayerGuard.Outputs(weightGradient, biasGradient, inputGradient, n, d, k);
        DenseLayerGuard.Reduction(reduction);
        DenseLayerGuard.NoOverlaps(
            weightGradient, biasGradient, inputGradient, features, weights, bias,
            targets, nameof(targets), sampleWeights, nameof(sampleWeights), positiveWeights, nameof(positiveWeights));
        return (n, d, k);
    }
}
