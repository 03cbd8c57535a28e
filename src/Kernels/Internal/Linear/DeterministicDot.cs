using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>
/// x·w with a summation order fixed by element index, not by hardware: element j is fused-multiply-added into
/// logical lane j mod 32 in order, and the lanes are reduced by <see cref="LaneTree"/>. Every ISA gives the same
/// bits (unlike <c>TensorPrimitives.Dot</c>, whose order depends on the vector width).
/// </summary>
[SkipLocalsInit]
internal static class DeterministicDot
{
    private const int Lanes = BlockedSum.LaneCount;

    public static float Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Compute<Lanes512>(x, w);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Compute<Lanes256>(x, w);
        }

        return Vector128.IsHardwareAccelerated ? Compute<Lanes128>(x, w) : Compute<ScalarLanes>(x, w);
    }

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
