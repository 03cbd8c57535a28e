using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// Quadratic cost of a sigmoid output: loss = ½(σ(z) - y)², gradient = (σ(z) - y)·σ'(z) with σ' = σ(1-σ). No state.
/// </summary>
/// <remarks>
/// With e = e^{-|z|} and q = σ(-|z|) = e/(1+e): σ(z) - y is (1-y) - q for z ≥ 0 and q - y otherwise (as in
/// <see cref="SigmoidTerms{T}"/>, no 1 - σ cancellation), and σ' = q·(1-q) for either sign (1 - q
/// is exact enough: q ≤ ½). The σ' factor is what makes this cost learn slowly from badly wrong saturated outputs.
/// </remarks>
internal readonly struct QuadraticCostOperator : IPointwiseLossOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke<T>(T logit, T target, nuint index, out T gradient) where T : struct, ISimdLanes<T>
    {
        T one = T.Create(1f);
        T e = LossMath.ExpNonPositive(-T.Abs(logit));
        T q = e / (one + e);
        T error = T.Select(T.GreaterThanOrEqual(logit, T.Create(0f)), (one - target) - q, q - target);
        gradient = error * (q * (one - q));
        return T.Create(0.5f) * error * error;
    }
}
