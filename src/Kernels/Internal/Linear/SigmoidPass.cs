using System.Runtime.InteropServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>values[i] = σ(values[i]) in place, the same bits on every width.</summary>
internal static class SigmoidPass
{
    public static void Apply(Span<float> values)
    {
        Kernel kernel = new(values);
        SimdDispatch.Run<Kernel, bool>(ref kernel);
    }

    private readonly ref struct Kernel(Span<float> values) : ISimdKernel<bool>
    {
        private readonly Span<float> _values = values;

        public bool Run<T>() where T : struct, ISimdLanes<T>
        {
            Apply<T>(_values);
            return true;
        }
    }

    private static void Apply<T>(Span<float> values) where T : struct, ISimdLanes<T>
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        nuint length = (nuint)values.Length, i = 0;
        for (; i + (nuint)T.Count <= length; i += (nuint)T.Count)
        {
            T.Store(LossMath.CanonicalNaN(LossMath.Sigmoid(T.Load(ref v, i))), ref v, i);
        }

        for (; i < length; i++)
        {
            ScalarLanes.Store(LossMath.CanonicalNaN(LossMath.Sigmoid(ScalarLanes.Load(ref v, i))), ref v, i);
        }
    }
}
