using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kernels.Internal.Simd;

/// <summary>One <see cref="Vector512{T}"/>: 16 floats per operation.</summary>
internal readonly struct Lanes512 : ISimdLanes<Lanes512>
{
    private readonly Vector512<float> _value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private Lanes512(Vector512<float> value) => _value = value;

    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Load(ref float source, nuint elementOffset) => new(Vector512.LoadUnsafe(ref source, elementOffset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes512 value, ref float destination, nuint elementOffset) => value._value.StoreUnsafe(ref destination, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator +(Lanes512 left, Lanes512 right) => new(left._value + right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator -(Lanes512 left, Lanes512 right) => new(left._value - right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator *(Lanes512 left, Lanes512 right) => new(left._value * right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator /(Lanes512 left, Lanes512 right) => new(left._value / right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator -(Lanes512 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 FusedMultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Abs(Lanes512 value) => new(Vector512.Abs(value._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Max(Lanes512 left, Lanes512 right) => new(Vector512.Max(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 GreaterOrRight(Lanes512 left, Lanes512 right) =>
        Avx512F.IsSupported
            ? new(Avx512F.Max(left._value, right._value))
            : new(Vector512.ConditionalSelect(Vector512.GreaterThan(left._value, right._value), left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 ScaleByPowerOfTwo(Lanes512 value, Lanes512 exponent, Lanes512 exponentBits) =>
        Avx512F.IsSupported
            ? new(Avx512F.Scale(value._value, exponent._value))
            : PowerOfTwoScale.FromBits(value, exponentBits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 GreaterThanOrEqual(Lanes512 left, Lanes512 right) => new(Vector512.GreaterThanOrEqual(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 LessThan(Lanes512 left, Lanes512 right) => new(Vector512.LessThan(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 GreaterThan(Lanes512 left, Lanes512 right) => new(Vector512.GreaterThan(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 EqualTo(Lanes512 left, Lanes512 right) => new(Vector512.Equals(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Select(Lanes512 mask, Lanes512 ifTrue, Lanes512 ifFalse) => new(Vector512.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 SelectWhereLess(Lanes512 left, Lanes512 right, Lanes512 ifTrue, Lanes512 ifFalse) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(left._value, right._value), ifTrue._value, ifFalse._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Or(Lanes512 left, Lanes512 right) => new(left._value | right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyBitSet(Lanes512 value) => value._value.AsInt32() != Vector512<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes512 LoadStrided(ref float source, int stride)
    {
        // .NET exposes no 512-bit gather: two 256-bit AVX2 gathers.
        if (Avx2.IsSupported)
        {
            fixed (float* p = &source)
            {
                Vector256<int> indices = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * stride;
                return new(Vector512.Create(Avx2.GatherVector256(p, indices, 4), Avx2.GatherVector256(p + (8 * stride), indices, 4)));
            }
        }

        Unsafe.SkipInit(out Vector512<float> gathered);
        for (int i = 0; i < Vector512<float>.Count; i++)
        {
            gathered = gathered.WithElement(i, Unsafe.Add(ref source, i * stride));
        }

        return new(gathered);
    }

    /// <remarks>
    /// 64 shuffles: interleave row pairs (unpack ps), then row quadruples (unpack pd), after which each 128-bit lane
    /// L of u[4g + j] holds column 4L + j of rows 4g..4g+3; two rounds of 128-bit block shuffles gather the four
    /// lanes of each column. It replaces 32 eight-lane gathers per 16 columns.
    /// </remarks>
    public static bool TryTransposeSquare(ref float source, nuint stride, ref float destination, nuint destinationStride)
    {
        if (!Avx512F.IsSupported)
        {
            return false;
        }

        FourRows(ref source, stride, 0, out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3);
        FourRows(ref source, stride, 4, out Vector512<float> u4, out Vector512<float> u5, out Vector512<float> u6, out Vector512<float> u7);
        FourRows(ref source, stride, 8, out Vector512<float> u8, out Vector512<float> u9, out Vector512<float> u10, out Vector512<float> u11);
        FourRows(ref source, stride, 12, out Vector512<float> u12, out Vector512<float> u13, out Vector512<float> u14, out Vector512<float> u15);
        FourColumns(u0, u4, u8, u12, ref destination, destinationStride, 0);
        FourColumns(u1, u5, u9, u13, ref destination, destinationStride, 1);
        FourColumns(u2, u6, u10, u14, ref destination, destinationStride, 2);
        FourColumns(u3, u7, u11, u15, ref destination, destinationStride, 3);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows(
        ref float source, nuint stride, nuint first,
        out Vector512<float> u0, out Vector512<float> u1, out Vector512<float> u2, out Vector512<float> u3)
    {
        Vector512<float> r0 = Vector512.LoadUnsafe(ref source, first * stride);
        Vector512<float> r1 = Vector512.LoadUnsafe(ref source, (first + 1) * stride);
        Vector512<float> r2 = Vector512.LoadUnsafe(ref source, (first + 2) * stride);
        Vector512<float> r3 = Vector512.LoadUnsafe(ref source, (first + 3) * stride);
        Vector512<double> t0 = Avx512F.UnpackLow(r0, r1).AsDouble(), t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        Vector512<double> t2 = Avx512F.UnpackLow(r2, r3).AsDouble(), t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        u0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        u1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        u2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        u3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    /// <summary>Columns j, 4 + j, 8 + j, 12 + j from the j-th outputs of the four row quadruples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourColumns(
        Vector512<float> rows0, Vector512<float> rows4, Vector512<float> rows8, Vector512<float> rows12, ref float destination, nuint stride, nuint j)
    {
        Vector512<float> a0 = Avx512F.Shuffle4x128(rows0, rows4, 0x44), a1 = Avx512F.Shuffle4x128(rows0, rows4, 0xEE);
        Vector512<float> b0 = Avx512F.Shuffle4x128(rows8, rows12, 0x44), b1 = Avx512F.Shuffle4x128(rows8, rows12, 0xEE);
        Avx512F.Shuffle4x128(a0, b0, 0x88).StoreUnsafe(ref destination, j * stride);
        Avx512F.Shuffle4x128(a0, b0, 0xDD).StoreUnsafe(ref destination, (4 + j) * stride);
        Avx512F.Shuffle4x128(a1, b1, 0x88).StoreUnsafe(ref destination, (8 + j) * stride);
        Avx512F.Shuffle4x128(a1, b1, 0xDD).StoreUnsafe(ref destination, (12 + j) * stride);
    }


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 LoadNarrowed(ref double source) =>
        new(Vector512.Narrow(Vector512.LoadUnsafe(ref source), Vector512.LoadUnsafe(ref source, (nuint)Vector512<double>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 InDouble<TFunction>(scoped in TFunction function, scoped in LaneInputs<Lanes512> inputs, ref double wide, out Lanes512 second)
        where TFunction : struct, IDoubleLaneFunction
    {
        LaneInputs<Doubles512> low = new()
        {
            A = new(Vector512.WidenLower(inputs.A._value)), B = new(Vector512.WidenLower(inputs.B._value)), C = new(Vector512.WidenLower(inputs.C._value)),
            D = new(Vector512.WidenLower(inputs.D._value)), E = new(Vector512.WidenLower(inputs.E._value)), F = new(Vector512.WidenLower(inputs.F._value)),
        };
        LaneInputs<Doubles512> high = new()
        {
            A = new(Vector512.WidenUpper(inputs.A._value)), B = new(Vector512.WidenUpper(inputs.B._value)), C = new(Vector512.WidenUpper(inputs.C._value)),
            D = new(Vector512.WidenUpper(inputs.D._value)), E = new(Vector512.WidenUpper(inputs.E._value)), F = new(Vector512.WidenUpper(inputs.F._value)),
        };
        Vector512<double> lowResult = function.Invoke(low, new Doubles512(Vector512.LoadUnsafe(ref wide)), out Doubles512 lowSecond).Value;
        Vector512<double> highResult = function.Invoke(high, new Doubles512(Vector512.LoadUnsafe(ref wide, (nuint)Vector512<double>.Count)), out Doubles512 highSecond).Value;
        second = new(Vector512.Narrow(lowSecond.Value, highSecond.Value));
        return new(Vector512.Narrow(lowResult, highResult));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Lanes512 value, ref double destination, nuint offset)
    {
        nuint half = (nuint)Vector512<double>.Count;
        (Vector512.LoadUnsafe(ref destination, offset) + Vector512.WidenLower(value._value)).StoreUnsafe(ref destination, offset);
        (Vector512.LoadUnsafe(ref destination, offset + half) + Vector512.WidenUpper(value._value)).StoreUnsafe(ref destination, offset + half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 ShiftLeftBits(Lanes512 value, int count) => new(Vector512.ShiftLeft(value._value.AsInt32(), count).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 ShiftRightArithmeticBits(Lanes512 value, int count) => new(Vector512.ShiftRightArithmetic(value._value.AsInt32(), count).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 AndBits(Lanes512 value, int mask) => new((value._value.AsInt32() & Vector512.Create(mask)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 OrBits(Lanes512 value, int bits) => new((value._value.AsInt32() | Vector512.Create(bits)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 AddBits(Lanes512 value, int addend) => new((value._value.AsInt32() + Vector512.Create(addend)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 SubtractBits(Lanes512 left, Lanes512 right) => new((left._value.AsInt32() - right._value.AsInt32()).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 ConvertBitsToSingle(Lanes512 value) => new(Vector512.ConvertToSingle(value._value.AsInt32()));
}
