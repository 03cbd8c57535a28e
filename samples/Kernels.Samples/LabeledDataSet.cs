namespace Kernels.Samples;

/// <summary>
/// n rows of d features (row-major, the layout the kernels read) and one label per row, in memory as floats.
/// </summary>
public sealed class LabeledDataSet
{
    /// <summary>Wraps the arrays without copying them.</summary>
    /// <param name="features">n×d features, row-major.</param>
    /// <param name="labels">The n labels.</param>
    /// <param name="featureCount">d ≥ 1.</param>
    /// <exception cref="ArgumentException">The lengths do not agree.</exception>
    public LabeledDataSet(float[] features, float[] labels, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if ((long)labels.Length * featureCount != features.Length)
        {
            throw new ArgumentException(
                $"{features.Length} feature values are not {labels.Length} rows of {featureCount} features.", nameof(features));
        }

        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
    }

    /// <summary>n×d features, row-major.</summary>
    public float[] Features { get; }

    /// <summary>One label per row.</summary>
    public float[] Labels { get; }

    /// <summary>d, the number of features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>n, the number of rows.</summary>
    public int RowCount => Labels.Length;

    /// <summary>The features of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>A copy holding the given rows, in the given order.</summary>
    public LabeledDataSet SelectRows(ReadOnlySpan<int> rows)
    {
        float[] features = new float[rows.Length * FeatureCount];
        float[] labels = new float[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(features.AsSpan(i * FeatureCount, FeatureCount));
            labels[i] = Labels[rows[i]];
        }

        return new LabeledDataSet(features, labels, FeatureCount);
    }

    /// <summary>The labels as class indices (the labels of a classification file are whole numbers).</summary>
    /// <exception cref="InvalidDataException">A label is not a non-negative whole number.</exception>
    public int[] ClassLabels() =>
        [.. Labels.Select(label => label >= 0 && label == MathF.Floor(label) && label <= int.MaxValue
            ? (int)label
            : throw new InvalidDataException($"Label {label} is not a class index."))];
}
