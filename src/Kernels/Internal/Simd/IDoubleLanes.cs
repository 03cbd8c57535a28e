using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kernels.Internal.Simd;

/// <summary>
/// Lane-wise double operations for the per-row finishing that is done in double (IEEE double arithmetic, no
/// contraction: every instantiation gives the same bits). A float lane type widens into two of these
/// (<see cref="ISimdLanes{TSelf}.InDouble"/>): <see cref="Doubles512"/>, <see cref="Doubles256"/>,
/// <see cref="Doubles128"/>, and <see cref="ScalarDouble"/> for one lane.
/// </summary>
internal interface IDoubleLanes<TSelf> where TSelf : struct, IDoubleLanes<TSelf>
{
    static abstract TSelf Create(double value);
    static abstract TSelf operator +(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf left, TSelf right);
    static abstract TSelf operator *(TSelf left, TSelf right);
    static abstract TSelf operator /(TSelf left, TSelf right);

    /// <summary>Lane-wise <c>left == right ? ifTrue : ifFalse</c>.</summary>
    static abstract TSelf SelectEqual(TSelf left, TSelf right, TSelf ifTrue, TSelf ifFalse);
}

/// <summary>Up to six float lanes handed to an <see cref="IDoubleLaneFunction"/> (unused ones are ignored).</summary>
internal struct LaneInputs<T>
{
    public T A, B, C, D, E, F;
}

/// <summary>A lane-wise computation in double: what <see cref="ISimdLanes{TSelf}.InDouble"/> runs on widened lanes.</summary>
internal interface IDoubleLaneFunction
{
    /// <summary>The results per lane (up to two), from the widened float inputs and one input that is double already.</summary>
    TDouble Invoke<TDouble>(scoped in LaneInputs<TDouble> inputs, TDouble wide, out TDouble second) where TDouble : struct, IDoubleLanes<TDouble>;
}

/// <summary>One <see cref="Vector512{T}"/> of 8 doubles.</summary>
internal readonly struct Doubles512(Vector512<double> value) : IDoubleLanes<Doubles512>
{
    public Vector512<double> Value => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles512 Create(double value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles512 operator +(Doubles512 left, Doubles512 right) => new(left.Value + right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles512 operator -(Doubles512 left, Doubles512 right) => new(left.Value - right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles512 operator *(Doubles512 left, Doubles512 right) => new(left.Value * right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles512 operator /(Doubles512 left, Doubles512 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Doubles512 SelectEqual(Doubles512 left, Doubles512 right, Doubles512 ifTrue, Doubles512 ifFalse) =>
        new(Vector512.ConditionalSelect(Vector512.Equals(left.Value, right.Value), ifTrue.Value, ifFalse.Value));
}

/// <summary>One <see cref="Vector256{T}"/> of 4 doubles.</summary>
internal readonly struct Doubles256(Vector256<double> value) : IDoubleLanes<Doubles256>
{
    public Vector256<double> Value => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles256 Create(double value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles256 operator +(Doubles256 left, Doubles256 right) => new(left.Value + right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles256 operator -(Doubles256 left, Doubles256 right) => new(left.Value - right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles256 operator *(Doubles256 left, Doubles256 right) => new(left.Value * right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles256 operator /(Doubles256 left, Doubles256 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Doubles256 SelectEqual(Doubles256 left, Doubles256 right, Doubles256 ifTrue, Doubles256 ifFalse) =>
        new(Vector256.ConditionalSelect(Vector256.Equals(left.Value, right.Value), ifTrue.Value, ifFalse.Value));
}

/// <summary>One <see cref="Vector128{T}"/> of 2 doubles.</summary>
internal readonly struct Doubles128(Vector128<double> value) : IDoubleLanes<Doubles128>
{
    public Vector128<double> Value => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles128 Create(double value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles128 operator +(Doubles128 left, Doubles128 right) => new(left.Value + right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles128 operator -(Doubles128 left, Doubles128 right) => new(left.Value - right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles128 operator *(Doubles128 left, Doubles128 right) => new(left.Value * right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles128 operator /(Doubles128 left, Doubles128 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Doubles128 SelectEqual(Doubles128 left, Doubles128 right, Doubles128 ifTrue, Doubles128 ifFalse) =>
        new(Vector128.ConditionalSelect(Vector128.Equals(left.Value, right.Value), ifTrue.Value, ifFalse.Value));
}

/// <summary>One double.</summary>
internal readonly struct ScalarDouble(double value) : IDoubleLanes<ScalarDouble>
{
    public double Value => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarDouble Create(double value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarDouble operator +(ScalarDouble left, ScalarDouble right) => new(left.Value + right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarDouble operator -(ScalarDouble left, ScalarDouble right) => new(left.Value - right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarDouble operator *(ScalarDouble left, ScalarDouble right) => new(left.Value * right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ScalarDouble operator /(ScalarDouble left, ScalarDouble right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarDouble SelectEqual(ScalarDouble left, ScalarDouble right, ScalarDouble ifTrue, ScalarDouble ifFalse) =>
        left.Value == right.Value ? ifTrue : ifFalse;
}
