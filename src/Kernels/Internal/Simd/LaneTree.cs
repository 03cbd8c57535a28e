using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kernels.Internal.Simd;

/// <summary>
/// The fixed reduction tree over the <see cref="LaneSum.LaneCount"/> logical lanes: lane j absorbs lane
/// j + half for half = 16, 8, 4, 2, 1. Each level is lane-wise, so running it on any vector width gives the same
/// bits; each level uses the widest accelerated vector that fits.
/// </summary>
internal static class LaneTree
{
    /// <summary>Sums 32 lanes in the fixed tree order (destroys the lanes).</summary>
    public static float Sum(ref float lanes)
    {
        for (int half = LaneSum.LaneCount / 2; half >= 1; half /= 2)
        {
            if (Vector512.IsHardwareAccelerated && half >= Lanes512.Count)
            {
                AddHalves<Lanes512>(ref lanes, half);
            }
            else if (Vector256.IsHardwareAccelerated && half >= Lanes256.Count)
            {
                AddHalves<Lanes256>(ref lanes, half);
            }
            else if (Vector128.IsHardwareAccelerated && half >= Lanes128.Count)
            {
                AddHalves<Lanes128>(ref lanes, half);
            }
            else
            {
                AddHalves<ScalarLanes>(ref lanes, half);
            }
        }

        return lanes;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddHalves<T>(ref float lanes, int half) where T : struct, ISimdLanes<T>
    {
        for (nuint lane = 0; lane < (nuint)half; lane += (nuint)T.Count)
        {
            T.Store(T.Load(ref lanes, lane) + T.Load(ref lanes, lane + (nuint)half), ref lanes, lane);
        }
    }
}
