using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Kernels.Internal.Simd;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// One hash of every output bit of every public method over a fixed, seeded input set. .ci/run runs the suite
/// under each ISA setting with KERNELS_HASH_FILE set and requires the four hashes to be equal: that is the check of
/// the documented promise that results do not depend on the SIMD width. One test, so that the hash is one value.
/// </summary>
public class DeterminismTests(ITestOutputHelper output)
{
    public const string HashFileVariable = "KERNELS_HASH_FILE";

    /// <summary>
    /// After every length 0..300 (samples: all tails and row shapes), long runs over many summation blocks. These are
    /// element counts: a multi-output overload gets count / k samples (k times the samples would add nothing but time).
    /// </summary>
    private static readonly int[] LongElementCounts = [1000, 4099, 65_537];

    [Fact]
    public void EveryOutputBitHashesToOneValue()
    {
        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using IncrementalHash caseHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        IncrementalHash[] hashes = [hash, caseHash];
        StringBuilder perCase = new();
        long values = 0;
        foreach (KernelCase kernel in PublicKernels.All)
        {
            // Short lengths alternate between moderate inputs (even seeds) and inputs with NaN, ±∞ and huge values (odd
            // seeds); long lengths run both, so the long blocked sums are hashed with finite costs too.
            for (int samples = 0; samples <= 300; samples++)
            {
                values += Append(hashes, kernel.Run(kernel.Prepare(samples, samples), KernelCase.Managed));
            }

            foreach (int elements in LongElementCounts)
            {
                int samples = elements / int.Max(kernel.OutputCount, 1);
                values += Append(hashes, kernel.Run(kernel.Prepare(samples, 2 * samples), KernelCase.Managed));
                values += Append(hashes, kernel.Run(kernel.Prepare(samples, (2 * samples) + 1), KernelCase.Managed));
            }

            perCase.Append(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(caseHash.GetHashAndReset())} {kernel.Name}\n");
        }

        // The dense layers: every shape with moderate inputs (even seed) and with extremes (odd seed).
        foreach (DenseKernelCase layer in PublicKernels.DenseLayers)
        {
            for (int shape = 0; shape < PublicKernels.DenseShapes.Length; shape++)
            {
                (int n, int d, int k) = PublicKernels.DenseShapes[shape];
                values += Append(hashes, layer.Run(n, d, k, 2 * shape));
                values += Append(hashes, layer.Run(n, d, k, (2 * shape) + 1));
            }

            perCase.Append(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(caseHash.GetHashAndReset())} {layer.Name}\n");
        }

        // Wide softmax rows and logistic regression, two seeds each (moderate, then with extremes).
        int extraCases = 0;
        foreach ((string name, Func<int, KernelResult> run) in ExtraHashCases.All())
        {
            values += Append(hashes, run(2));
            values += Append(hashes, run(3));
            perCase.Append(CultureInfo.InvariantCulture, $"{Convert.ToHexStringLower(caseHash.GetHashAndReset())} {name}\n");
            extraCases++;
        }

        string hex = Convert.ToHexStringLower(hash.GetHashAndReset());
        output.WriteLine($"DETERMINISM: sha256={hex} over {values} output values from {PublicKernels.All.Count + PublicKernels.DenseLayers.Count + extraCases} method variants (ActiveSimd.Width={ActiveSimd.Width})");

        string? file = Environment.GetEnvironmentVariable(HashFileVariable);
        if (!string.IsNullOrEmpty(file))
        {
            // The first line is the hash .ci/run compares; the per-method hashes tell it which methods differ.
            File.WriteAllText(file, $"{hex}\n{perCase}");
        }
    }

    private static int Append(IncrementalHash[] hashes, KernelResult result)
    {
        foreach (IncrementalHash hash in hashes)
        {
            // Raw IEEE bits, little-endian: -0 and NaN signs and payloads count (see BitwiseAssert.NaNBitsMatter).
            hash.AppendData(BitConverter.GetBytes(BitwiseAssert.BitsOf(result.Returned)));
            hash.AppendData(MemoryMarshal.AsBytes(Array.ConvertAll(result.Gradient, BitwiseAssert.BitsOf).AsSpan()));
            hash.AppendData(MemoryMarshal.AsBytes(Array.ConvertAll(result.Losses, BitwiseAssert.BitsOf).AsSpan()));
        }

        return 1 + result.Gradient.Length + result.Losses.Length;
    }

    /// <summary>
    /// What the hash needs from the kernels: every NaN they write has one bit pattern, whichever input was NaN. The
    /// cost and the multi-output sample losses add element losses, and when two NaNs with different bits meet in an
    /// add, the one that survives depends on the operand order the JIT chose, which differs between ISAs and even
    /// between tiers of the same method. Elements 0 and 1 run on vectors, 33 and 34 in the scalar tail.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryNaNOutputHasOneBitPattern(bool probabilities)
    {
        float[] predictions = new float[35], targets = new float[35], gradient = new float[35], losses = new float[35];
        predictions.AsSpan().Fill(0.25f);
        targets.AsSpan().Fill(0.5f);
        predictions[0] = predictions[33] = float.NaN;
        targets[1] = targets[34] = float.NaN;

        float cost = probabilities
            ? BinaryCrossEntropy.CostAndGradientFromProbabilities(predictions, targets, gradient, losses, Reduction.Sum)
            : BinaryCrossEntropy.CostAndGradient(predictions, targets, gradient, losses, Reduction.Sum);

        (string Output, float Value)[] nans =
        [
            ("cost", cost),
            .. new[] { 0, 1, 33, 34 }.SelectMany(i => new[] { ($"losses[{i}]", losses[i]), ($"gradient[{i}]", gradient[i]) }),
        ];
        Assert.All(nans, nan => Assert.True(float.IsNaN(nan.Value), $"{nan.Output} is {nan.Value}, expected NaN"));
        string patterns = string.Join(", ", nans.Select(nan => $"{nan.Output} 0x{BitConverter.SingleToInt32Bits(nan.Value):X8}"));
        Assert.True(
            nans.Select(nan => BitwiseAssert.BitsOf(nan.Value)).Distinct().Count() == 1,
            $"NaN outputs with different bits (a NaN {(probabilities ? "probability" : "logit")} in elements 0 and 33, a NaN target in 1 and 34): {patterns}");
    }
}
