using System.Runtime.CompilerServices;

namespace Kernels.Internal.Simd;

/// <summary>
/// The summation every reduction uses, defined by element index alone so that every width adds the same numbers
/// in the same order: element i is widened to double and added to logical lane i mod <see cref="LaneCount"/>;
/// the total adds the lanes in index order.
/// </summary>
/// <remarks>
/// A running float sum of 2^24 losses is off by ~1e-3 relative. Here every partial is a double holding n/32
/// terms, so <c>Cost</c> is within ~1e-9 of the double reference at n = 2^24, and sums of finite losses near
/// float.MaxValue do not overflow before the final rounding. Widening costs two conversions and two double adds
/// per vector; float partials folded into double every 8 terms measured about as fast but overflowed to +∞ for
/// losses above float.MaxValue/8. Hardware vectors of width 16, 8 or 4 cover the 32 lanes with 2, 4 or 8 adds;
/// the scalar form uses the lane index directly. 32 lanes rather than 16 give the widest vectors two independent
/// dependency chains per group.
/// </remarks>
internal struct LaneSum
{
    public const int LaneCount = 32;

    private DoubleLanes _total;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add<T>(T value, int firstLane) where T : struct, ISimdLanes<T> =>
        T.AddWidened(value, ref Unsafe.As<DoubleLanes, double>(ref _total), (nuint)firstLane);

    /// <summary>The sum of everything added, lanes in index order.</summary>
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
    private struct DoubleLanes
    {
        private double _element;
    }
}
