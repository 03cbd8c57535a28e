using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kernels.Internal.Simd;

/// <summary>One <see cref="Vector256{T}"/>: 8 floats per operation.</summary>
internal readonly struct Lanes256 : ISimdLanes<Lanes256>
{
    private readonly Vector256<float> _value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] private Lanes256(Vector256<float> value) => _value = value;

    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Create(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(ref float source, nuint elementOffset) => new(Vector256.LoadUnsafe(ref source, elementOffset));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes256 value, ref float destination, nuint elementOffset) => value._value.StoreUnsafe(ref destination, elementOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator +(Lanes256 left, Lanes256 right) => new(left._value + right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 left, Lanes256 right) => new(left._value - right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator *(Lanes256 left, Lanes256 right) => new(left._value * right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator /(Lanes256 left, Lanes256 right) => new(left._value / right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 FusedMultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Abs(Lanes256 value) => new(Vector256.Abs(value._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Max(Lanes256 left, Lanes256 right) => new(Vector256.Max(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 GreaterOrRight(Lanes256 left, Lanes256 right) =>
        Avx.IsSupported
            ? new(Avx.Max(left._value, right._value))
            : new(Vector256.ConditionalSelect(Vector256.GreaterThan(left._value, right._value), left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 ScaleByPowerOfTwo(Lanes256 value, Lanes256 exponent, Lanes256 exponentBits) =>
        Avx512F.VL.IsSupported
            ? new(Avx512F.VL.Scale(value._value, exponent._value))
            : PowerOfTwoScale.FromBits(value, exponentBits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 GreaterThanOrEqual(Lanes256 left, Lanes256 right) => new(Vector256.GreaterThanOrEqual(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 LessThan(Lanes256 left, Lanes256 right) => new(Vector256.LessThan(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 GreaterThan(Lanes256 left, Lanes256 right) => new(Vector256.GreaterThan(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 EqualTo(Lanes256 left, Lanes256 right) => new(Vector256.Equals(left._value, right._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Select(Lanes256 mask, Lanes256 ifTrue, Lanes256 ifFalse) => new(Vector256.ConditionalSelect(mask._value, ifTrue._value, ifFalse._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 SelectWhereLess(Lanes256 left, Lanes256 right, Lanes256 ifTrue, Lanes256 ifFalse) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(left._value, right._value), ifTrue._value, ifFalse._value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Or(Lanes256 left, Lanes256 right) => new(left._value | right._value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyBitSet(Lanes256 value) => value._value.AsInt32() != Vector256<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Lanes256 LoadStrided(ref float source, int stride)
    {
        if (Avx2.IsSupported)
        {
            fixed (float* p = &source)
            {
                Vector256<int> indices = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * stride;
                return new(Avx2.GatherVector256(p, indices, 4));
            }
        }

        Unsafe.SkipInit(out Vector256<float> gathered);
        for (int i = 0; i < Vector256<float>.Count; i++)
        {
            gathered = gathered.WithElement(i, Unsafe.Add(ref source, i * stride));
        }

        return new(gathered);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool TryTransposeSquare(ref float source, nuint stride, ref float destination, nuint destinationStride) => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 LoadNarrowed(ref double source) =>
        new(Vector256.Narrow(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, (nuint)Vector256<double>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 InDouble<TFunction>(scoped in TFunction function, scoped in LaneInputs<Lanes256> inputs, ref double wide, out Lanes256 second)
        where TFunction : struct, IDoubleLaneFunction
    {
        LaneInputs<Doubles256> low = new()
        {
            A = new(Vector256.WidenLower(inputs.A._value)), B = new(Vector256.WidenLower(inputs.B._value)), C = new(Vector256.WidenLower(inputs.C._value)),
            D = new(Vector256.WidenLower(inputs.D._value)), E = new(Vector256.WidenLower(inputs.E._value)), F = new(Vector256.WidenLower(inputs.F._value)),
        };
        LaneInputs<Doubles256> high = new()
        {
            A = new(Vector256.WidenUpper(inputs.A._value)), B = new(Vector256.WidenUpper(inputs.B._value)), C = new(Vector256.WidenUpper(inputs.C._value)),
            D = new(Vector256.WidenUpper(inputs.D._value)), E = new(Vector256.WidenUpper(inputs.E._value)), F = new(Vector256.WidenUpper(inputs.F._value)),
        };
        Vector256<double> lowResult = function.Invoke(low, new Doubles256(Vector256.LoadUnsafe(ref wide)), out Doubles256 lowSecond).Value;
        Vector256<double> highResult = function.Invoke(high, new Doubles256(Vector256.LoadUnsafe(ref wide, (nuint)Vector256<double>.Count)), out Doubles256 highSecond).Value;
        second = new(Vector256.Narrow(lowSecond.Value, highSecond.Value));
        return new(Vector256.Narrow(lowResult, highResult));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Lanes256 value, ref double destination, nuint offset)
    {
        nuint half = (nuint)Vector256<double>.Count;
        (Vector256.LoadUnsafe(ref destination, offset) + Vector256.WidenLower(value._value)).StoreUnsafe(ref destination, offset);
        (Vector256.LoadUnsafe(ref destination, offset + half) + Vector256.WidenUpper(value._value)).StoreUnsafe(ref destination, offset + half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 ShiftLeftBits(Lanes256 value, int count) => new(Vector256.ShiftLeft(value._value.AsInt32(), count).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 ShiftRightArithmeticBits(Lanes256 value, int count) => new(Vector256.ShiftRightArithmetic(value._value.AsInt32(), count).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 AndBits(Lanes256 value, int mask) => new((value._value.AsInt32() & Vector256.Create(mask)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 OrBits(Lanes256 value, int bits) => new((value._value.AsInt32() | Vector256.Create(bits)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 AddBits(Lanes256 value, int addend) => new((value._value.AsInt32() + Vector256.Create(addend)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 SubtractBits(Lanes256 left, Lanes256 right) => new((left._value.AsInt32() - right._value.AsInt32()).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 ConvertBitsToSingle(Lanes256 value) => new(Vector256.ConvertToSingle(value._value.AsInt32()));
}
