using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>
/// The fused logistic-regression step in one streaming pass over the features, a block of rows at a time:
/// z = X_block·w + b (deterministic dots), the binary cross-entropy of the block's z gives the loss and
/// δ = s·(σ(z) - y), then ∂w += Σ δ_r·x_r while the block's rows are still in L1.
/// </summary>
/// <remarks>
/// <para>Summation is fixed by row index: each component of ∂w is accumulated in float over a block of
/// <see cref="BlockRows"/> rows, blocks are added into a second float accumulator, and every
/// <see cref="BlocksPerGroup"/> blocks that is added into the output. No float partial ever holds more than
/// 32 terms (or n/1024 at the top), which keeps ∂w within ~1e-7 relative of a double sum at n = 2^20.</para>
/// <para>The loss and δ of row i are exactly what <see cref="Drivers.PointwiseLossDriver"/> computes for element i of a
/// binary cross-entropy pass over the logits (same operator, same canonical NaN), and, like there, the losses and
/// the δ are summed in double into logical lane i mod 32, the lanes added in order at the end. The operator is
/// called here directly on the block's logits: a block is one 32-lane group, and going through the driver per
/// block cost its dispatch and a 32-term horizontal sum every 32 rows.</para>
/// <para>For short rows (d ≤ 128, blocks walked in pairs) the features are prefetched in software, twice over: the dots
/// ask for the lines one block ahead of the rows they read, and the ∂w loop asks for the next pair while it works
/// on rows already in L1. Without them the loss and ∂w phases issue no memory traffic, the stream stalls with
/// them, and each pair's dots wait on memory: at n·d = 65,536 × 64 (16 MB, L3) the pass took about the read time
/// plus its arithmetic, 1.4–2× a plain read of the features. With both, the arithmetic runs under the stream
/// (up to 1.5× faster there); the dots' hints carry most of the gain, the ∂w loop's add to it. Long rows
/// (d = 256, 256 MB) measured no gain from the dots' hints and are left to the hardware. Hints change no result.</para>
/// </remarks>
[SkipLocalsInit]
internal static class LogisticRegressionPass
{
    public const int BlockRows = LaneSum.LaneCount;
    private const int BlocksPerGroup = 32;

    /// <summary>
    /// Largest d for which two blocks are walked together (64 rows, at most 32 KB, stay in L1 until their ∂w is
    /// accumulated): see <see cref="AxpyAccumulator.AddBlockPair{T}"/>.
    /// </summary>
    private const int MaxPairFeatures = 128;

    /// <summary>Largest d whose group accumulator lives on the stack (4·d bytes = 8 KB; a call promises at most 16 KB); larger d rent it.</summary>
    private const int MaxStackFeatures = 2048;

    public static double Run(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, ReadOnlySpan<float> targets,
        float scale, Span<float> weightGradient, out double biasGradient)
    {
        int d = weights.Length;
        float[]? rented = d > MaxStackFeatures ? ArrayPool<float>.Shared.Rent(d) : null;
        Span<float> groupSum = rented is null ? stackalloc float[d] : rented.AsSpan(0, d);
        groupSum.Clear();
        weightGradient.Clear();

        Blocks pass = new(features, weights, bias, targets, scale, weightGradient, groupSum);
        SimdDispatch.Run<Blocks, bool>(ref pass);

        AxpyAccumulator.AddAndClear(groupSum, weightGradient);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        for (int j = 0; j < d; j++)
        {
            weightGradient[j] = LossMath.CanonicalNaN(weightGradient[j]);
        }

        biasGradient = pass.DeltaSum.Total();
        return pass.LossSum.Total();
    }

    public static void Predict(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, Span<float> probabilities)
    {
        int d = weights.Length;
        for (int first = 0; first < probabilities.Length; first += BlockRows)
        {
            int rows = System.Math.Min(BlockRows, probabilities.Length - first);
            DeterministicDot.ComputeRows(features.Slice(first * d, rows * d), weights, bias, probabilities.Slice(first, rows));
        }

        SigmoidPass.Apply(probabilities);
    }

    /// <summary>The state of one <see cref="Run"/>: inputs, the block's logits and δ, and the sums.</summary>
    private ref struct Blocks : ISimdKernel<bool>
    {
        public LaneSum LossSum;
        public LaneSum DeltaSum;

        private readonly ReadOnlySpan<float> _features, _weights, _targets;
        private readonly Span<float> _weightGradient, _groupSum;
        private readonly float _bias, _scale;
        private BlockBuffer _logits, _deltas;

        public Blocks(
            ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, ReadOnlySpan<float> targets,
            float scale, Span<float> weightGradient, Span<float> groupSum)
        {
            _features = features;
            _weights = weights;
            _bias = bias;
            _targets = targets;
            _scale = scale;
            _weightGradient = weightGradient;
            _groupSum = groupSum;
        }

        public bool Run<T>() where T : struct, ISimdLanes<T>
        {
            int d = _weights.Length, n = _targets.Length, blocksInGroup = 0;
            int stride = d <= MaxPairFeatures ? 2 * BlockRows : BlockRows;
            Span<float> logits = _logits, deltas = _deltas;
            for (int first = 0; first < n; first += stride)
            {
                int rows = System.Math.Min(stride, n - first);
                ReadOnlySpan<float> block = _features.Slice(first * d, rows * d);
                DeterministicDot.ComputeRows(block, _weights, _bias, logits[..rows], DotPrefetch(first, rows));

                ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(_targets), first);
                int lane = 0, groups = rows & ~(BlockRows - 1);
                for (; lane < groups; lane += T.Count)
                {
                    Loss<T>(ref y, lane);
                }

                // The last, partial block element by element, into the same logical lanes.
                for (; lane < rows; lane++)
                {
                    Loss<ScalarLanes>(ref y, lane);
                }

                if (rows == 2 * BlockRows)
                {
                    AxpyAccumulator.AddBlockPair<T>(deltas[..rows], block, BlockRows, _groupSum, NextPair(first + stride));
                    blocksInGroup += 2;
                    Flush(ref blocksInGroup);
                    continue;
                }

                for (int start = 0; start < rows; start += BlockRows)
                {
                    int count = System.Math.Min(BlockRows, rows - start);
                    AxpyAccumulator.AddBlock<T>(deltas.Slice(start, count), block.Slice(start * d, count * d), _groupSum);
                    blocksInGroup++;
                    Flush(ref blocksInGroup);
                }
            }

            return true;
        }

        /// <summary>
        /// How far ahead the dots of rows first..first+rows-1 prefetch: one block of rows, if those rows exist and are
        /// short (see the class remarks); 0 for none.
        /// </summary>
        private readonly nint DotPrefetch(int first, int rows)
        {
            long d = _weights.Length;
            return d <= MaxPairFeatures && (first + rows + BlockRows) * d <= _features.Length ? (nint)(BlockRows * d * sizeof(float)) : 0;
        }

        /// <summary>The pair of blocks starting at row <paramref name="first"/>, for prefetching, or empty if it is not whole.</summary>
        private readonly ReadOnlySpan<float> NextPair(int first)
        {
            long d = _weights.Length, start = first * d, length = 2 * BlockRows * d;
            return start + length <= _features.Length ? _features.Slice((int)start, (int)length) : default;
        }

        private readonly void Flush(ref int blocksInGroup)
        {
            if (blocksInGroup == BlocksPerGroup)
            {
                AxpyAccumulator.AddAndClear(_groupSum, _weightGradient);
                blocksInGroup = 0;
            }
        }

        /// <summary>Loss and δ of the block's rows lane..lane+T.Count-1, as <see cref="Drivers.PointwiseLossDriver"/>'s step computes them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Loss<T>(ref float targets, int lane) where T : struct, ISimdLanes<T>
        {
            T z = T.Load(ref _logits[0], (nuint)lane);
            T loss = default(SigmoidCrossEntropyOperator<FlagUnset, FlagUnset>).Invoke(z, T.Load(ref targets, (nuint)lane), 0, out T gradient);
            T delta = LossMath.CanonicalNaN(gradient * T.Create(_scale));
            T.Store(delta, ref _deltas[0], (nuint)lane);
            LossSum.Add(LossMath.CanonicalNaN(loss), lane % LaneSum.LaneCount);
            DeltaSum.Add(delta, lane % LaneSum.LaneCount);
        }
    }

    [InlineArray(2 * BlockRows)]
    private struct BlockBuffer
    {
        private float _element;
    }
}
