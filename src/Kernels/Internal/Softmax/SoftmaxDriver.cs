using Kernels.Internal.Simd;

namespace Kernels.Internal.Softmax;

/// <summary>
/// Runs a softmax cross-entropy call: picks the lane type, the call's shape (which inputs and outputs it has) and the
/// layout, chosen by C and the kind of targets alone so every ISA computes the same bits. Returns Σ row losses in double, rows added in order.
/// </summary>
internal static class SoftmaxDriver
{
    public static double Run(scoped in SoftmaxPass pass)
    {
        RowsKernel kernel = new(pass);
        return SimdDispatch.Run<RowsKernel, double>(ref kernel);
    }

    private readonly ref struct RowsKernel(SoftmaxPass pass) : ISimdKernel<double>
    {
        private readonly SoftmaxPass _pass = pass;

        public double Run<T>() where T : struct, ISimdLanes<T> =>
            _pass.HasProbabilityTargets ? Run<T, FlagSet, FlagSet>() :
            _pass.Smoothing != 0f ? Run<T, FlagUnset, FlagSet>() : Run<T, FlagUnset, FlagUnset>();

        private double Run<T, TProbabilityTargets, TTerms>()
            where T : struct, ISimdLanes<T>
            where TProbabilityTargets : IStaticFlag
            where TTerms : IStaticFlag =>
            _pass.ClassWeights.IsEmpty ? Run<T, TProbabilityTargets, FlagUnset, TTerms>() : Run<T, TProbabilityTargets, FlagSet, TTerms>();

        private double Run<T, TProbabilityTargets, TClassWeights, TTerms>()
            where T : struct, ISimdLanes<T>
            where TProbabilityTargets : IStaticFlag
            where TClassWeights : IStaticFlag
            where TTerms : IStaticFlag =>
            _pass.Gradient.IsEmpty
                ? Run<T, SoftmaxShape<TProbabilityTargets, TClassWeights, FlagUnset, TTerms>>()
                : Run<T, SoftmaxShape<TProbabilityTargets, TClassWeights, FlagSet, TTerms>>();

        private double Run<T, TShape>()
            where T : struct, ISimdLanes<T>
            where TShape : ISoftmaxShape =>
            _pass.ClassCount <= (TShape.ProbabilityTargets ? NarrowRows.TargetClassLimit : NarrowRows.LabelClassLimit)
                ? NarrowRows.Run<T, TShape>(_pass)
                : WideRows.Run<T, TShape>(_pass);
    }
}
