using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Kernels.Bench.Columns;

/// <summary>
/// What the kernel columns share: always shown, custom category, numeric, one value per benchmark case. A column
/// supplies its name, order, unit, legend and <see cref="Value"/>.
/// </summary>
/// <param name="columnName">The header.</param>
/// <param name="priority">The order among the custom columns.</param>
/// <param name="unitType">The unit BenchmarkDotNet formats with.</param>
/// <param name="legend">The legend line.</param>
internal abstract class KernelColumn(string columnName, int priority, UnitType unitType, string legend) : IColumn
{
    /// <inheritdoc/>
    public string Id => GetType().Name;

    /// <inheritdoc/>
    public string ColumnName => columnName;

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => priority;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => unitType;

    /// <inheritdoc/>
    public string Legend => legend;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => Value(summary, benchmarkCase);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => Value(summary, benchmarkCase);

    /// <summary>The cell of one benchmark case.</summary>
    /// <param name="summary">The run's summary.</param>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>The text of the cell.</returns>
    protected abstract string Value(Summary summary, BenchmarkCase benchmarkCase);
}
