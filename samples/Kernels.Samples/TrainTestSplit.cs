namespace Kernels.Samples;

/// <summary>A data set divided into the rows a model learns from and the held-out rows it is judged on.</summary>
public sealed record TrainTestSplit(LabeledDataSet Train, LabeledDataSet Test)
{
    /// <summary>
    /// Shuffles the rows with a seeded Fisher–Yates permutation and puts the first <paramref name="trainFraction"/>
    /// of them (rounded) in the training set: the same seed gives the same split on every machine.
    /// </summary>
    public static TrainTestSplit Shuffled(LabeledDataSet data, double trainFraction, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(trainFraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trainFraction, 1.0);
        int[] order = [.. Enumerable.Range(0, data.RowCount)];
        new Random(seed).Shuffle(order);
        int trainRows = (int)Math.Round(trainFraction * data.RowCount);
        return new TrainTestSplit(data.SelectRows(order.AsSpan(0, trainRows)), data.SelectRows(order.AsSpan(trainRows)));
    }
}
