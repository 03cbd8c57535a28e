using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>
/// The one matrix product of the dense layers, C(i, c) ⊕= Σ_p A(i, p)·B(p, c), with lanes = columns c: each column
/// of each row is its own chain of fused multiply-adds over p = 0, 1, …, depth-1 in order, starting from 0. Lanes
/// never mix, so every vector width (and the scalar form) gives the same bits as a scalar loop in that order.
/// </summary>
/// <remarks>
/// <para>A is read by broadcasting single elements, A(i, p) = a[i·aRowStride + p·aDepthStride], so it can be a
/// row-major block (features for z = x·W, G for ∂X = G·Wᵀ) or a transposed view (features for ∂W = Xᵀ·G) without
/// copying. B is row-major with stride bStride; a chunk of <c>T.Count</c> columns is loaded per p, so B must be
/// readable up to the columns rounded up to the width (the callers pad or leave slack; lanes past the real columns
/// compute values that are never written to an output).</para>
/// <para>Register tiles of up to 8 rows (16 on Vector512, which has 32 registers) × one chunk: that many
/// independent chains per p, one load of B and one broadcast per row, enough to cover the FMA latency. Rows of at
/// least 64 columns on Vector512 use 4 rows × 4 chunks, so each row's 64 columns are written together. Vector512
/// and Vector256 run raw-vector copies of the tile (<see cref="Tile512"/>, <see cref="Tile256"/>): through the lane
/// wrapper the JIT copies every sum after every FMA. The generic <see cref="Tile"/> (Vector128, scalar) handles at
/// most 8 rows; 16-row tiles are only ever requested for Vector512.</para>
/// </remarks>
[SkipLocalsInit]
internal static class DenseTiles
{
    /// <summary>
    /// For i &lt; rows and column chunks c &lt; columns: acc = Σ_p A(i, p)·B(p, c..) then
    /// <typeparamref name="TEpilogue"/> combines acc with C(i, c..) = c[i·cRowStride + c..].
    /// </summary>
    public static void Multiply<T, TEpilogue, TUnitRowStride>(
        int rows, int columns, int depth, ref float a, nint aRowStride, nint aDepthStride,
        ref float b, nint bStride, ref float c, nint cRowStride, ref float bias)
        where T : struct, ISimdLanes<T>
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        int i = 0;
        if (typeof(T) == typeof(Lanes512) && columns >= Wide512Columns)
        {
            // Wide rows (∂X, or many outputs): 4 rows × 4 chunks per tile, each row's 64 columns written together.
            for (; i + 4 <= rows; i += 4)
            {
                Wide512<TEpilogue, TUnitRowStride>(columns, depth, ref Unsafe.Add(ref a, i * aRowStride), aRowStride, aDepthStride, ref b, bStride, ref Unsafe.Add(ref c, i * cRowStride), cRowStride, ref bias);
            }
        }
        else if (typeof(T) == typeof(Lanes512))
        {
            for (; i + 16 <= rows; i += 16)
            {
                Columns<T, TileRows16, TEpilogue, TUnitRowStride>(columns, depth, ref Unsafe.Add(ref a, i * aRowStride), aRowStride, aDepthStride, ref b, bStride, ref Unsafe.Add(ref c, i * cRowStride), cRowStride, ref bias);
            }
        }

        for (; i + 8 <= rows; i += 8)
        {
            Columns<T, TileRows8, TEpilogue, TUnitRowStride>(columns, depth, ref Unsafe.Add(ref a, i * aRowStride), aRowStride, aDepthStride, ref b, bStride, ref Unsafe.Add(ref c, i * cRowStride), cRowStride, ref bias);
        }

        if (rows - i >= 4)
        {
            Columns<T, TileRows4, TEpilogue, TUnitRowStride>(columns, depth, ref Unsafe.Add(ref a, i * aRowStride), aRowStride, aDepthStride, ref b, bStride, ref Unsafe.Add(ref c, i * cRowStride), cRowStride, ref bias);
            i += 4;
        }

        if (rows - i >= 2)
        {
            Columns<T, TileRows2, TEpilogue, TUnitRowStride>(columns, depth, ref Unsafe.Add(ref a, i * aRowStride), aRowStride, aDepthStride, ref b, bStride, ref Unsafe.Add(ref c, i * cRowStride), cRowStride, ref bias);
            i += 2;
        }

        if (rows - i >= 1)
        {
            Columns<T, TileRows1, TEpilogue, TUnitRowStride>(columns, depth, ref Unsafe.Add(ref a, i * aRowStride), aRowStride, aDepthStride, ref b, bStride, ref Unsafe.Add(ref c, i * cRowStride), cRowStride, ref bias);
        }
    }

    private static void Columns<T, TRows, TEpilogue, TUnitRowStride>(
        int columns, int depth, ref float a, nint aRowStride, nint aDepthStride,
        ref float b, nint bStride, ref float c, nint cRowStride, ref float bias)
        where T : struct, ISimdLanes<T>
        where TRows : ITileRows
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        for (int column = 0; column < columns; column += T.Count)
        {
            int valid = System.Math.Min(T.Count, columns - column);
            if (typeof(T) == typeof(Lanes512))
            {
                Tile512<TRows, TEpilogue, TUnitRowStride>(depth, ref a, aRowStride, aDepthStride, ref b, bStride, column, ref c, cRowStride, ref bias, valid);
            }
            else if (typeof(T) == typeof(Lanes256))
            {
                Tile256<TRows, TEpilogue, TUnitRowStride>(depth, ref a, aRowStride, aDepthStride, ref b, bStride, column, ref c, cRowStride, ref bias, valid);
            }
            else
            {
                Tile<T, TRows, TEpilogue, TUnitRowStride>(depth, ref a, aRowStride, aDepthStride, ref b, bStride, column, ref c, cRowStride, ref bias, valid);
            }
        }
    }

    /// <summary>
    /// <see cref="Tile"/> on raw <see cref="Vector512{T}"/>, up to 16 rows: the same lane-wise FMAs in the same order
    /// (the same bits), but the JIT keeps the sums in registers and folds the broadcasts into the FMAs
    /// (<c>vfmadd231ps zmm, zmm, [mem]{1to16}</c>); through the lane wrapper it copies every sum after every FMA.
    /// </summary>
    private static void Tile512<TRows, TEpilogue, TUnitRowStride>(
        int depth, ref float a, nint aRowStride, nint aDepthStride, ref float b, nint bStride, int column,
        ref float c, nint cRowStride, ref float bias, int valid)
        where TRows : ITileRows
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        int rowCount = TRows.Count;
        nint r1 = TUnitRowStride.IsSet ? 1 : aRowStride;
        nint r2 = r1 * 2, r3 = r1 * 3, r4 = r1 * 4;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        Vector512<float> s8 = default, s9 = default, s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
        nint at = 0, bt = column;
        for (int p = 0; p < depth; p++)
        {
            Vector512<float> bv = Vector512.LoadUnsafe(ref Unsafe.Add(ref b, bt));
            ref float ap = ref Unsafe.Add(ref a, at);
            s0 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(ap), s0);
            if (rowCount > 1)
            {
                s1 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref ap, r1)), s1);
            }

            if (rowCount > 2)
            {
                s2 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref ap, r2)), s2);
                s3 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref ap, r3)), s3);
            }

            if (rowCount > 4)
            {
                ref float aq = ref Unsafe.Add(ref ap, r4);
                s4 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(aq), s4);
                s5 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r1)), s5);
                s6 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r2)), s6);
                s7 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r3)), s7);
            }

            if (rowCount > 8)
            {
                ref float aq = ref Unsafe.Add(ref ap, r4 * 2);
                s8 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(aq), s8);
                s9 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r1)), s9);
                s10 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r2)), s10);
                s11 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r3)), s11);
                aq = ref Unsafe.Add(ref aq, r4);
                s12 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(aq), s12);
                s13 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r1)), s13);
                s14 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r2)), s14);
                s15 = Vector512.FusedMultiplyAdd(bv, Vector512.Create(Unsafe.Add(ref aq, r3)), s15);
            }

            at += aDepthStride;
            bt += bStride;
        }

        ref float cp = ref Unsafe.Add(ref c, column);
        ref float biasChunk = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias, column) : ref bias;
        Apply512<TEpilogue>(s0, ref cp, ref biasChunk, valid);
        if (rowCount > 1)
        {
            Apply512<TEpilogue>(s1, ref Unsafe.Add(ref cp, cRowStride), ref biasChunk, valid);
        }

        if (rowCount > 2)
        {
            Apply512<TEpilogue>(s2, ref Unsafe.Add(ref cp, cRowStride * 2), ref biasChunk, valid);
            Apply512<TEpilogue>(s3, ref Unsafe.Add(ref cp, cRowStride * 3), ref biasChunk, valid);
        }

        if (rowCount > 4)
        {
            Apply512<TEpilogue>(s4, ref Unsafe.Add(ref cp, cRowStride * 4), ref biasChunk, valid);
            Apply512<TEpilogue>(s5, ref Unsafe.Add(ref cp, cRowStride * 5), ref biasChunk, valid);
            Apply512<TEpilogue>(s6, ref Unsafe.Add(ref cp, cRowStride * 6), ref biasChunk, valid);
            Apply512<TEpilogue>(s7, ref Unsafe.Add(ref cp, cRowStride * 7), ref biasChunk, valid);
        }

        if (rowCount > 8)
        {
            Apply512<TEpilogue>(s8, ref Unsafe.Add(ref cp, cRowStride * 8), ref biasChunk, valid);
            Apply512<TEpilogue>(s9, ref Unsafe.Add(ref cp, cRowStride * 9), ref biasChunk, valid);
            Apply512<TEpilogue>(s10, ref Unsafe.Add(ref cp, cRowStride * 10), ref biasChunk, valid);
            Apply512<TEpilogue>(s11, ref Unsafe.Add(ref cp, cRowStride * 11), ref biasChunk, valid);
            Apply512<TEpilogue>(s12, ref Unsafe.Add(ref cp, cRowStride * 12), ref biasChunk, valid);
            Apply512<TEpilogue>(s13, ref Unsafe.Add(ref cp, cRowStride * 13), ref biasChunk, valid);
            Apply512<TEpilogue>(s14, ref Unsafe.Add(ref cp, cRowStride * 14), ref biasChunk, valid);
            Apply512<TEpilogue>(s15, ref Unsafe.Add(ref cp, cRowStride * 15), ref biasChunk, valid);
        }
    }

    /// <summary><see cref="Tile512"/> for Vector256 (up to 8 rows: AVX2 has 16 registers).</summary>
    private static void Tile256<TRows, TEpilogue, TUnitRowStride>(
        int depth, ref float a, nint aRowStride, nint aDepthStride, ref float b, nint bStride, int column,
        ref float c, nint cRowStride, ref float bias, int valid)
        where TRows : ITileRows
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        int rowCount = TRows.Count;
        nint r1 = TUnitRowStride.IsSet ? 1 : aRowStride;
        nint r2 = r1 * 2, r3 = r1 * 3, r4 = r1 * 4;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        nint at = 0, bt = column;
        for (int p = 0; p < depth; p++)
        {
            Vector256<float> bv = Vector256.LoadUnsafe(ref Unsafe.Add(ref b, bt));
            ref float ap = ref Unsafe.Add(ref a, at);
            s0 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(ap), s0);
            if (rowCount > 1)
            {
                s1 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(Unsafe.Add(ref ap, r1)), s1);
            }

            if (rowCount > 2)
            {
                s2 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(Unsafe.Add(ref ap, r2)), s2);
                s3 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(Unsafe.Add(ref ap, r3)), s3);
            }

            if (rowCount > 4)
            {
                ref float aq = ref Unsafe.Add(ref ap, r4);
                s4 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(aq), s4);
                s5 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(Unsafe.Add(ref aq, r1)), s5);
                s6 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(Unsafe.Add(ref aq, r2)), s6);
                s7 = Vector256.FusedMultiplyAdd(bv, Vector256.Create(Unsafe.Add(ref aq, r3)), s7);
            }

            at += aDepthStride;
            bt += bStride;
        }

        ref float cp = ref Unsafe.Add(ref c, column);
        ref float biasChunk = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias, column) : ref bias;
        Apply256<TEpilogue>(s0, ref cp, ref biasChunk, valid);
        if (rowCount > 1)
        {
            Apply256<TEpilogue>(s1, ref Unsafe.Add(ref cp, cRowStride), ref biasChunk, valid);
        }

        if (rowCount > 2)
        {
            Apply256<TEpilogue>(s2, ref Unsafe.Add(ref cp, cRowStride * 2), ref biasChunk, valid);
            Apply256<TEpilogue>(s3, ref Unsafe.Add(ref cp, cRowStride * 3), ref biasChunk, valid);
        }

        if (rowCount > 4)
        {
            Apply256<TEpilogue>(s4, ref Unsafe.Add(ref cp, cRowStride * 4), ref biasChunk, valid);
            Apply256<TEpilogue>(s5, ref Unsafe.Add(ref cp, cRowStride * 5), ref biasChunk, valid);
            Apply256<TEpilogue>(s6, ref Unsafe.Add(ref cp, cRowStride * 6), ref biasChunk, valid);
            Apply256<TEpilogue>(s7, ref Unsafe.Add(ref cp, cRowStride * 7), ref biasChunk, valid);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply256<TEpilogue>(Vector256<float> sum, ref float destination, ref float bias, int valid)
        where TEpilogue : ITileEpilogue =>
        TEpilogue.Apply(Unsafe.As<Vector256<float>, Lanes256>(ref sum), ref destination, ref bias, valid);

    private const int Wide512Columns = 64;

    /// <summary>4 rows of <see cref="Multiply"/> on Vector512: 4×4-chunk tiles over the first columns, then single chunks.</summary>
    private static void Wide512<TEpilogue, TUnitRowStride>(
        int columns, int depth, ref float a, nint aRowStride, nint aDepthStride,
        ref float b, nint bStride, ref float c, nint cRowStride, ref float bias)
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        int column = 0;
        for (; column + Wide512Columns <= columns; column += Wide512Columns)
        {
            Tile512x4<TEpilogue, TUnitRowStride>(depth, ref a, aRowStride, aDepthStride, ref b, bStride, column, ref c, cRowStride, ref bias);
        }

        for (; column < columns; column += Lanes512.Count)
        {
            Tile512<TileRows4, TEpilogue, TUnitRowStride>(depth, ref a, aRowStride, aDepthStride, ref b, bStride, column, ref c, cRowStride, ref bias, System.Math.Min(Lanes512.Count, columns - column));
        }
    }

    /// <summary>4 rows × 4 chunks (64 columns) of sums, the same per-lane chains as <see cref="Tile512"/>.</summary>
    private static void Tile512x4<TEpilogue, TUnitRowStride>(
        int depth, ref float a, nint aRowStride, nint aDepthStride, ref float b, nint bStride, int column,
        ref float c, nint cRowStride, ref float bias)
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        nint r1 = TUnitRowStride.IsSet ? 1 : aRowStride;
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
        nint at = 0, bt = column;
        for (int p = 0; p < depth; p++)
        {
            ref float bp = ref Unsafe.Add(ref b, bt);
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bp);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref bp, 16);
            Vector512<float> b2 = Vector512.LoadUnsafe(ref bp, 32);
            Vector512<float> b3 = Vector512.LoadUnsafe(ref bp, 48);
            ref float ap = ref Unsafe.Add(ref a, at);
            Vector512<float> x = Vector512.Create(ap);
            s00 = Vector512.FusedMultiplyAdd(b0, x, s00);
            s01 = Vector512.FusedMultiplyAdd(b1, x, s01);
            s02 = Vector512.FusedMultiplyAdd(b2, x, s02);
            s03 = Vector512.FusedMultiplyAdd(b3, x, s03);
            x = Vector512.Create(Unsafe.Add(ref ap, r1));
            s10 = Vector512.FusedMultiplyAdd(b0, x, s10);
            s11 = Vector512.FusedMultiplyAdd(b1, x, s11);
            s12 = Vector512.FusedMultiplyAdd(b2, x, s12);
            s13 = Vector512.FusedMultiplyAdd(b3, x, s13);
            x = Vector512.Create(Unsafe.Add(ref ap, r1 * 2));
            s20 = Vector512.FusedMultiplyAdd(b0, x, s20);
            s21 = Vector512.FusedMultiplyAdd(b1, x, s21);
            s22 = Vector512.FusedMultiplyAdd(b2, x, s22);
            s23 = Vector512.FusedMultiplyAdd(b3, x, s23);
            x = Vector512.Create(Unsafe.Add(ref ap, r1 * 3));
            s30 = Vector512.FusedMultiplyAdd(b0, x, s30);
            s31 = Vector512.FusedMultiplyAdd(b1, x, s31);
            s32 = Vector512.FusedMultiplyAdd(b2, x, s32);
            s33 = Vector512.FusedMultiplyAdd(b3, x, s33);
            at += aDepthStride;
            bt += bStride;
        }

        ref float cp = ref Unsafe.Add(ref c, column);
        ref float bias0 = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias, column) : ref bias;
        ref float bias1 = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias0, 16) : ref bias;
        ref float bias2 = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias0, 32) : ref bias;
        ref float bias3 = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias0, 48) : ref bias;
        for (int row = 0; row < 4; row++)
        {
            ref float cr = ref Unsafe.Add(ref cp, cRowStride * row);
            (Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3) = row switch
            {
                0 => (s00, s01, s02, s03),
                1 => (s10, s11, s12, s13),
                2 => (s20, s21, s22, s23),
                _ => (s30, s31, s32, s33),
            };
            Apply512<TEpilogue>(v0, ref cr, ref bias0, 16);
            Apply512<TEpilogue>(v1, ref Unsafe.Add(ref cr, 16), ref bias1, 16);
            Apply512<TEpilogue>(v2, ref Unsafe.Add(ref cr, 32), ref bias2, 16);
            Apply512<TEpilogue>(v3, ref Unsafe.Add(ref cr, 48), ref bias3, 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply512<TEpilogue>(Vector512<float> sum, ref float destination, ref float bias, int valid)
        where TEpilogue : ITileEpilogue =>
        TEpilogue.Apply(Unsafe.As<Vector512<float>, Lanes512>(ref sum), ref destination, ref bias, valid);

    private static void Tile<T, TRows, TEpilogue, TUnitRowStride>(
        int depth, ref float a, nint aRowStride, nint aDepthStride, ref float b, nint bStride, int column,
        ref float c, nint cRowStride, ref float bias, int valid)
        where T : struct, ISimdLanes<T>
        where TRows : ITileRows
        where TEpilogue : ITileEpilogue
        where TUnitRowStride : IStaticFlag
    {
        int rowCount = TRows.Count;
        nint r1 = TUnitRowStride.IsSet ? 1 : aRowStride;
        nint r2 = r1 * 2, r3 = r1 * 3, r4 = r1 * 4, r5 = r1 * 5, r6 = r1 * 6, r7 = r1 * 7;
        T zero = T.Create(0f);
        T s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;

        // Offsets rather than moving refs: a ref stepped past the last row would point outside the span.
        nint at = 0, bt = column;
        for (int p = 0; p < depth; p++)
        {
            T bv = T.Load(ref Unsafe.Add(ref b, bt), 0);
            ref float ap = ref Unsafe.Add(ref a, at);
            s0 = T.FusedMultiplyAdd(bv, T.Create(ap), s0);
            if (rowCount > 1)
            {
                s1 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r1)), s1);
            }

            if (rowCount > 2)
            {
                s2 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r2)), s2);
                s3 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r3)), s3);
            }

            if (rowCount > 4)
            {
                s4 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r4)), s4);
                s5 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r5)), s5);
                s6 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r6)), s6);
                s7 = T.FusedMultiplyAdd(bv, T.Create(Unsafe.Add(ref ap, r7)), s7);
            }

            at += aDepthStride;
            bt += bStride;
        }

        ref float cp = ref Unsafe.Add(ref c, column);
        ref float biasChunk = ref TEpilogue.ReadsBias ? ref Unsafe.Add(ref bias, column) : ref bias;
        TEpilogue.Apply(s0, ref cp, ref biasChunk, valid);
        if (rowCount > 1)
        {
            TEpilogue.Apply(s1, ref Unsafe.Add(ref cp, cRowStride), ref biasChunk, valid);
        }

        if (rowCount > 2)
        {
            TEpilogue.Apply(s2, ref Unsafe.Add(ref cp, cRowStride * 2), ref biasChunk, valid);
            TEpilogue.Apply(s3, ref Unsafe.Add(ref cp, cRowStride * 3), ref biasChunk, valid);
        }

        if (rowCount > 4)
        {
            TEpilogue.Apply(s4, ref Unsafe.Add(ref cp, cRowStride * 4), ref biasChunk, valid);
            TEpilogue.Apply(s5, ref Unsafe.Add(ref cp, cRowStride * 5), ref biasChunk, valid);
            TEpilogue.Apply(s6, ref Unsafe.Add(ref cp, cRowStride * 6), ref biasChunk, valid);
            TEpilogue.Apply(s7, ref Unsafe.Add(ref cp, cRowStride * 7), ref biasChunk, valid);
        }
    }
}

/// <summary>Rows per register tile, as a compile-time constant.</summary>
internal interface ITileRows
{
    static abstract int Count { get; }
}

internal readonly struct TileRows16 : ITileRows
{
    public static int Count => 16;
}

internal readonly struct TileRows8 : ITileRows
{
    public static int Count => 8;
}

internal readonly struct TileRows4 : ITileRows
{
    public static int Count => 4;
}

internal readonly struct TileRows2 : ITileRows
{
    public static int Count => 2;
}

internal readonly struct TileRows1 : ITileRows
{
    public static int Count => 1;
}

/// <summary>What a finished chunk of sums does with its destination.</summary>
internal interface ITileEpilogue
{
    /// <summary>Whether <see cref="Apply"/> reads the bias (otherwise the bias reference is never offset).</summary>
    static abstract bool ReadsBias { get; }

    /// <param name="sum">The chunk's sums, one per column lane.</param>
    /// <param name="destination">The chunk's first element in C.</param>
    /// <param name="bias">The chunk's first element in the bias row (read by <see cref="AddBiasAndStore"/> only).</param>
    /// <param name="valid">How many lanes are real columns (read by <see cref="StoreValid"/> only).</param>
    static abstract void Apply<T>(T sum, ref float destination, ref float bias, int valid) where T : struct, ISimdLanes<T>;
}

/// <summary>C = sum + bias: the logits, into a padded tile (every lane may be stored).</summary>
internal readonly struct AddBiasAndStore : ITileEpilogue
{
    public static bool ReadsBias => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<T>(T sum, ref float destination, ref float bias, int valid) where T : struct, ISimdLanes<T> =>
        T.Store(sum + T.Load(ref bias, 0), ref destination, 0);
}

/// <summary>C += sum: a block's ∂W partial into the group accumulator (padded: every lane may be stored).</summary>
internal readonly struct Accumulate : ITileEpilogue
{
    public static bool ReadsBias => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<T>(T sum, ref float destination, ref float bias, int valid) where T : struct, ISimdLanes<T> =>
        T.Store(T.Load(ref destination, 0) + sum, ref destination, 0);
}

/// <summary>
/// C = sum, the first <c>valid</c> lanes only, NaN canonical (<see cref="LossMath.CanonicalNaN{T}(T)"/>): ∂X rows
/// written straight into the caller's span.
/// </summary>
[SkipLocalsInit]
internal readonly struct StoreValid : ITileEpilogue
{
    public static bool ReadsBias => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<T>(T sum, ref float destination, ref float bias, int valid) where T : struct, ISimdLanes<T>
    {
        sum = LossMath.CanonicalNaN(sum);
        if (valid == T.Count)
        {
            T.Store(sum, ref destination, 0);
            return;
        }

        Unsafe.SkipInit(out ChunkBuffer buffer);
        T.Store(sum, ref buffer[0], 0);
        for (int lane = 0; lane < valid; lane++)
        {
            Unsafe.Add(ref destination, lane) = buffer[lane];
        }
    }

    [InlineArray(16)]
    private struct ChunkBuffer
    {
        private float _element;
    }
}
