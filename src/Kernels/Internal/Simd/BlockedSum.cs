using System.Runtime.CompilerServices;

namespace Kernels.Internal.Simd;

/// <summary>
/// The summation every reduction uses, defined by element index alone so that every width adds the same numbers
/// in the same order: element i goes to logical lane i mod 32; each lane adds in float within a block of
/// <see cref="BlockLength"/> elements (8 per lane), then the block's lanes are added into 32 double lanes;
/// the total adds the double lanes in index order.
/// </summary>
/// <remarks>
/// A running float sum of 2^24 losses is off by ~1e-3 relative; here each float partial holds at most 8 terms
/// (worst case 8·2^-24 ≈ 5e-7 relative for same-sign terms) and everything above is double, which is why
/// <c>Cost</c> stays within 1e-6 of the double reference at n = 2^24 while the hot loop adds in float.
/// Hardware vectors of width 16, 8 or 4 cover the 32 lanes with 2, 4 or 8 adds; the scalar form uses the lane
/// index directly. 32 lanes rather than 16 give the widest vectors two independent dependency chains per group.
/// </remarks>
internal struct BlockedSum
{
    public const int LaneCount = 32;
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
