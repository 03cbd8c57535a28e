using System.Runtime.CompilerServices;
using Kernels.Internal.Math;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Operators;

/// <summary>
/// Binary cross-entropy of probabilities with PyTorch's BCELoss semantics:
/// loss = -(y·max(ln a, -100) + (1-y)·max(ln(1-a), -100)), gradient = (a - y) / max(a(1-a), 1e-12). No state.
/// </summary>
/// <remarks>
/// With m = min(a, 1-a) ∈ [0, ½] (exact: 1-a is exact for a ≥ ½), ln of the smaller of a, 1-a is ln(m) and
/// ln of the larger is log1p(-m) = 2·atanh(-m/(2-m)): never ln of a rounded 1-a, which would lose every bit
/// of ln(1-a) ≈ -a for tiny a. Domain: a and y in [0, 1]; NaN is not out of domain and propagates.
/// </remarks>
internal readonly struct ProbabilityCrossEntropyOperator : IPointwiseLossOperator
{
    private const float LogClamp = -100f;
    private const float DenominatorFloor = 1e-12f;

    public static string PredictionsName => "probabilities";

    public static bool HasDomain => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T OutOfDomain<T>(T value) where T : struct, ISimdLanes<T> =>
        T.Or(T.LessThan(value, T.Create(0f)), T.GreaterThan(value, T.Create(1f)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke<T>(T probability, T target, nuint index, out T gradient) where T : struct, ISimdLanes<T>
    {
        T one = T.Create(1f);
        T complement = one - probability;
        T lowerHalf = T.LessThan(probability, T.Create(0.5f));
        T m = T.Select(lowerHalf, probability, complement);

        T logSmaller = LossMath.LogUnitInterval(m);
        T logLarger = LossMath.TwiceAtanh(-m / (T.Create(2f) - m));
        T clamp = T.Create(LogClamp);
        T logA = T.Max(T.Select(lowerHalf, logSmaller, logLarger), clamp);
        T logComplement = T.Max(T.Select(lowerHalf, logLarger, logSmaller), clamp);

        T denominator = T.Max(probability * complement, T.Create(DenominatorFloor));
        gradient = (probability - target) / denominator;
        return -T.FusedMultiplyAdd(target, logA, (one - target) * logComplement);
    }
}
