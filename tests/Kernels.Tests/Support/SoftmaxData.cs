namespace Kernels.Tests.Support;

/// <summary>Random problems (seeded, so every run and every ISA setting tests the same numbers).</summary>
internal static class SoftmaxData
{
    /// <summary>
    /// Logits with a scale that varies from row to row (tiny spreads, unit spreads, spreads wide enough for
    /// probabilities far below 2^-24) and an offset, so that lse - z and lse are exercised on every scale.
    /// </summary>
    public static float[] Logits(Random random, int rows, int classCount)
    {
        float[] logits = new float[rows * classCount];
        for (int i = 0; i < rows; i++)
        {
            double scale = random.Next(5) switch { 0 => 0.01, 1 => 1, 2 => 3, 3 => 10, _ => 40 };
            double offset = random.Next(4) switch { 0 => 0, 1 => 5, 2 => -30, _ => 1000 * random.NextDouble() - 500 };
            for (int c = 0; c < classCount; c++)
            {
                logits[i * classCount + c] = (float)(offset + scale * Gaussian(random));
            }
        }

        return logits;
    }

    /// <summary>
    /// Labels in [0, C); a third of them are moved to the row's maximum and that logit raised by a margin, so that
    /// p_y → 1 (the loss is then a log1p of a small sum and the true class's gradient -(Σc≠y p_c) is tiny).
    /// </summary>
    public static int[] Labels(Random random, float[] logits, int rows, int classCount)
    {
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            Span<float> row = logits.AsSpan(i * classCount, classCount);
            int label = random.Next(classCount);
            if (random.Next(3) == 0)
            {
                int max = 0;
                for (int c = 1; c < classCount; c++)
                {
                    max = row[c] > row[max] ? c : max;
                }

                label = max;
                float margin = random.Next(3) switch { 0 => 0f, 1 => 6f, _ => 17f };
                row[label] += margin;
            }

            labels[i] = label;
        }

        return labels;
    }

    /// <summary>Target rows of several kinds: dense random distributions, one-hot, sparse, with tiny entries.</summary>
    public static float[] Targets(Random random, int rows, int classCount)
    {
        float[] targets = new float[rows * classCount];
        for (int i = 0; i < rows; i++)
        {
            Span<float> row = targets.AsSpan(i * classCount, classCount);
            int kind = random.Next(4);
            double total = 0;
            for (int c = 0; c < classCount; c++)
            {
                double v = kind switch
                {
                    0 => random.NextDouble(),
                    1 => c == i % classCount ? 1 : 0,
                    2 => random.Next(4) == 0 ? random.NextDouble() : 0,
                    _ => random.Next(2) == 0 ? 1e-30 * random.NextDouble() : random.NextDouble(),
                };
                row[c] = (float)v;
                total += v;
            }

            if (total == 0)
            {
                row[random.Next(classCount)] = 1;
                continue;
            }

            for (int c = 0; c < classCount; c++)
            {
                row[c] = (float)(row[c] / total);
            }
        }

        return targets;
    }

    /// <summary>Class weights in [0.25, 4), with one class of weight 0 when C ≥ 3.</summary>
    public static float[] ClassWeights(Random random, int classCount)
    {
        float[] weights = new float[classCount];
        for (int c = 0; c < classCount; c++)
        {
            weights[c] = (float)(0.25 + 3.75 * random.NextDouble());
        }

        if (classCount >= 3)
        {
            weights[random.Next(classCount)] = 0;
        }

        return weights;
    }

    /// <summary>Replaces about a quarter of the labels by <paramref name="ignoreIndex"/> (always at least one when n ≥ 2).</summary>
    public static void IgnoreSome(Random random, int[] labels, int ignoreIndex)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if (random.Next(4) == 0)
            {
                labels[i] = ignoreIndex;
            }
        }

        if (labels.Length >= 2)
        {
            labels[random.Next(labels.Length)] = ignoreIndex;
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
