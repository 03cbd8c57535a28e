using System.Runtime.CompilerServices;

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
            AddHalves level = new(ref lanes, half);
            SimdDispatch.Run<AddHalves, bool>(ref level, half);
        }

        return lanes;
    }

    /// <summary>One level of the tree: lanes [0, half) += lanes [half, 2·half).</summary>
    private readonly ref struct AddHalves(ref float lanes, int half) : ISimdKernel<bool>
    {
        private readonly ref float _lanes = ref lanes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Run<T>() where T : struct, ISimdLanes<T>
        {
            for (nuint lane = 0; lane < (nuint)half; lane += (nuint)T.Count)
            {
                T.Store(T.Load(ref _lanes, lane) + T.Load(ref _lanes, lane + (nuint)half), ref _lanes, lane);
            }

            return true;
        }
    }
}
