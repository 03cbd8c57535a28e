using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>acc[j] = fma(a, x[j], acc[j]) and acc[j] += other[j], lane-wise, so every width gives the same bits.</summary>
internal static class AxpyAccumulator
{
    public static void MultiplyAdd(float a, ReadOnlySpan<float> x, Span<float> accumulator)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            MultiplyAdd<Lanes512>(a, x, accumulator);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            MultiplyAdd<Lanes256>(a, x, accumulator);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            MultiplyAdd<Lanes128>(a, x, accumulator);
        }
        else
        {
            MultiplyAdd<ScalarLanes>(a, x, accumulator);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd<T>(float a, ReadOnlySpan<float> x, Span<float> accumulator) where T : struct, ISimdLanes<T>
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        T factor = T.Create(a);
        nuint length = (nuint)x.Length, i = 0;
        for (; i + (nuint)T.Count <= length; i += (nuint)T.Count)
        {
            T.Store(T.FusedMultiplyAdd(factor, T.Load(ref xs, i), T.Load(ref acc, i)), ref acc, i);
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref acc, i) = MathF.FusedMultiplyAdd(a, Unsafe.Add(ref xs, i), Unsafe.Add(ref acc, i));
        }
    }
}
