using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kernels.Internal.Simd;

/// <summary>
/// A computation written once over a lane type: <see cref="SimdDispatch"/> picks the lane type and calls
/// <see cref="Run{T}"/> with it. Kernels are usually ref structs holding the call's spans and constants.
/// </summary>
/// <typeparam name="TResult">What the computation returns (use <see cref="bool"/> or <see cref="byte"/> for none).</typeparam>
internal interface ISimdKernel<TResult>
{
    /// <summary>Runs the computation on lanes of type <typeparamref name="T"/>.</summary>
    TResult Run<T>() where T : struct, ISimdLanes<T>;
}

/// <summary>
/// The one place that maps the process's enabled instruction sets to a lane type: Vector512, then Vector256, then
/// Vector128, then scalar. Every branch is a JIT-time constant, so a dispatch costs nothing after inlining, and
/// the kernels' bits do not depend on which branch runs (see <see cref="ISimdLanes{TSelf}"/>).
/// </summary>
internal static class SimdDispatch
{
    /// <summary>Runs <paramref name="kernel"/> on the widest accelerated lane type of at most <paramref name="maxCount"/> lanes.</summary>
    /// <param name="kernel">The computation; passed by reference so a kernel may keep results in its fields.</param>
    /// <param name="maxCount">The most lanes the caller can use (e.g. half of a reduction level); scalar lanes always qualify.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TResult Run<TKernel, TResult>(ref TKernel kernel, int maxCount = int.MaxValue)
        where TKernel : struct, ISimdKernel<TResult>, allows ref struct
    {
        if (Vector512.IsHardwareAccelerated && maxCount >= Lanes512.Count)
        {
            return kernel.Run<Lanes512>();
        }

        if (Vector256.IsHardwareAccelerated && maxCount >= Lanes256.Count)
        {
            return kernel.Run<Lanes256>();
        }

        if (Vector128.IsHardwareAccelerated && maxCount >= Lanes128.Count)
        {
            return kernel.Run<Lanes128>();
        }

        return kernel.Run<ScalarLanes>();
    }
}
