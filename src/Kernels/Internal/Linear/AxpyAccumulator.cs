using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>Column-wise accumulation of gradient blocks, lane-wise so every width gives the same bits.</summary>
internal static class AxpyAccumulator
{
    /// <summary>
    /// accumulator[j] += Σ_r deltas[r]·rows[r, j], where the inner sum runs over the block's rows in order, in
    /// float, starting from 0 (one FMA per row), and is then added to the accumulator: column chunk by column
    /// chunk, so each chunk's partial sum stays in a register across the rows.
    /// </summary>
    public static void AddBlock(ReadOnlySpan<float> deltas, ReadOnlySpan<float> rows, Span<float> accumulator)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            AddBlock<Lanes512>(deltas, rows, accumulator);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            AddBlock<Lanes256>(deltas, rows, accumulator);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            AddBlock<Lanes128>(deltas, rows, accumulator);
        }
        else
        {
            AddBlock<ScalarLanes>(deltas, rows, accumulator);
        }
    }

    private static void AddBlock<T>(ReadOnlySpan<float> deltas, ReadOnlySpan<float> rows, Span<float> accumulator) where T : struct, ISimdLanes<T>
    {
        ref float delta = ref MemoryMarshal.GetReference(deltas);
        ref float x = ref MemoryMarshal.GetReference(rows);
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        nuint d = (nuint)accumulator.Length, count = (nuint)deltas.Length, j = 0;
        for (; j + (nuint)T.Count <= d; j += (nuint)T.Count)
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
