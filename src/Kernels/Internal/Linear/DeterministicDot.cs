using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>
/// x·w with a summation order fixed by element index, not by hardware: element j is fused-multiply-added into
/// logical lane j mod 32 in order, and the lanes are reduced by <see cref="LaneTree"/>'s fixed tree. Every ISA
/// gives the same bits (unlike <c>TensorPrimitives.Dot</c>, whose order depends on the vector width).
/// </summary>
[SkipLocalsInit]
internal static class DeterministicDot
{
    private const int Lanes = LaneSum.LaneCount;

    /// <summary>Rows reduced together by <see cref="ComputeRows"/>'s transposed tree: one Vector512 of results.</summary>
    private const int TransposedRows = 16;

    /// <summary>
    /// logits[r] = rows[r]·w + bias for a row-major block of logits.Length rows of w.Length elements, each row's dot
    /// with the same bits as <see cref="Compute"/>. If <paramref name="prefetchBytes"/> is not 0, the cache lines that
    /// far past the rows are requested while the rows are read (a hint only: it changes no result).
    /// </summary>
    /// <remarks>
    /// <para>On Vector512, when every row is whole 32-lane groups, 16 rows are reduced at once: the lane tree's levels
    /// 8, 4, 2 and 1 are lane-wise additions, so pairs of rows can share one addition per level by shuffling their
    /// halves side by side. That replaces 16 separate horizontal reductions (each a chain of dependent shuffles)
    /// by 15 additions in all, with every lane adding the same two numbers as <see cref="LaneTree"/>.</para>
    /// <para>Only that path prefetches: the per-row path is bound by its own arithmetic, not by the reads.</para>
    /// </remarks>
    public static void ComputeRows(ReadOnlySpan<float> rows, ReadOnlySpan<float> w, float bias, Span<float> logits, nint prefetchBytes = 0)
    {
        int d = w.Length, count = logits.Length, r = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && d > 0 && d % Lanes == 0)
        {
            ref float x = ref MemoryMarshal.GetReference(rows);
            ref float ws = ref MemoryMarshal.GetReference(w);
            ref float z = ref MemoryMarshal.GetReference(logits);
            for (; r + TransposedRows <= count; r += TransposedRows)
            {
                Rows16(ref Unsafe.Add(ref x, (nint)r * d), ref ws, (nuint)d, bias, ref Unsafe.Add(ref z, r), prefetchBytes);
            }
        }

        for (; r < count; r++)
        {
            logits[r] = Compute(rows.Slice(r * d, d), w) + bias;
        }
    }

    /// <summary>x·w on the lanes <see cref="SimdDispatch"/> picks.</summary>
    /// <remarks>
    /// The one place in Linear/ where per-width code is kept beside the generic form: on Vector512 and Vector256 the
    /// 32 logical lanes live in registers (<see cref="ComputeInRegisters"/>, <see cref="ComputeInRegisters256"/>)
    /// because the generic <see cref="Compute{T}"/> holds them in a stack buffer the JIT does not promote, and a
    /// store and a reload per 16 elements made a d = 64 row store-forwarding bound (commit dd1253b, which moved
    /// Vector256 to registers for that reason). Same FMAs per lane and the same tree, so the same bits.
    /// </remarks>
    public static float Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        DotKernel kernel = new(x, w);
        return SimdDispatch.Run<DotKernel, float>(ref kernel);
    }

    private readonly ref struct DotKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> w) : ISimdKernel<float>
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly ReadOnlySpan<float> _w = w;

        // typeof comparisons of a type parameter are JIT-time constants: each instantiation keeps one branch.
        public float Run<T>() where T : struct, ISimdLanes<T> =>
            typeof(T) == typeof(Lanes512) ? ComputeInRegisters(_x, _w) :
            typeof(T) == typeof(Lanes256) ? ComputeInRegisters256(_x, _w) :
            Compute<T>(_x, _w);
    }

    /// <summary>The lanes kept in memory: any width, used where speed matters less.</summary>
    public static float Compute<T>(ReadOnlySpan<float> x, ReadOnlySpan<float> w) where T : struct, ISimdLanes<T>
    {
        Unsafe.SkipInit(out LaneBuffer buffer);
        ref float lanes = ref buffer[0];
        T zero = T.Create(0f);
        for (int lane = 0; lane < Lanes; lane += T.Count)
        {
            T.Store(zero, ref lanes, (nuint)lane);
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(w);
        nuint length = (nuint)x.Length, i = 0;
        for (; i + Lanes <= length; i += Lanes)
        {
            for (int lane = 0; lane < Lanes; lane += T.Count)
            {
                nuint at = i + (nuint)lane;
                T.Store(T.FusedMultiplyAdd(T.Load(ref xs, at), T.Load(ref ws, at), T.Load(ref lanes, (nuint)lane)), ref lanes, (nuint)lane);
            }
        }

        return FinishWithTail(ref xs, ref ws, i, length, ref lanes);
    }

    /// <summary>
    /// The same operations with the 32 lanes held in two Vector512 registers (lanes 0-15 and 16-31): the memory
    /// form above round-trips every accumulator through a store and a load per 16 elements, which bounds a
    /// d = 64 row by store-forwarding latency.
    /// </summary>
    private static float ComputeInRegisters(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(w);
        nuint length = (nuint)x.Length, i = 0;
        Vector512<float> low = Vector512<float>.Zero, high = Vector512<float>.Zero;
        for (; i + Lanes <= length; i += Lanes)
        {
            low = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, i), Vector512.LoadUnsafe(ref ws, i), low);
            high = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, i + 16), Vector512.LoadUnsafe(ref ws, i + 16), high);
        }

        if (i < length)
        {
            Unsafe.SkipInit(out LaneBuffer buffer);
            ref float lanes = ref buffer[0];
            low.StoreUnsafe(ref lanes);
            high.StoreUnsafe(ref lanes, 16);
            return FinishWithTail(ref xs, ref ws, i, length, ref lanes);
        }

        // LaneTree's levels 16, 8, 4, 2, 1 on registers: the same lane-wise additions in the same order.
        Vector512<float> sum16 = low + high;
        Vector256<float> sum8 = sum16.GetLower() + sum16.GetUpper();
        Vector128<float> sum4 = sum8.GetLower() + sum8.GetUpper();
        Vector128<float> sum2 = sum4 + Vector128.Shuffle(sum4, Vector128.Create(2, 3, 2, 3));
        return sum2.ToScalar() + sum2.GetElement(1);
    }

    /// <summary>
    /// <see cref="ComputeInRegisters"/> on Vector256: lanes 0-7, 8-15, 16-23 and 24-31 in four registers, the same
    /// FMAs per lane and the same tree (level 16 adds the third register to the first and the fourth to the second).
    /// </summary>
    private static float ComputeInRegisters256(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ws = ref MemoryMarshal.GetReference(w);
        nuint length = (nuint)x.Length, i = 0;
        Vector256<float> lanes0 = Vector256<float>.Zero, lanes8 = lanes0, lanes16 = lanes0, lanes24 = lanes0;
        for (; i + Lanes <= length; i += Lanes)
        {
            lanes0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, i), Vector256.LoadUnsafe(ref ws, i), lanes0);
            lanes8 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, i + 8), Vector256.LoadUnsafe(ref ws, i + 8), lanes8);
            lanes16 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, i + 16), Vector256.LoadUnsafe(ref ws, i + 16), lanes16);
            lanes24 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, i + 24), Vector256.LoadUnsafe(ref ws, i + 24), lanes24);
        }

        if (i < length)
        {
            Unsafe.SkipInit(out LaneBuffer buffer);
            ref float lanes = ref buffer[0];
            lanes0.StoreUnsafe(ref lanes);
            lanes8.StoreUnsafe(ref lanes, 8);
            lanes16.StoreUnsafe(ref lanes, 16);
            lanes24.StoreUnsafe(ref lanes, 24);
            return FinishWithTail(ref xs, ref ws, i, length, ref lanes);
        }

        Vector256<float> sum8 = (lanes0 + lanes16) + (lanes8 + lanes24);
        Vector128<float> sum4 = sum8.GetLower() + sum8.GetUpper();
        Vector128<float> sum2 = sum4 + Vector128.Shuffle(sum4, Vector128.Create(2, 3, 2, 3));
        return sum2.ToScalar() + sum2.GetElement(1);
    }

    /// <summary>16 rows of <see cref="ComputeInRegisters"/> (d a positive multiple of 32), reduced together.</summary>
    private static void Rows16(ref float x, ref float w, nuint d, float bias, ref float logits, nint prefetchBytes)
    {
        // Level 16 of the tree for 4 rows at a time, then levels 8 and 4 pair them into one vector: 4 lanes per row.
        Vector512<float> rows0 = Quad(ref x, ref w, d, prefetchBytes);
        Vector512<float> rows4 = Quad(ref Unsafe.Add(ref x, 4 * d), ref w, d, prefetchBytes);
        Vector512<float> rows8 = Quad(ref Unsafe.Add(ref x, 8 * d), ref w, d, prefetchBytes);
        Vector512<float> rows12 = Quad(ref Unsafe.Add(ref x, 12 * d), ref w, d, prefetchBytes);

        // Level 2 (lanes 0+2, 1+3 of each row), then level 1: 128-bit lane q, element p now holds row 4p + q.
        Vector512<float> pairs0 = Avx512F.Shuffle(rows0, rows4, 0x44) + Avx512F.Shuffle(rows0, rows4, 0xEE);
        Vector512<float> pairs8 = Avx512F.Shuffle(rows8, rows12, 0x44) + Avx512F.Shuffle(rows8, rows12, 0xEE);
        Vector512<float> sums = Avx512F.Shuffle(pairs0, pairs8, 0x88) + Avx512F.Shuffle(pairs0, pairs8, 0xDD);
        Vector512<float> inRowOrder = Vector512.Shuffle(sums, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
        (inRowOrder + Vector512.Create(bias)).StoreUnsafe(ref logits);
    }

    /// <summary>
    /// Four rows' lanes through levels 16, 8 and 4 of the tree: 128-bit lane q holds lanes 0-3 of row q. The rows'
    /// dots run side by side so that their eight dependency chains overlap. Their lines <paramref name="prefetchBytes"/>
    /// further on are requested first, one hint per 64 bytes, eight per loop step (four rows of d, a multiple of 32,
    /// are a multiple of 512 bytes; a loop step per hint cost as many instructions as the dots' own). The pointer is
    /// not kept: a hint cannot fault, and a GC moving the array in between only makes the hints useless.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Quad(ref float x, ref float w, nuint d, nint prefetchBytes)
    {
        if (prefetchBytes != 0 && Sse.IsSupported)
        {
            byte* ahead = (byte*)Unsafe.AsPointer(ref x) + prefetchBytes;
            for (nuint offset = 0; offset < 4 * sizeof(float) * d; offset += 8 * 64)
            {
                Sse.Prefetch0(ahead + offset);
                Sse.Prefetch0(ahead + offset + 64);
                Sse.Prefetch0(ahead + offset + (2 * 64));
                Sse.Prefetch0(ahead + offset + (3 * 64));
                Sse.Prefetch0(ahead + offset + (4 * 64));
                Sse.Prefetch0(ahead + offset + (5 * 64));
                Sse.Prefetch0(ahead + offset + (6 * 64));
                Sse.Prefetch0(ahead + offset + (7 * 64));
            }
        }

        ref float x1 = ref Unsafe.Add(ref x, d);
        ref float x2 = ref Unsafe.Add(ref x, 2 * d);
        ref float x3 = ref Unsafe.Add(ref x, 3 * d);
        Vector512<float> low0 = Vector512<float>.Zero, high0 = low0, low1 = low0, high1 = low0;
        Vector512<float> low2 = low0, high2 = low0, low3 = low0, high3 = low0;
        for (nuint i = 0; i < d; i += Lanes)
        {
            Vector512<float> wLow = Vector512.LoadUnsafe(ref w, i), wHigh = Vector512.LoadUnsafe(ref w, i + 16);
            low0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, i), wLow, low0);
            high0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, i + 16), wHigh, high0);
            low1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, i), wLow, low1);
            high1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, i + 16), wHigh, high1);
            low2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, i), wLow, low2);
            high2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, i + 16), wHigh, high2);
            low3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, i), wLow, low3);
            high3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, i + 16), wHigh, high3);
        }

        // Level 16 per row; level 8 pairs rows (0, 1) and (2, 3) by 256-bit halves; level 4 pairs those by 128-bit lanes.
        Vector512<float> row0 = low0 + high0, row1 = low1 + high1, row2 = low2 + high2, row3 = low3 + high3;
        Vector512<float> rows01 = Avx512F.Shuffle4x128(row0, row1, 0x44) + Avx512F.Shuffle4x128(row0, row1, 0xEE);
        Vector512<float> rows23 = Avx512F.Shuffle4x128(row2, row3, 0x44) + Avx512F.Shuffle4x128(row2, row3, 0xEE);
        return Avx512F.Shuffle4x128(rows01, rows23, 0x88) + Avx512F.Shuffle4x128(rows01, rows23, 0xDD);
    }

    private static float FinishWithTail(ref float xs, ref float ws, nuint i, nuint length, ref float lanes)
    {
        for (; i < length; i++)
        {
            nuint lane = i % Lanes;
            Unsafe.Add(ref lanes, lane) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xs, i), Unsafe.Add(ref ws, i), Unsafe.Add(ref lanes, lane));
        }

        return LaneTree.Sum(ref lanes);
    }

    [InlineArray(Lanes)]
    private struct LaneBuffer
    {
        private float _element;
    }
}
