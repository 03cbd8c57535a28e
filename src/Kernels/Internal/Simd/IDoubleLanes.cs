using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kernels.Internal.Simd;

/// <summary>
/// Lane-wise double operations for the per-row finishing that is done in double (IEEE double arithmetic, no
/// contraction: every instantiation gives the same bits). Two instantiations: <see cref="Doubles512"/> takes a
/// whole <see cref="Lanes512"/> in two registers; <see cref="VectorDoubles"/> serves every other width.
/// </summary>
internal interface IDoubleLanes<TSelf> where TSelf : struct, IDoubleLanes<TSelf>
{
    static abstract TSelf Create(double value);
    static abstract TSelf operator +(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf left, TSelf right);
    static abstract TSelf operator *(TSelf left, TSelf right);
    static abstract TSelf operator /(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf value);

    /// <summary>Lane-wise <c>left == right ? ifTrue : ifFalse</c>.</summary>
    static abstract TSelf SelectEqual(TSelf left, TSelf right, TSelf ifTrue, TSelf ifFalse);

    /// <summary>Lane-wise <c>left &gt;= right ? ifTrue : ifFalse</c>.</summary>
    static abstract TSelf SelectGreaterThanOrEqual(TSelf left, TSelf right, TSelf ifTrue, TSelf ifFalse);
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Doubles512 operator -(Doubles512 value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Doubles512 SelectEqual(Doubles512 left, Doubles512 right, Doubles512 ifTrue, Doubles512 ifFalse) =>
        new(Vector512.ConditionalSelect(Vector512.Equals(left.Value, right.Value), ifTrue.Value, ifFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Doubles512 SelectGreaterThanOrEqual(Doubles512 left, Doubles512 right, Doubles512 ifTrue, Doubles512 ifFalse) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(left.Value, right.Value), ifTrue.Value, ifFalse.Value));
}

/// <summary>One <see cref="Vector{T}"/> of doubles (any width).</summary>
internal readonly struct VectorDoubles(Vector<double> value) : IDoubleLanes<VectorDoubles>
{
    public Vector<double> Value => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorDoubles Create(double value) => new(new Vector<double>(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorDoubles operator +(VectorDoubles left, VectorDoubles right) => new(left.Value + right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorDoubles operator -(VectorDoubles left, VectorDoubles right) => new(left.Value - right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorDoubles operator *(VectorDoubles left, VectorDoubles right) => new(left.Value * right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorDoubles operator /(VectorDoubles left, VectorDoubles right) => new(left.Value / right.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorDoubles operator -(VectorDoubles value) => new(-value.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorDoubles SelectEqual(VectorDoubles left, VectorDoubles right, VectorDoubles ifTrue, VectorDoubles ifFalse) =>
        new(Vector.ConditionalSelect(Vector.Equals(left.Value, right.Value), ifTrue.Value, ifFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorDoubles SelectGreaterThanOrEqual(VectorDoubles left, VectorDoubles right, VectorDoubles ifTrue, VectorDoubles ifFalse) =>
        new(Vector.ConditionalSelect(Vector.GreaterThanOrEqual(left.Value, right.Value), ifTrue.Value, ifFalse.Value));
}
