using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    private const int Lanes = BlockedSum.LaneCount;

    public static float Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return ComputeInRegisters(x, w);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Compute<Lanes256>(x, w);
        }

        return Vector128.IsHardwareAccelerated ? Compute<Lanes128>(x, w) : Compute<ScalarLanes>(x, w);
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
