using CsCheck;
using Kernels.Tests.Surface;

namespace Kernels.Tests.Fuzzing;

/// <summary>
/// CsCheck generators of <see cref="FuzzCase"/>: any public method, shapes that straddle every vector width and
/// block size (0, 1, primes, 2^m ± 1, the 16-row blocks and 32-block groups of the dense layers, the softmax layouts'
/// 64/128/256-class boundaries, now and then thousands of classes), any options, and special values anywhere. Every
/// part shrinks toward the smallest, plainest case: fewer rows, classes and specials, options off.
/// </summary>
internal static class FuzzGenerators
{
    /// <summary>Counts where a kernel changes path: below, at and above the vector widths 4, 8, 16, the tiles and blocks.</summary>
    private static readonly int[] EdgeCounts = [1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513];

    /// <summary>The most elements (n·k, n·C, n·d·k) one case may have: keeps the double reference and the bounds fast.</summary>
    public const long ElementBudget = 60_000;

    private static readonly Gen<int> SmallCount = Gen.Frequency(
        (5, Gen.Int[0, 20]), (4, Gen.OneOf(EdgeCounts)), (2, Gen.Int[21, 300]), (1, Gen.Int[301, 5000]));

    private static readonly Gen<float> Gamma = Gen.Frequency((3, Gen.OneOf(0f, 0.25f, 0.5f, 1f, 2f, 5f)), (1, Gen.Float[0f, 6f]));

    private static readonly Gen<float> Alpha = Gen.OneOf(-1f, 0.25f, 0.5f, 0.75f, 0f, 1f);

    /// <summary>One value per <see cref="SoftmaxOptionTable"/> entry, each off two times in three.</summary>
    private static readonly Gen<float[]> SoftmaxOptions = Gen.Int[0, 299].Array[SoftmaxOptionTable.All.Count].Select(draws =>
        draws.Select((draw, i) => draw < 200 ? 0f : SoftmaxOptionTable.All[i].Values[draw % SoftmaxOptionTable.All[i].Values.Length]).ToArray());

    /// <summary>(role selector, position, value selector): mapped to a role and a special value of the method's family.</summary>
    private static readonly Gen<(int Role, int Position, int Value)[]> RawSpecials =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1 << 20], Gen.Int[0, 1000]).Array[0, 6];

    public static readonly Gen<FuzzCase> Case =
        Gen.Select(Gen.Int[0, PublicSurface.All.Count - 1], SmallCount, SmallCount, SmallCount, Gen.Bool, Gen.ULong, Gen.Int[0, 7])
        .Select(Gen.Bool, Gen.Bool, Gamma, Alpha, SoftmaxOptions, RawSpecials,
            (shape, sampleWeights, positiveWeights, gamma, alpha, options, specials) =>
                Build(shape.Item1, shape.Item2, shape.Item3, shape.Item4, shape.Item5, shape.Item6, shape.Item7, sampleWeights, positiveWeights, gamma, alpha, options, specials));

    private static FuzzCase Build(
        int methodIndex, int rows, int width, int features, bool mean, ulong seed, int outputMask,
        bool sampleWeights, bool positiveWeights, float gamma, float alpha, float[] options, (int Role, int Position, int Value)[] rawSpecials)
    {
        SurfaceMethod method = PublicSurface.All[methodIndex];
        SurfaceFamily family = method.Family;
        bool multi = family is SurfaceFamily.BceLogitsMulti or SurfaceFamily.BceProbabilitiesMulti or SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax;
        bool softmax = family is SurfaceFamily.SoftmaxLabels or SurfaceFamily.SoftmaxTargets or SurfaceFamily.DenseSoftmax;
        bool linear = family is SurfaceFamily.LogisticRegression or SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax;
        width = multi || softmax ? int.Max(width, 1) : 0;
        features = linear ? features : 0;
        // The dense layers need k ≥ 1; softmax needs C ≥ 1. Shrink the widest dimension until the case fits the budget.
        while ((long)int.Max(rows, 1) * int.Max(width, 1) * int.Max(features, 1) > ElementBudget)
        {
            if (rows >= width && rows >= features) { rows /= 2; }
            else if (width >= features) { width = int.Max(width / 2, 1); }
            else { features /= 2; }
        }

        float[] legalOptions = softmax && (method.OptionalOutputs || family == SurfaceFamily.DenseSoftmax)
            ? SoftmaxOptionTable.Legalize(options, labels: family != SurfaceFamily.SoftmaxTargets)
            : new float[options.Length];
        Operand[] roles = linear ? [Operand.X, Operand.Targets, Operand.Weights, Operand.X] : [Operand.X, Operand.Targets, Operand.X, Operand.X];
        Special[] specials = [.. rawSpecials.Select(s =>
        {
            Operand role = roles[s.Role];
            float[] values = (role, family) switch
            {
                (Operand.Targets, _) => SurfaceProblem.SpecialTargets,
                (_, _) when linear => SurfaceProblem.SpecialFeatures,
                (_, SurfaceFamily.BceProbabilities or SurfaceFamily.BceProbabilitiesMulti) => SurfaceProblem.SpecialProbabilities,
                _ => SurfaceProblem.SpecialLogits,
            };
            return new Special(role, s.Position, values[s.Value % values.Length]);
        })];

        bool focal = family == SurfaceFamily.Focal;
        return new FuzzCase(
            method.Name, rows, width, features, mean ? Reduction.Mean : Reduction.Sum, seed,
            SampleWeights: sampleWeights && method.Gives(Operand.SampleWeights, new FuzzCase(method.Name, 0, 0, 0, default, 0, SampleWeights: true)),
            PositiveWeights: positiveWeights && method.Gives(Operand.PositiveWeights, new FuzzCase(method.Name, 0, 0, 0, default, 0, PositiveWeights: true)),
            OutputMask: method.OptionalOutputs || family is SurfaceFamily.DenseSigmoid or SurfaceFamily.DenseSoftmax ? outputMask : -1,
            Gamma: focal ? gamma : 0f, Alpha: focal ? alpha : -1f, SoftmaxOptions: legalOptions, Specials: specials);
    }
}
