namespace Kernels.Internal.Simd;

/// <summary>
/// A compile-time boolean: drivers are instantiated per combination of optional inputs and outputs, so the hot
/// loop has no branches on them and the JIT drops the math whose result is not written.
/// </summary>
internal interface IStaticFlag
{
    static abstract bool IsSet { get; }
}

internal readonly struct FlagSet : IStaticFlag
{
    public static bool IsSet => true;
}

internal readonly struct FlagUnset : IStaticFlag
{
    public static bool IsSet => false;
}
