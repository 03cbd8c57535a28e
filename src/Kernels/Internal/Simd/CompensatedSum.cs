using System.Runtime.CompilerServices;

namespace Kernels.Internal.Simd;

/// <summary>
/// A per-lane float sum carried as an unevaluated pair high + low (Knuth's TwoSum on every addition): the error
/// of n additions stays near 2^-48 relative instead of growing as n·2^-24, with no memory traffic (a sum in
/// double lanes goes through memory on every addition). The pair is exact in double, so it is widened once.
/// </summary>
internal struct CompensatedSum<T> where T : struct, ISimdLanes<T>
{
    private T _high;
    private T _low;

    /// <summary>An empty sum.</summary>
    public static CompensatedSum<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new() { _high = T.Create(0f), _low = T.Create(0f) };
    }

    /// <summary>Adds <paramref name="term"/> lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T term)
    {
        T sum = _high + term;
        T termApprox = sum - _high;
        T highApprox = sum - termApprox;
        _low += (_high - highApprox) + (term - termApprox);
        _high = sum;
    }

    /// <summary>destination[i] += high[i] + low[i] in double (high + low is exact there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void AddWidenedTo(ref double destination)
    {
        T.AddWidened(_high, ref destination, 0);
        T.AddWidened(Low(), ref destination, 0);
    }

    /// <summary>
    /// The correction, or 0 where the sum is ±∞ or NaN: TwoSum's error term is NaN once a term is infinite, and
    /// the sum alone is then the answer (an infinite sum stays infinite, NaN stays NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly T Low()
    {
        T zero = T.Create(0f);
        return T.Select(T.EqualTo(_high - _high, zero), _low, zero);
    }

    /// <summary>The sum rounded to float lane by lane (through double, so rounded once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly T Value()
    {
        Unsafe.SkipInit(out DoubleLanes16 lanes);
        ref double first = ref Unsafe.As<DoubleLanes16, double>(ref lanes);
        for (int i = 0; i < T.Count; i++)
        {
            Unsafe.Add(ref first, i) = 0;
        }

        AddWidenedTo(ref first);
        return T.LoadNarrowed(ref first);
    }

    [InlineArray(16)]
    private struct DoubleLanes16
    {
        private double _element;
    }
}
