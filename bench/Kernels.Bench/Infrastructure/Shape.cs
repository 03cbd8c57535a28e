using System.Globalization;

namespace Kernels.Bench.Infrastructure;

/// <summary>
/// A problem shape of <see cref="Rows"/> × <see cref="Columns"/> floats (n × C logits, n × d features), for benchmarks
/// whose size is more than one number: use it as a <c>[ParamsSource]</c> parameter. Its element count is
/// <see cref="Elements"/>, it prints as "4,096 × 10" in every table, and shapes sort by element count, then by
/// columns (BenchmarkDotNet orders its cases, and so the summary its lines, by that).
/// </summary>
/// <param name="Rows">n, the rows (samples).</param>
/// <param name="Columns">The floats per row (classes, features).</param>
public readonly record struct Shape(int Rows, int Columns) : IComparable<Shape>, IComparable
{
    /// <summary>The number of floats, <see cref="Rows"/> · <see cref="Columns"/>.</summary>
    public int Elements => Rows * Columns;

    /// <inheritdoc/>
    public int CompareTo(Shape other) => Elements != other.Elements ? Elements.CompareTo(other.Elements) : Columns.CompareTo(other.Columns);

    /// <inheritdoc/>
    public int CompareTo(object? obj) => obj is Shape other ? CompareTo(other) : 1;

    /// <summary>"rows × columns" with thousands separators.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rows:N0} × {Columns:N0}");
}
