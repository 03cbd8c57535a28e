using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kernels.Internal.Simd;

/// <summary>
/// The handful of lane-wise float operations the loss math is written in. Every loss is written once,
/// generically over this interface, and instantiated for <see cref="Lanes512"/>, <see cref="Lanes256"/>,
/// <see cref="Lanes128"/> and <see cref="ScalarLanes"/>: that is what makes every ISA produce the same bits.
/// </summary>
/// <remarks>
/// Rules that keep the instantiations bit-identical: every multiply-add is an explicit
/// <see cref="FusedMultiplyAdd"/> (never a contracted <c>a * b + c</c>); comparisons return all-ones/all-zeros
/// masks consumed only by <see cref="Select"/> or bitwise ops; no approximate instructions (rcp, rsqrt).
/// </remarks>
internal interface ISimdLanes<TSelf> where TSelf : struct, ISimdLanes<TSelf>
{
    /// <summary>Number of floats in one value (1, 4, 8 or 16).</summary>
    static abstract int Count { get; }

    static abstract TSelf Create(float value);
    static abstract TSelf Load(ref float source, nuint elementOffset);
    static abstract void Store(TSelf value, ref float destination, nuint elementOffset);

    static abstract TSelf operator +(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf left, TSelf right);
    static abstract TSelf operator *(TSelf left, TSelf right);
    static abstract TSelf operator /(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf value);

    /// <summary>(a × b) + c rounded once.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Abs(TSelf value);
    /// <summary>IEEE maximum: NaN if either operand is NaN.</summary>
    static abstract TSelf Max(TSelf left, TSelf right);
    /// <summary>
    /// Lane i = left &gt; right ? left : right, so <paramref name="right"/> whenever either is NaN: the x86 maxps rule,
    /// one instruction, where <see cref="Max"/> needs a NaN fix-up. As a clamp it keeps a NaN in right and drops one in left.
    /// </summary>
    static abstract TSelf GreaterOrRight(TSelf left, TSelf right);
    /// <summary>
    /// Lane i = value[i]·2^exponent[i], rounded once (subnormal results correctly rounded), for integral exponent in
    /// [-159, 0] given twice: as a float and as <paramref name="exponentBits"/>, whose bits shifted left by 23 form the
    /// float 2^(exponent + 32) (both come out of the exp range reduction). Other lanes give unspecified values that
    /// the callers discard; width-independence is promised only inside the range.
    /// </summary>
    static abstract TSelf ScaleByPowerOfTwo(TSelf value, TSelf exponent, TSelf exponentBits);

    static abstract TSelf GreaterThanOrEqual(TSelf left, TSelf right);
    static abstract TSelf LessThan(TSelf left, TSelf right);
    static abstract TSelf GreaterThan(TSelf left, TSelf right);
    static abstract TSelf EqualTo(TSelf left, TSelf right);
    /// <summary>Lane-wise <c>mask ? ifTrue : ifFalse</c> for all-ones/all-zeros masks.</summary>
    static abstract TSelf Select(TSelf mask, TSelf ifTrue, TSelf ifFalse);
    /// <summary>
    /// Lane-wise <c>left &lt; right ? ifTrue : ifFalse</c> (false for NaN): <see cref="Select"/> of <see cref="LessThan"/>
    /// in one expression, which AVX-512 keeps in a mask register (a compare and a masked blend; through a mask
    /// value the JIT moves the mask into a vector and back).
    /// </summary>
    static abstract TSelf SelectWhereLess(TSelf left, TSelf right, TSelf ifTrue, TSelf ifFalse);
    static abstract TSelf Or(TSelf left, TSelf right);
    static abstract bool AnyBitSet(TSelf value);

    /// <summary>Lane i = source[i·stride] (pure data movement: every width gives the same values).</summary>
    static abstract TSelf LoadStrided(ref float source, int stride);

    /// <summary>
    /// Transposes a Count × Count block in registers: destination[c·destinationStride + r] = source[r·stride + c]
    /// for r, c &lt; Count (reads Count floats from each of Count rows, writes Count floats to each of Count rows).
    /// Returns false, touching nothing, where the width has no register transpose (the caller then moves elements
    /// one by one); pure data movement, so every width gives the same values.
    /// </summary>
    static abstract bool TryTransposeSquare(ref float source, nuint stride, ref float destination, nuint destinationStride);

    /// <summary>
    /// Lane i = (float)function(inputs widened to double, wide[i]), and its second result in <paramref name="second"/>:
    /// a computation in double, each result rounded once (IEEE double operations: every width gives the same bits).
    /// Reads Count doubles from <paramref name="wide"/>.
    /// </summary>
    static abstract TSelf InDouble<TFunction>(scoped in TFunction function, scoped in LaneInputs<TSelf> inputs, ref double wide, out TSelf second)
        where TFunction : struct, IDoubleLaneFunction;

    /// <summary>Lane i = (float)source[i], rounded to nearest (the inverse of the widening in <see cref="AddWidened"/>).</summary>
    static abstract TSelf LoadNarrowed(ref double source);

    /// <summary>destination[offset + i] += (double)value[i] for every lane i (exact widening, one double add).</summary>
    static abstract void AddWidened(TSelf value, ref double destination, nuint offset);

    // Bit-level operations on the IEEE-754 representation (float reinterpreted as int32).
    static abstract TSelf ShiftLeftBits(TSelf value, int count);
    static abstract TSelf ShiftRightArithmeticBits(TSelf value, int count);
    static abstract TSelf AndBits(TSelf value, int mask);
    static abstract TSelf OrBits(TSelf value, int bits);
    static abstract TSelf AddBits(TSelf value, int addend);
    /// <summary>Lane-wise int32 left - right (a mask of all-ones subtracts -1: it counts set lanes).</summary>
    static abstract TSelf SubtractBits(TSelf left, TSelf right);
    /// <summary>Converts the int32 held in each lane's bits to the float of the same value.</summary>
    static abstract TSelf ConvertBitsToSingle(TSelf value);
}

/// <summary>Which lane type the drivers run on this process, decided once by the JIT from the enabled ISAs.</summary>
internal static class ActiveSimd
{
    /// <summary>Hardware lane count used by the kernels: 16, 8, 4 or 1 (scalar).</summary>
    public static int Width =>
        Vector512.IsHardwareAccelerated ? Lanes512.Count :
        Vector256.IsHardwareAccelerated ? Lanes256.Count :
        Vector128.IsHardwareAccelerated ? Lanes128.Count : ScalarLanes.Count;
}

internal readonly struct ScalarLanes : ISimdLanes<ScalarLanes>
{
    private readonly float _value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private ScalarLanes(float value) => _value = value;
    public float Value => _value;

    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes Create(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes Load(ref float source, nuint elementOffset) => new(Unsafe.Add(ref source, elementOffset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(ScalarLanes value, ref float destination, nuint elementOffset) => Unsafe.Add(ref destination, elementOffset) = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes operator +(ScalarLanes left, ScalarLanes right) => new(left._value + right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes operator -(ScalarLanes left, ScalarLanes right) => new(left._value - right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes operator *(ScalarLanes left, ScalarLanes right) => new(left._value * right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes operator /(ScalarLanes left, ScalarLanes right) => new(left._value / right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes operator -(ScalarLanes value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes FusedMultiplyAdd(ScalarLanes a, ScalarLanes b, ScalarLanes c) => new(MathF.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes Abs(ScalarLanes value) => FromBits(Bits(value) & int.MaxValue);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes Max(ScalarLanes left, ScalarLanes right) => new(MathF.Max(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes GreaterOrRight(ScalarLanes left, ScalarLanes right) => left._value > right._value ? left : right;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLanes ScaleByPowerOfTwo(ScalarLanes value, ScalarLanes exponent, ScalarLanes exponentBits) =>
        PowerOfTwoScale.FromBits(value, exponentBits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes GreaterThanOrEqual(ScalarLanes left, ScalarLanes right) => Mask(left._value >= right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes LessThan(ScalarLanes left, ScalarLanes right) => Mask(left._value < right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes GreaterThan(ScalarLanes left, ScalarLanes right) => Mask(left._value > right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes EqualTo(ScalarLanes left, ScalarLanes right) => Mask(left._value == right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes Select(ScalarLanes mask, ScalarLanes ifTrue, ScalarLanes ifFalse) => Bits(mask) != 0 ? ifTrue : ifFalse;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes SelectWhereLess(ScalarLanes left, ScalarLanes right, ScalarLanes ifTrue, ScalarLanes ifFalse) => left._value < right._value ? ifTrue : ifFalse;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes Or(ScalarLanes left, ScalarLanes right) => FromBits(Bits(left) | Bits(right));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyBitSet(ScalarLanes value) => Bits(value) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void AddWidened(ScalarLanes value, ref double destination, nuint offset) => Unsafe.Add(ref destination, offset) += value._value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes LoadStrided(ref float source, int stride) => new(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool TryTransposeSquare(ref float source, nuint stride, ref float destination, nuint destinationStride) => false;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes LoadNarrowed(ref double source) => new((float)source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLanes InDouble<TFunction>(scoped in TFunction function, scoped in LaneInputs<ScalarLanes> inputs, ref double wide, out ScalarLanes second)
        where TFunction : struct, IDoubleLaneFunction
    {
        LaneInputs<ScalarDouble> widened = new()
        {
            A = new(inputs.A._value), B = new(inputs.B._value), C = new(inputs.C._value),
            D = new(inputs.D._value), E = new(inputs.E._value), F = new(inputs.F._value),
        };
        ScalarLanes first = new((float)function.Invoke(widened, new ScalarDouble(wide), out ScalarDouble secondResult).Value);
        second = new((float)secondResult.Value);
        return first;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes ShiftLeftBits(ScalarLanes value, int count) => FromBits(Bits(value) << count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes ShiftRightArithmeticBits(ScalarLanes value, int count) => FromBits(Bits(value) >> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes AndBits(ScalarLanes value, int mask) => FromBits(Bits(value) & mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes OrBits(ScalarLanes value, int bits) => FromBits(Bits(value) | bits);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes AddBits(ScalarLanes value, int addend) => FromBits(unchecked(Bits(value) + addend));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes SubtractBits(ScalarLanes left, ScalarLanes right) => FromBits(unchecked(Bits(left) - Bits(right)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarLanes ConvertBitsToSingle(ScalarLanes value) => new(Bits(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static int Bits(ScalarLanes value) => BitConverter.SingleToInt32Bits(value._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ScalarLanes FromBits(int bits) => new(BitConverter.Int32BitsToSingle(bits));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ScalarLanes Mask(bool condition) => FromBits(condition ? -1 : 0);
}

/// <summary>
/// The generic form of <see cref="ISimdLanes{TSelf}.ScaleByPowerOfTwo"/>: the scale is built as the normal float
/// 2^(k + 32) (normal down to k = -150) and the extra 2^32 is taken back by a second multiply, so a subnormal result
/// is rounded once, by that multiply, instead of flushed. AVX-512's vscalefps rounds the same exact product once.
/// </summary>
internal static class PowerOfTwoScale
{
    private const float Inverse = 2.32830644e-10f; // 2^-32

    /// <summary>value·2^k from the bits of 2^(k + 32) (<paramref name="exponentBits"/> shifted left by 23), any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromBits<T>(T value, T exponentBits) where T : struct, ISimdLanes<T> =>
        value * T.ShiftLeftBits(exponentBits, 23) * T.Create(Inverse);
}
