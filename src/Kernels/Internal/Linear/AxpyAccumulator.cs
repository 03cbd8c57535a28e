using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>Column-wise accumulation of gradient blocks, lane-wise so every width gives the same bits.</summary>
internal static class AxpyAccumulator
{
    /// <summary>
    /// accumulator[j] += Σ_r deltas[r]·rows[r, j], where the inner sum runs over the block's rows in order, in
    /// float, starting from 0 (one FMA per row), and is then added to the accumulator.
    /// </summary>
    /// <remarks>
    /// Each column's sum is one chain of dependent FMAs, so a single vector of columns at a time would wait on the
    /// FMA latency every row. Up to 8 vectors of columns are carried through the rows together (the block is in L1,
    /// so re-reading its rows once per group of columns is cheap); every column still sees the same chain.
    /// </remarks>
    public static void AddBlock(ReadOnlySpan<float> deltas, ReadOnlySpan<float> rows, Span<float> accumulator)
    {
        BlockKernel kernel = new(deltas, rows, accumulator);
        SimdDispatch.Run<BlockKernel, bool>(ref kernel);
    }

    private readonly ref struct BlockKernel(ReadOnlySpan<float> deltas, ReadOnlySpan<float> rows, Span<float> accumulator) : ISimdKernel<bool>
    {
        private readonly ReadOnlySpan<float> _deltas = deltas;
        private readonly ReadOnlySpan<float> _rows = rows;
        private readonly Span<float> _accumulator = accumulator;

        public bool Run<T>() where T : struct, ISimdLanes<T>
        {
            AddBlock<T>(_deltas, _rows, _accumulator);
            return true;
        }
    }

    /// <summary><see cref="AddBlock"/> on lanes <typeparamref name="T"/>.</summary>
    public static void AddBlock<T>(ReadOnlySpan<float> deltas, ReadOnlySpan<float> rows, Span<float> accumulator) where T : struct, ISimdLanes<T>
    {
        ref float delta = ref MemoryMarshal.GetReference(deltas);
        ref float x = ref MemoryMarshal.GetReference(rows);
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        nuint d = (nuint)accumulator.Length, count = (nuint)deltas.Length, j = 0, c = (nuint)T.Count;
        for (; j + (8 * c) <= d; j += 8 * c)
        {
            T s0 = T.Create(0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (nuint r = 0; r < count; r++)
            {
                T dr = T.Create(Unsafe.Add(ref delta, r));
                ref float row = ref Unsafe.Add(ref x, (r * d) + j);
                s0 = T.FusedMultiplyAdd(dr, T.Load(ref row, 0), s0);
                s1 = T.FusedMultiplyAdd(dr, T.Load(ref row, c), s1);
                s2 = T.FusedMultiplyAdd(dr, T.Load(ref row, 2 * c), s2);
                s3 = T.FusedMultiplyAdd(dr, T.Load(ref row, 3 * c), s3);
                s4 = T.FusedMultiplyAdd(dr, T.Load(ref row, 4 * c), s4);
                s5 = T.FusedMultiplyAdd(dr, T.Load(ref row, 5 * c), s5);
                s6 = T.FusedMultiplyAdd(dr, T.Load(ref row, 6 * c), s6);
                s7 = T.FusedMultiplyAdd(dr, T.Load(ref row, 7 * c), s7);
            }

            ref float a = ref Unsafe.Add(ref acc, j);
            T.Store(T.Load(ref a, 0) + s0, ref a, 0);
            T.Store(T.Load(ref a, c) + s1, ref a, c);
            T.Store(T.Load(ref a, 2 * c) + s2, ref a, 2 * c);
            T.Store(T.Load(ref a, 3 * c) + s3, ref a, 3 * c);
            T.Store(T.Load(ref a, 4 * c) + s4, ref a, 4 * c);
            T.Store(T.Load(ref a, 5 * c) + s5, ref a, 5 * c);
            T.Store(T.Load(ref a, 6 * c) + s6, ref a, 6 * c);
            T.Store(T.Load(ref a, 7 * c) + s7, ref a, 7 * c);
        }

        for (; j + (4 * c) <= d; j += 4 * c)
        {
            T s0 = T.Create(0f), s1 = s0, s2 = s0, s3 = s0;
            for (nuint r = 0; r < count; r++)
            {
                T dr = T.Create(Unsafe.Add(ref delta, r));
                ref float row = ref Unsafe.Add(ref x, (r * d) + j);
                s0 = T.FusedMultiplyAdd(dr, T.Load(ref row, 0), s0);
                s1 = T.FusedMultiplyAdd(dr, T.Load(ref row, c), s1);
                s2 = T.FusedMultiplyAdd(dr, T.Load(ref row, 2 * c), s2);
                s3 = T.FusedMultiplyAdd(dr, T.Load(ref row, 3 * c), s3);
            }

            ref float a = ref Unsafe.Add(ref acc, j);
            T.Store(T.Load(ref a, 0) + s0, ref a, 0);
            T.Store(T.Load(ref a, c) + s1, ref a, c);
            T.Store(T.Load(ref a, 2 * c) + s2, ref a, 2 * c);
            T.Store(T.Load(ref a, 3 * c) + s3, ref a, 3 * c);
        }

        for (; j + c <= d; j += c)
        {
            T sum = T.Create(0f);
            for (nuint r = 0; r < count; r++)
            {
                sum = T.FusedMultiplyAdd(T.Create(Unsafe.Add(ref delta, r)), T.Load(ref x, (r * d) + j), sum);
            }

            T.Store(T.Load(ref acc, j) + sum, ref acc, j);
        }

        for (; j < d; j++)
        {
            float sum = 0f;
            for (nuint r = 0; r < count; r++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref delta, r), Unsafe.Add(ref x, (r * d) + j), sum);
            }

            Unsafe.Add(ref acc, j) += sum;
        }
    }

    /// <summary>
    /// <see cref="AddBlock{T}"/> for two consecutive blocks of <paramref name="blockRows"/> rows each (deltas and rows
    /// hold both, the first block first): the same two chains per column and the same two additions into the
    /// accumulator, in the same order, so the same bits as two calls. If <paramref name="next"/> (rows laid out like
    /// <paramref name="rows"/>) is not empty, its lines are requested in step with the rows read here.
    /// </summary>
    /// <remarks>
    /// <para>The two blocks' chains are independent until they reach the accumulator, so carrying them side by side
    /// doubles the FMAs in flight where a block alone has too few columns to hide the FMA latency (d = 64 is four
    /// Vector512 chains), and halves the per-block overhead.</para>
    /// <para>The rows here are already in L1, so without <paramref name="next"/> this loop, like the loss before it,
    /// issues no memory traffic, and the next pair's dots wait on memory. One hint per cache line of the next pair
    /// (of the columns the vector loops read), spread over the rows here, keeps the stream going meanwhile.</para>
    /// </remarks>
    public static unsafe void AddBlockPair<T>(ReadOnlySpan<float> deltas, ReadOnlySpan<float> rows, int blockRows, Span<float> accumulator, ReadOnlySpan<float> next = default) where T : struct, ISimdLanes<T>
    {
        ref float delta = ref MemoryMarshal.GetReference(deltas);
        ref float x = ref MemoryMarshal.GetReference(rows);
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        nuint d = (nuint)accumulator.Length, count = (nuint)blockRows, j = 0, c = (nuint)T.Count, second = count * d;
        ref float secondDelta = ref Unsafe.Add(ref delta, count);

        // Hints only (see PrefetchVectors); where the instruction does not exist none is given.
        bool prefetch = Sse.IsSupported && !next.IsEmpty;
        nint ahead = prefetch ? Unsafe.ByteOffset(ref x, ref MemoryMarshal.GetReference(next)) : 0;
        for (; j + (4 * c) <= d; j += 4 * c)
        {
            T s0 = T.Create(0f), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            for (nuint r = 0; r < count; r++)
            {
                T ds = T.Create(Unsafe.Add(ref delta, r));
                T dt = T.Create(Unsafe.Add(ref secondDelta, r));
                ref float row = ref Unsafe.Add(ref x, (r * d) + j);
                ref float secondRow = ref Unsafe.Add(ref row, second);
                if (prefetch)
                {
                    PrefetchVectors<T>(ref row, ahead, 4);
                    PrefetchVectors<T>(ref secondRow, ahead, 4);
                }

                s0 = T.FusedMultiplyAdd(ds, T.Load(ref row, 0), s0);
                t0 = T.FusedMultiplyAdd(dt, T.Load(ref secondRow, 0), t0);
                s1 = T.FusedMultiplyAdd(ds, T.Load(ref row, c), s1);
                t1 = T.FusedMultiplyAdd(dt, T.Load(ref secondRow, c), t1);
                s2 = T.FusedMultiplyAdd(ds, T.Load(ref row, 2 * c), s2);
                t2 = T.FusedMultiplyAdd(dt, T.Load(ref secondRow, 2 * c), t2);
                s3 = T.FusedMultiplyAdd(ds, T.Load(ref row, 3 * c), s3);
                t3 = T.FusedMultiplyAdd(dt, T.Load(ref secondRow, 3 * c), t3);
            }

            ref float a = ref Unsafe.Add(ref acc, j);
            T.Store(T.Load(ref a, 0) + s0 + t0, ref a, 0);
            T.Store(T.Load(ref a, c) + s1 + t1, ref a, c);
            T.Store(T.Load(ref a, 2 * c) + s2 + t2, ref a, 2 * c);
            T.Store(T.Load(ref a, 3 * c) + s3 + t3, ref a, 3 * c);
        }

        for (; j + c <= d; j += c)
        {
            T s = T.Create(0f), t = s;
            for (nuint r = 0; r < count; r++)
            {
                if (prefetch)
                {
                    PrefetchVectors<T>(ref Unsafe.Add(ref x, (r * d) + j), ahead, 1);
                    PrefetchVectors<T>(ref Unsafe.Add(ref x, second + (r * d) + j), ahead, 1);
                }

                s = T.FusedMultiplyAdd(T.Create(Unsafe.Add(ref delta, r)), T.Load(ref x, (r * d) + j), s);
                t = T.FusedMultiplyAdd(T.Create(Unsafe.Add(ref secondDelta, r)), T.Load(ref x, second + (r * d) + j), t);
            }

            T.Store(T.Load(ref acc, j) + s + t, ref acc, j);
        }

        for (; j < d; j++)
        {
            float s = 0f, t = 0f;
            for (nuint r = 0; r < count; r++)
            {
                s = MathF.FusedMultiplyAdd(Unsafe.Add(ref delta, r), Unsafe.Add(ref x, (r * d) + j), s);
                t = MathF.FusedMultiplyAdd(Unsafe.Add(ref secondDelta, r), Unsafe.Add(ref x, second + (r * d) + j), t);
            }

            Unsafe.Add(ref acc, j) = Unsafe.Add(ref acc, j) + s + t;
        }
    }

    /// <summary>
    /// Asks for the lines of <paramref name="vectors"/> vectors at <paramref name="ahead"/> bytes past
    /// <paramref name="source"/> (one hint per 64 bytes). A hint cannot fault, so an address past the data is harmless,
    /// and the pointer is not kept: a GC moving the array in between only makes one hint useless.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchVectors<T>(ref float source, nint ahead, int vectors) where T : struct, ISimdLanes<T>
    {
        byte* address = (byte*)Unsafe.AsPointer(ref source) + ahead;
        for (int offset = 0; offset < vectors * sizeof(float) * T.Count; offset += 64)
        {
            Sse.Prefetch0(address + offset);
        }
    }

    /// <summary>accumulator += addend, then addend = 0.</summary>
    public static void AddAndClear(Span<float> addend, Span<float> accumulator)
    {
        ref float a = ref MemoryMarshal.GetReference(addend);
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        nuint length = (nuint)accumulator.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                (Vector512.LoadUnsafe(ref acc, i) + Vector512.LoadUnsafe(ref a, i)).StoreUnsafe(ref acc, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref acc, i) += Unsafe.Add(ref a, i);
        }

        addend.Clear();
    }
}
