using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kernels.Internal.Simd;

/// <summary>One <see cref="Vector128{T}"/>: 4 floats per operation.</summary>
internal readonly struct Lanes128 : ISimdLanes<Lanes128>
{
    private readonly Vector128<float> _value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private Lanes128(Vector128<float> value) => _value = value;

    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Create(float value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Load(ref float source, nuint elementOffset) => new(Vector128.LoadUnsafe(ref source, elementOffset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes128 value, ref float destination, nuint elementOffset) => value._value.StoreUnsafe(ref destination, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator +(Lanes128 left, Lanes128 right) => new(left._value + right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator -(Lanes128 left, Lanes128 right) => new(left._value - right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator *(Lanes128 left, Lanes128 right) => new(left._value * right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator /(Lanes128 left, Lanes128 right) => new(left._value / right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 operator -(Lanes128 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 FusedMultiplyAdd(Lanes128 a, Lanes128 b, Lanes128 c) => new(Vector128.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Abs(Lanes128 value) => new(Vector128.Abs(value._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Max(Lanes128 left, Lanes128 right) => new(Vector128.Max(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 GreaterOrRight(Lanes128 left, Lanes128 right) =>
        Sse.IsSupported
            ? new(Sse.Max(left._value, right._value))
            : new(Vector128.ConditionalSelect(Vector128.GreaterThan(left._value, right._value), left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 ScaleByPowerOfTwo(Lanes128 value, Lanes128 exponent, Lanes128 exponentBits) =>
        Avx512F.VL.IsSupported
            ? new(Avx512F.VL.Scale(value._value, exponent._value))
            : PowerOfTwoScale.FromBits(value, exponentBits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 GreaterThanOrEqual(Lanes128 left, Lanes128 right) => new(Vector128.GreaterThanOrEqual(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 LessThan(Lanes128 left, Lanes128 right) => new(Vector128.LessThan(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 GreaterThan(Lanes128 left, Lanes128 right) => new(Vector128.GreaterThan(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 EqualTo(Lanes128 left, Lanes128 right) => new(Vector128.Equals(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Select(Lanes128 mask, Lanes128 ifTrue, Lanes128 ifFalse) => new(Vector128.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 SelectWhereLess(Lanes128 left, Lanes128 right, Lanes128 ifTrue, Lanes128 ifFalse) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(left._value, right._value), ifTrue._value, ifFalse._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 Or(Lanes128 left, Lanes128 right) => new(left._value | right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyBitSet(Lanes128 value) => value._value.AsInt32() != Vector128<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes128 LoadStrided(ref float source, int stride)
    {
        if (Avx2.IsSupported)
        {
            fixed (float* p = &source)
            {
                Vector128<int> indices = Vector128.Create(0, 1, 2, 3) * stride;
                return new(Avx2.GatherVector128(p, indices, 4));
            }
        }

        Unsafe.SkipInit(out Vector128<float> gathered);
        for (int i = 0; i < Vector128<float>.Count; i++)
        {
            gathered = gathered.WithElement(i, Unsafe.Add(ref source, i * stride));
        }

        return new(gathered);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool TryTransposeSquare(ref float source, nuint stride, ref float destination, nuint destinationStride) => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 LoadNarrowed(ref double source) =>
        new(Vector128.Narrow(Vector128.LoadUnsafe(ref source), Vector128.LoadUnsafe(ref source, (nuint)Vector128<double>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 InDouble<TFunction>(scoped in TFunction function, scoped in LaneInputs<Lanes128> inputs, ref double wide, out Lanes128 second)
        where TFunction : struct, IDoubleLaneFunction
    {
        LaneInputs<Doubles128> low = new()
        {
            A = new(Vector128.WidenLower(inputs.A._value)), B = new(Vector128.WidenLower(inputs.B._value)), C = new(Vector128.WidenLower(inputs.C._value)),
            D = new(Vector128.WidenLower(inputs.D._value)), E = new(Vector128.WidenLower(inputs.E._value)), F = new(Vector128.WidenLower(inputs.F._value)),
        };
        LaneInputs<Doubles128> high = new()
        {
            A = new(Vector128.WidenUpper(inputs.A._value)), B = new(Vector128.WidenUpper(inputs.B._value)), C = new(Vector128.WidenUpper(inputs.C._value)),
            D = new(Vector128.WidenUpper(inputs.D._value)), E = new(Vector128.WidenUpper(inputs.E._value)), F = new(Vector128.WidenUpper(inputs.F._value)),
        };
        Vector128<double> lowResult = function.Invoke(low, new Doubles128(Vector128.LoadUnsafe(ref wide)), out Doubles128 lowSecond).Value;
        Vector128<double> highResult = function.Invoke(high, new Doubles128(Vector128.LoadUnsafe(ref wide, (nuint)Vector128<double>.Count)), out Doubles128 highSecond).Value;
        second = new(Vector128.Narrow(lowSecond.Value, highSecond.Value));
        return new(Vector128.Narrow(lowResult, highResult));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Lanes128 value, ref double destination, nuint offset)
    {
        nuint half = (nuint)Vector128<double>.Count;
        (Vector128.LoadUnsafe(ref destination, offset) + Vector128.WidenLower(value._value)).StoreUnsafe(ref destination, offset);
        (Vector128.LoadUnsafe(ref destination, offset + half) + Vector128.WidenUpper(value._value)).StoreUnsafe(ref destination, offset + half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 ShiftLeftBits(Lanes128 value, int count) => new(Vector128.ShiftLeft(value._value.AsInt32(), count).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 ShiftRightArithmeticBits(Lanes128 value, int count) => new(Vector128.ShiftRightArithmetic(value._value.AsInt32(), count).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 AndBits(Lanes128 value, int mask) => new((value._value.AsInt32() & Vector128.Create(mask)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 OrBits(Lanes128 value, int bits) => new((value._value.AsInt32() | Vector128.Create(bits)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 AddBits(Lanes128 value, int addend) => new((value._value.AsInt32() + Vector128.Create(addend)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 SubtractBits(Lanes128 left, Lanes128 right) => new((left._value.AsInt32() - right._value.AsInt32()).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes128 ConvertBitsToSingle(Lanes128 value) => new(Vector128.ConvertToSingle(value._value.AsInt32()));
}
