using System.Buffers;
using System.Runtime.CompilerServices;
using Kernels.Internal.Drivers;
using Kernels.Internal.Math;
using Kernels.Internal.Operators;
using Kernels.Internal.Simd;

namespace Kernels.Internal.Linear;

/// <summary>
/// The fused logistic-regression step in one streaming pass over the features, a block of rows at a time:
/// z = X_block·w + b (deterministic dots), the binary cross-entropy pass over the block's z gives the loss sum and
/// δ = s·(σ(z) - y), then ∂w += Σ δ_r·x_r while the block's rows are still in L1.
/// </summary>
/// <remarks>
/// Summation is fixed by row index: each component of ∂w is accumulated in float over a block of
/// <see cref="BlockRows"/> rows, blocks are added into a second float accumulator, and every
/// <see cref="BlocksPerGroup"/> blocks that is added into the output. No float partial ever holds more than
/// 32 terms (or n/1024 at the top), which keeps ∂w within ~1e-7 relative of a double sum at n = 2^20.
/// </remarks>
[SkipLocalsInit]
internal static class LogisticRegressionPass
{
    public const int BlockRows = BlockedSum.LaneCount;
    private const int BlocksPerGroup = 32;

    /// <summary>Largest d whose group accumulator lives on the stack (4·d bytes = 64 KB); larger d rent it.</summary>
    private const int MaxStackFeatures = 16384;

    public static double Run(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, ReadOnlySpan<float> targets,
        float scale, Span<float> weightGradient, out double biasGradient)
    {
        int d = weights.Length, n = targets.Length;
        float[]? rented = d > MaxStackFeatures ? ArrayPool<float>.Shared.Rent(d) : null;
        Span<float> groupSum = rented is null ? stackalloc float[d] : rented.AsSpan(0, d);
        groupSum.Clear();
        weightGradient.Clear();

        Span<float> logits = stackalloc float[BlockRows];
        Span<float> deltas = stackalloc float[BlockRows];
        double lossSum = 0, deltaSum = 0;
        int blocksInGroup = 0;
        for (int first = 0; first < n; first += BlockRows)
        {
            int rows = System.Math.Min(BlockRows, n - first);
            for (int r = 0; r < rows; r++)
            {
                logits[r] = DeterministicDot.Compute(features.Slice((first + r) * d, d), weights) + bias;
            }

            PointwiseLossPass pass = new()
            {
                Predictions = logits[..rows],
                Targets = targets.Slice(first, rows),
                PositiveWeight = 1f,
                GradientScale = scale,
                Gradient = deltas[..rows],
            };
            lossSum += PointwiseLossDriver.Run<SigmoidCrossEntropyOperator>(pass, out _);

            AxpyAccumulator.AddBlock(deltas[..rows], features.Slice(first * d, rows * d), groupSum);
            for (int r = 0; r < rows; r++)
            {
                deltaSum += deltas[r];
            }

            if (++blocksInGroup == BlocksPerGroup)
            {
                AxpyAccumulator.AddAndClear(groupSum, weightGradient);
                blocksInGroup = 0;
            }
        }

        AxpyAccumulator.AddAndClear(groupSum, weightGradient);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        for (int j = 0; j < d; j++)
        {
            weightGradient[j] = LossMath.CanonicalNaN(weightGradient[j]);
        }

        biasGradient = deltaSum;
        return lossSum;
    }

    public static void Predict(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, float bias, Span<float> probabilities)
    {
        int d = weights.Length;
        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] = DeterministicDot.Compute(features.Slice(i * d, d), weights) + bias;
        }

        SigmoidPass.Apply(probabilities);
    }
}
