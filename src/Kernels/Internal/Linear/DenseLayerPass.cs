using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>
/// The linear part of a fused dense layer d→k, one streaming pass over the features: for each batch of up to
/// <see cref="LossRows"/> rows, <see cref="ComputeLogits"/> writes Z = X·W + b into a small tile, the caller's loss
/// turns the tile into G = ∂C/∂Z in place, and <see cref="Backward"/> accumulates ∂W = Xᵀ·G and ∂b = Σ_rows G and
/// writes ∂X = G·Wᵀ while the rows are still in cache. <see cref="Finish"/> writes ∂W and ∂b.
/// </summary>
/// <remarks>
/// <para>Summation order, fixed by indices alone so every ISA gives the same bits (see <see cref="DenseTiles"/>):
/// z[r, o] = (Σ_j x[r, j]·W[j, o], fused multiply-adds in j order from 0) + b[o]; ∂x[r, j] = Σ_o G[r, o]·W[j, o]
/// in o order from 0. ∂W is summed over logical blocks of <see cref="BlockRows"/> rows: a float chain of FMAs over
/// the block's rows in order from 0, added into a float group accumulator; every <see cref="BlocksPerGroup"/>
/// blocks the group is added (exactly widened) into a double total, which is rounded to float once at the end. No
/// float partial holds more than 32 terms, so ∂W stays within a few float roundings of the exact sum of the block
/// partials whatever n is. ∂b is summed in double, row by row.</para>
/// <para>Work space (floats): weights padded to kPad columns (k rounded up to the vector width), the transposed
/// weights for ∂X, the group and total accumulators, and the tiles; see <see cref="WorkspaceLength"/>.</para>
/// </remarks>
internal ref struct DenseLayerPass
{
    /// <summary>The logical block of the ∂W sums, the same on every ISA.</summary>
    public const int BlockRows = 16;

    /// <summary>Rows per loss call: two blocks, so that a pointwise loss over LossRows·k elements is a whole number of 32-lane groups.</summary>
    public const int LossRows = 2 * BlockRows;

    /// <summary>Blocks added into the float group accumulator before it is added into the double total.</summary>
    public const int BlocksPerGroup = 32;

    /// <summary>
    /// The largest work space taken from the stack (2 KB); larger ones are rented from the shared array pool. A call
    /// promises at most 16 KB of stack, and the dense softmax layer's rows also go through the softmax kernel's 11 KB tiles.
    /// </summary>
    public const int MaxStackFloats = 512;

    private const int MaxPrefetchFeatures = 256;

    private readonly ReadOnlySpan<float> _features;
    private readonly Span<float> _inputGradient;
    private readonly int _d, _k, _kPad, _dPad;
    private readonly Span<float> _paddedWeights, _transposedWeights, _paddedBias, _group, _paddedLogits, _logits;
    private readonly Span<double> _weightSum, _biasSum;
    private int _blocksInGroup;

    /// <summary>Sets up the pass in <paramref name="workspace"/> (at least <see cref="WorkspaceLength"/> floats, any contents).</summary>
    public DenseLayerPass(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> inputGradient, int featureCount, Span<float> workspace)
    {
        int k = bias.Length, d = featureCount, width = ActiveSimd.Width;
        int kPad = RoundUp(k, width), dPad = RoundUp(d, width);
        _features = features;
        _inputGradient = inputGradient;
        _d = d;
        _k = k;
        _kPad = kPad;
        _dPad = dPad;

        // Doubles first, so they are 8-byte aligned when the work space is.
        int at = 0;
        _weightSum = MemoryMarshal.Cast<float, double>(Take(workspace, ref at, 2 * d * kPad));
        _biasSum = MemoryMarshal.Cast<float, double>(Take(workspace, ref at, 2 * kPad));
        _paddedWeights = Take(workspace, ref at, d * kPad);
        _transposedWeights = Take(workspace, ref at, inputGradient.IsEmpty ? 0 : k * dPad);
        _paddedBias = Take(workspace, ref at, kPad);
        _group = Take(workspace, ref at, d * kPad);
        _paddedLogits = Take(workspace, ref at, k == kPad ? 0 : LossRows * kPad);
        _logits = Take(workspace, ref at, (LossRows * k) + width);

        _weightSum.Clear();
        _biasSum.Clear();
        _group.Clear();
        _logits.Clear();
        _paddedBias.Clear();
        bias.CopyTo(_paddedBias);
        _paddedWeights.Clear();
        for (int j = 0; j < d; j++)
        {
            weights.Slice(j * k, k).CopyTo(_paddedWeights.Slice(j * kPad, k));
        }

        if (!inputGradient.IsEmpty)
        {
            _transposedWeights.Clear();
            ref float source = ref MemoryMarshal.GetReference(weights);
            ref float transposed = ref MemoryMarshal.GetReference(_transposedWeights);
            for (nint j = 0; j < d; j++)
            {
                for (nint o = 0; o < k; o++)
                {
                    Unsafe.Add(ref transposed, (o * dPad) + j) = Unsafe.Add(ref source, (j * k) + o);
                }
            }
        }
    }

    /// <summary>The work space, in floats, of a layer with d features and k outputs on this process's vector width.</summary>
    public static int WorkspaceLength(int featureCount, int outputCount, bool inputGradient)
    {
        long width = ActiveSimd.Width, d = featureCount, k = outputCount;
        long kPad = RoundUp(k, width), dPad = RoundUp(d, width);
        long length = (2 * d * kPad) + (2 * kPad) + (d * kPad) + (inputGradient ? k * dPad : 0) + kPad + (d * kPad)
            + (k == kPad ? 0 : LossRows * kPad) + (LossRows * k) + width;
        return checked((int)length);
    }

    /// <summary>
    /// Writes z[r, o] for rows first..first+rows-1 (rows ≤ <see cref="LossRows"/>) and returns them as a rows×k
    /// row-major tile; the caller replaces it in place by G = ∂C/∂Z before calling <see cref="Backward"/>.
    /// </summary>
    public Span<float> ComputeLogits(int first, int rows)
    {
        Dispatch(Step.ComputeLogits, first, rows);
        return _logits[..(rows * _k)];
    }

    /// <summary>Accumulates ∂W and ∂b and writes ∂X for the rows of the last <see cref="ComputeLogits"/>, whose tile now holds G.</summary>
    public void Backward(int first, int rows) => Dispatch(Step.Backward, first, rows);

    /// <summary>Adds the last group and writes ∂W (d×k) and ∂b (k), each rounded once from double, NaN canonical.</summary>
    public void Finish(Span<float> weightGradient, Span<float> biasGradient)
    {
        if (_blocksInGroup > 0)
        {
            Dispatch(Step.FlushGroup);
        }

        for (int j = 0; j < _d; j++)
        {
            Span<float> row = weightGradient.Slice(j * _k, _k);
            ReadOnlySpan<double> sums = _weightSum.Slice(j * _kPad, _k);
            for (int o = 0; o < row.Length; o++)
            {
                row[o] = LossMath.CanonicalNaN((float)sums[o]);
            }
        }

        for (int o = 0; o < _k; o++)
        {
            biasGradient[o] = LossMath.CanonicalNaN((float)_biasSum[o]);
        }
    }

    private readonly void ComputeLogits<T>(int first, int rows) where T : struct, ISimdLanes<T>
    {
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(_features), (nint)first * _d);
        PrefetchNext(first, rows);
        ref float logits = ref MemoryMarshal.GetReference(_logits);
        bool padded = _k != _kPad;
        ref float destination = ref padded ? ref MemoryMarshal.GetReference(_paddedLogits) : ref logits;
        DenseTiles.Multiply<T, AddBiasAndStore, FlagUnset>(
            rows, _kPad, _d, ref x, _d, 1, ref MemoryMarshal.GetReference(_paddedWeights), _kPad, ref destination, _kPad,
            ref MemoryMarshal.GetReference(_paddedBias));
        if (!padded)
        {
            return;
        }

        // Compact rows of kPad into rows of k. Whole vectors, rows in increasing order: the lanes a row's last chunk
        // spills into the next row are overwritten by that row, and the last row's spill lands in the tile's slack.
        for (int r = 0; r < rows; r++)
        {
            ref float source = ref Unsafe.Add(ref destination, r * _kPad);
            ref float target = ref Unsafe.Add(ref logits, r * _k);
            for (int c = 0; c < _kPad; c += T.Count)
            {
                T.Store(T.Load(ref source, (nuint)c), ref target, (nuint)c);
            }
        }
    }

    /// <summary>
    /// Asks for the next batch's rows while this one is computed. Short rows (d ≤ 256) are too short for the hardware
    /// prefetchers to ramp up on each of the 16 rows a tile reads at once, and a batch of them fits in L1; long rows
    /// stream well without help. Only where the instruction exists (x86); it changes no result.
    /// </summary>
    private readonly unsafe void PrefetchNext(int first, int rows)
    {
        if (!Sse.IsSupported || _d > MaxPrefetchFeatures)
        {
            return;
        }

        long start = (long)(first + rows) * _d, end = System.Math.Min(start + ((long)LossRows * _d), _features.Length);
        fixed (float* features = _features)
        {
            for (long i = start; i < end; i += 16)
            {
                Sse.Prefetch0(features + i);
            }
        }
    }

    private void Backward<T>(int first, int rows) where T : struct, ISimdLanes<T>
    {
        ref float features = ref MemoryMarshal.GetReference(_features);
        ref float gradient = ref MemoryMarshal.GetReference(_logits);
        ref float group = ref MemoryMarshal.GetReference(_group);

        // ∂W: A(j, r) = x[r, j] (unit row stride), B = G (stride k, read in whole chunks: lanes past k read the next
        // row or the tile's slack and only ever reach the padding columns of the group).
        for (int block = 0; block < rows; block += BlockRows)
        {
            int blockRows = System.Math.Min(BlockRows, rows - block);
            DenseTiles.Multiply<T, Accumulate, FlagSet>(
                _d, _kPad, blockRows, ref Unsafe.Add(ref features, (nint)(first + block) * _d), 1, _d,
                ref Unsafe.Add(ref gradient, block * _k), _k, ref group, _kPad, ref group);
            if (++_blocksInGroup == BlocksPerGroup)
            {
                FlushGroup<T>();
            }
        }

        // ∂b: row by row, each element exactly widened and added in double (on Vector512 with the sums of a chunk
        // held in registers across the rows: the same additions in the same order).
        ref double biasSum = ref MemoryMarshal.GetReference(_biasSum);
        if (typeof(T) == typeof(Lanes512))
        {
            for (int c = 0; c < _kPad; c += Lanes512.Count)
            {
                Vector512<double> low = Vector512.LoadUnsafe(ref biasSum, (nuint)c), high = Vector512.LoadUnsafe(ref biasSum, (nuint)c + 8);
                for (int r = 0; r < rows; r++)
                {
                    Vector512<float> g = Vector512.LoadUnsafe(ref gradient, (nuint)((r * _k) + c));
                    low += Vector512.WidenLower(g);
                    high += Vector512.WidenUpper(g);
                }

                low.StoreUnsafe(ref biasSum, (nuint)c);
                high.StoreUnsafe(ref biasSum, (nuint)c + 8);
            }
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref gradient, r * _k);
                for (int c = 0; c < _kPad; c += T.Count)
                {
                    T.AddWidened(T.Load(ref row, (nuint)c), ref biasSum, (nuint)c);
                }
            }
        }

        if (!_inputGradient.IsEmpty)
        {
            // ∂X = G·Wᵀ: A = G (rows of k), B = Wᵀ (k rows of dPad), written straight into the destination rows.
            ref float inputGradient = ref Unsafe.Add(ref MemoryMarshal.GetReference(_inputGradient), (nint)first * _d);
            DenseTiles.Multiply<T, StoreValid, FlagUnset>(
                rows, _d, _k, ref gradient, _k, 1, ref MemoryMarshal.GetReference(_transposedWeights), _dPad,
                ref inputGradient, _d, ref gradient);
        }
    }

    private void FlushGroup<T>() where T : struct, ISimdLanes<T>
    {
        ref float group = ref MemoryMarshal.GetReference(_group);
        ref double total = ref MemoryMarshal.GetReference(_weightSum);
        nuint length = (nuint)_group.Length;
        for (nuint i = 0; i < length; i += (nuint)T.Count)
        {
            T.AddWidened(T.Load(ref group, i), ref total, i);
        }

        _group.Clear();
        _blocksInGroup = 0;
    }

    private static Span<float> Take(Span<float> workspace, scoped ref int at, int length)
    {
        Span<float> part = workspace.Slice(at, length);
        at += length;
        return part;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Runs one step of the pass on the lanes <see cref="SimdDispatch"/> picks; the step may update the pass's state.</summary>
    private void Dispatch(Step step, int first = 0, int rows = 0)
    {
        StepKernel kernel = new(this, step, first, rows);
        SimdDispatch.Run<StepKernel, bool>(ref kernel);
        this = kernel.Pass;
    }

    private enum Step
    {
        ComputeLogits,
        Backward,
        FlushGroup,
    }

    /// <summary>A copy of the pass and the step to run (a ref field cannot refer to a ref struct; the copy is written back).</summary>
    private ref struct StepKernel(DenseLayerPass pass, Step step, int first, int rows) : ISimdKernel<bool>
    {
        public DenseLayerPass Pass = pass;

        public bool Run<T>() where T : struct, ISimdLanes<T>
        {
            switch (step)
            {
                case Step.ComputeLogits:
                    Pass.ComputeLogits<T>(first, rows);
                    break;
                case Step.Backward:
                    Pass.Backward<T>(first, rows);
                    break;
                default:
                    Pass.FlushGroup<T>();
                    break;
            }

            return true;
        }
    }
}
