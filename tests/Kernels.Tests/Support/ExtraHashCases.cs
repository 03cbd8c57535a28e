namespace Kernels.Tests.Support;

/// <summary>
/// Determinism-hash cases whose shapes the <see cref="PublicKernels"/> table cannot express cheaply: softmax rows of
/// at least 256 classes (the wide layout: logical lanes, chunked pass 1 with 2,048-element chunks, merge tree, scalar
/// tails) and <see cref="LogisticRegression"/> (blocked dots, prefetching, ∂w accumulation). Even seeds give moderate
/// inputs; odd seeds add rows or features with NaN, ±∞ and huge values.
/// </summary>
internal static class ExtraHashCases
{
    private static readonly float[] Specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f, -1e30f, -0f];

    /// <summary>(n, C): the layouts' boundaries (64/65 with probability targets, 128/129 with labels), wide rows with and without a tail group, and long rows.</summary>
    private static readonly (int Rows, int Classes)[] SoftmaxShapes = [(17, 64), (3, 65), (5, 96), (4, 100), (3, 128), (2, 129), (3, 255), (2, 256), (5, 300), (2, 2_500), (1, 4_099)];

    /// <summary>(n, d): empty, tiny, row tails of the 16/32/64-row blocks, d = 64 (prefetched) and 256, odd d.</summary>
    private static readonly (int Rows, int Features)[] RegressionShapes = [(0, 3), (1, 1), (37, 13), (64, 70), (100, 64), (129, 256), (1_000, 9)];

    /// <summary>Every case: a name and a function of the seed returning the outputs to hash.</summary>
    public static IEnumerable<(string Name, Func<int, KernelResult> Run)> All()
    {
        foreach ((int rows, int classes) in SoftmaxShapes)
        {
            yield return ($"SoftmaxCrossEntropy labels, losses and lse n={rows} C={classes}", seed => SoftmaxLabels(rows, classes, seed, default));
            yield return ($"SoftmaxCrossEntropy labels with every option n={rows} C={classes}", seed =>
            {
                float[] weights = new float[classes];
                for (int c = 0; c < classes; c++)
                {
                    weights[c] = 0.5f + (c % 7 / 4f);
                }

                return SoftmaxLabels(rows, classes, seed, new() { LabelSmoothing = 0.1f, IgnoreIndex = 1, ClassWeights = weights, ZLossWeight = 1e-3f });
            });
            yield return ($"SoftmaxCrossEntropy probability targets n={rows} C={classes}", seed => SoftmaxTargets(rows, classes, seed));
            yield return ($"SoftmaxCrossEntropy focal γ=2, z-loss, ignore n={rows} C={classes}", seed =>
                SoftmaxLabels(rows, classes, seed, new() { FocalGamma = 2f, IgnoreIndex = 1, ZLossWeight = 1e-3f }));
            yield return ($"SoftmaxCrossEntropy focal γ=0.5 n={rows} C={classes}", seed => SoftmaxLabels(rows, classes, seed, new() { FocalGamma = 0.5f }));
        }

        foreach ((int rows, int features) in RegressionShapes)
        {
            yield return ($"LogisticRegression n={rows} d={features}", seed => Regression(rows, features, seed));
        }
    }

    private static float[] Logits(int count, int stride, SplitMix64 random, bool extremes)
    {
        float[] logits = new float[count];
        for (int i = 0; i < count; i++)
        {
            logits[i] = random.Uniform(-12f, 12f);
        }

        for (int row = 0; extremes && row < count / stride; row++)
        {
            if (random.Next(2) == 0)
            {
                logits[(row * stride) + random.Next(stride)] = Specials[random.Next(Specials.Length)];
            }
        }

        return logits;
    }

    private static KernelResult SoftmaxLabels(int rows, int classes, int seed, SoftmaxCrossEntropyOptions options)
    {
        SplitMix64 random = new((ulong)seed);
        float[] logits = Logits(rows * classes, classes, random, (seed & 1) != 0);
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = random.Next(classes);
        }

        float[] gradient = new float[logits.Length], losses = new float[rows], logSumExp = new float[rows];
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, logSumExp, options, Reduction.Mean);
        return new KernelResult(cost, gradient, [.. losses, .. logSumExp]);
    }

    private static KernelResult SoftmaxTargets(int rows, int classes, int seed)
    {
        SplitMix64 random = new((ulong)seed);
        float[] logits = Logits(rows * classes, classes, random, (seed & 1) != 0);
        float[] targets = new float[logits.Length];
        for (int row = 0; row < rows; row++)
        {
            Span<float> t = targets.AsSpan(row * classes, classes);
            float sum = 0;
            foreach (ref float value in t)
            {
                value = random.Uniform(0f, 1f);
                sum += value;
            }

            foreach (ref float value in t)
            {
                value /= sum;
            }
        }

        float[] gradient = new float[logits.Length], losses = new float[rows], logSumExp = new float[rows];
        float cost = SoftmaxCrossEntropy.CostAndGradient(logits, targets, classes, gradient, losses, logSumExp, default, Reduction.Sum);
        return new KernelResult(cost, gradient, [.. losses, .. logSumExp]);
    }

    private static KernelResult Regression(int rows, int features, int seed)
    {
        SplitMix64 random = new((ulong)seed);
        bool extremes = (seed & 1) != 0;
        float[] x = new float[rows * features], w = new float[features], y = new float[rows];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = random.Uniform(-2f, 2f);
        }

        for (int j = 0; j < features; j++)
        {
            w[j] = random.Uniform(-0.5f, 0.5f);
        }

        for (int i = 0; i < rows; i++)
        {
            y[i] = random.Next(2);
            if (extremes && features > 0 && random.Next(16) == 0)
            {
                x[(i * features) + random.Next(features)] = Specials[random.Next(Specials.Length)];
            }
        }

        float[] weightGradient = new float[features], probabilities = new float[rows];
        float mean = LogisticRegression.CostAndGradient(x, w, 0.25f, y, weightGradient, out float bias, Reduction.Mean);
        float[] sumGradient = new float[features];
        float sum = LogisticRegression.CostAndGradient(x, w, -0.5f, y, sumGradient, out float sumBias, Reduction.Sum);
        LogisticRegression.Predict(x, w, 0.25f, probabilities);
        return new KernelResult(mean, [.. weightGradient, bias, .. sumGradient, sumBias, sum], probabilities);
    }
}
