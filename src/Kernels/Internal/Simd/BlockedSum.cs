using System.Runtime.CompilerServices;

namespace Kernels.Internal.Simd;

/// <summary>
/// The summation every reduction uses, defined by element index alone so that every width adds the same numbers
/// in the same order: element i goes to logical lane i mod 16; each lane adds in float within a block of
/// <see cref="BlockLength"/> elements (16 per lane), then the block's lanes are added into 16 double lanes;
/// the total adds the double lanes in index order.
/// </summary>
/// <remarks>
/// A running float sum of 2^24 losses is off by ~1e-3 relative; here each float partial holds at most 16 terms
/// (worst case 16·2^-24 ≈ 1e-6 relative for same-sign terms) and everything above is double, which is why
/// <c>Cost</c> stays within 1e-6 of the double reference at n = 2^24 while the hot loop adds in float.
/// Hardware vectors of width 16, 8 or 4 cover the 16 lanes with 1, 2 or 4 adds; the scalar form uses the lane
/// index directly.
/// </remarks>
internal struct BlockedSum
{
    public const int LaneCount = 16;
    public const int BlockLength = 256;

    private FloatLanes _block;
    private DoubleLanes _total;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add<T>(T value, int firstLane) where T : struct, ISimdLanes<T>
    {
        ref float lanes = ref Unsafe.As<FloatLanes, float>(ref _block);
        T.Store(T.Load(ref lanes, (nuint)firstLane) + value, ref lanes, (nuint)firstLane);
    }

    /// <summary>Moves the float partials into the double lanes; called at every block boundary and at the end.</summary>
    public void FoldBlock()
    {
        for (int lane = 0; lane < LaneCount; lane++)
        {
            _total[lane] += _block[lane];
            _block[lane] = 0f;
        }
    }

    /// <summary>The sum of everything added, after a final <see cref="FoldBlock"/>.</summary>
    public readonly double Total()
    {
        double total = 0;
        for (int lane = 0; lane < LaneCount; lane++)
        {
            total += _total[lane];
        }

        return total;
    }

    [InlineArray(LaneCount)]
    private struct FloatLanes
    {
        private float _element;
    }

    [InlineArray(LaneCount)]
    private struct DoubleLanes
    {
        private double _element;
    }
}
