using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Kernels.Bench.Baselines;

/// <summary>
/// The STREAM triad <c>a[i] = b[i] + s·c[i]</c>: two streams read, one written, 12 bytes per float element like a
/// fused loss-and-gradient pass (logits and targets in, gradient out). With next to no arithmetic it runs at the
/// memory bandwidth, so it is the speed limit a fused kernel is measured against once its data leaves the caches.
/// </summary>
internal static class StreamTriad
{
    /// <summary>Writes <c>a[i] = b[i] + s·c[i]</c> for every i.</summary>
    /// <param name="a">Destination, length n.</param>
    /// <param name="b">First source, length n.</param>
    /// <param name="c">Second source, length n, scaled by <paramref name="s"/>.</param>
    /// <param name="s">The scalar.</param>
    public static void Run(Span<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, float s)
    {
        int n = a.Length;

        // The loops below index without bounds checks, so the lengths must agree.
        if (b.Length != n || c.Length != n)
        {
            throw new ArgumentException("The three spans must have the same length.");
        }

        ref float aStart = ref MemoryMarshal.GetReference(a);
        ref float bStart = ref MemoryMarshal.GetReference(b);
        ref float cStart = ref MemoryMarshal.GetReference(c);
        int i = 0;

        // Vector512 where the hardware has it (as the fused kernel does), else the widest Vector<T>.
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> scale = Vector512.Create(s);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> sum = Vector512.LoadUnsafe(ref bStart, (nuint)i) + scale * Vector512.LoadUnsafe(ref cStart, (nuint)i);
                sum.StoreUnsafe(ref aStart, (nuint)i);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            Vector<float> scale = new(s);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> sum = Vector.LoadUnsafe(ref bStart, (nuint)i) + scale * Vector.LoadUnsafe(ref cStart, (nuint)i);
                sum.StoreUnsafe(ref aStart, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref aStart, i) = Unsafe.Add(ref bStart, i) + s * Unsafe.Add(ref cStart, i);
        }
    }
}
