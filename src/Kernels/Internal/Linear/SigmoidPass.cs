using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>values[i] = σ(values[i]) in place, the same bits on every width.</summary>
internal static class SigmoidPass
{
    public static void Apply(Span<float> values)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Apply<Lanes512>(values);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Apply<Lanes256>(values);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Apply<Lanes128>(values);
        }
        else
        {
            Apply<ScalarLanes>(values);
        }
    }

    private static void Apply<T>(Span<float> values) where T : struct, ISimdLanes<T>
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        nuint length = (nuint)values.Length, i = 0;
        for (; i + (nuint)T.Count <= length; i += (nuint)T.Count)
        {
            T.Store(LossMath.CanonicalNaN(LossMath.Sigmoid(T.Load(ref v, i))), ref v, i);
        }

        for (; i < length; i++)
        {
            ScalarLanes.Store(LossMath.CanonicalNaN(LossMath.Sigmoid(ScalarLanes.Load(ref v, i))), ref v, i);
        }
    }
}
