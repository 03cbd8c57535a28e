namespace Kernels.Bench.Report;

/// <summary>What a benchmark method is in the summary table: one of its three comparison columns, or another row.</summary>
internal enum RowRole
{
    /// <summary>The straightforward scalar loop (the column "scalar loop").</summary>
    Scalar,

    /// <summary>The natural TensorPrimitives composition (the column "composition").</summary>
    Composition,

    /// <summary>The library's fused kernel (the column "fused"; speed-ups and throughput are its).</summary>
    Fused,

    /// <summary>Any other row (floors, limits, references): a column of its own, after the three.</summary>
    Other,
}

/// <summary>
/// Declares a benchmark method's <see cref="RowRole"/> and, optionally, its column label in the summary. Without it the
/// convention applies: the <c>Baseline = true</c> method is the scalar loop, a method named <c>Fused</c> the fused
/// kernel, a method whose name contains <c>Composition</c> the composition, and any other method is an extra column
/// labelled with its name.
/// </summary>
/// <param name="role">The role.</param>
/// <param name="label">The column label of an <see cref="RowRole.Other"/> row (default: the method name).</param>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SummaryRowAttribute(RowRole role, string? label = null) : Attribute
{
    /// <summary>The role.</summary>
    public RowRole Role => role;

    /// <summary>The column label, or null for the method name.</summary>
    public string? Label => label;
}

/// <summary>The unit of a kernel's throughput column.</summary>
internal enum ThroughputUnit
{
    /// <summary>No throughput column.</summary>
    None,

    /// <summary>GB/s (10^9 bytes per second) from <see cref="SummaryKernelAttribute.PerElement"/> bytes per element.</summary>
    Bytes,

    /// <summary>GFLOP/s from <see cref="SummaryKernelAttribute.PerElement"/> flops per element.</summary>
    Flops,
}

/// <summary>
/// Optional facts about a benchmark class for the summary: where it sorts, how to compute the fused kernel's
/// throughput, and a note printed under its table. Without it the class still appears (after the others, by name,
/// without a throughput column). The kernel's name is the class name without the <c>Benchmarks</c> suffix.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
internal sealed class SummaryKernelAttribute : Attribute
{
    /// <summary>The position among the kernels (smaller first).</summary>
    public int Order { get; init; } = int.MaxValue;

    /// <summary>The throughput unit.</summary>
    public ThroughputUnit Throughput { get; init; }

    /// <summary>Bytes or flops per element (see <see cref="Throughput"/>).</summary>
    public double PerElement { get; init; }

    /// <summary>What the throughput counts, printed under the table.</summary>
    public string? Note { get; init; }

    /// <summary>
    /// The benchmark method every other row of the kernel is also shown against, as time(row) / time(this method) at
    /// the same shape in the same run (e.g. a variant beside the plain kernel it extends); null for none.
    /// </summary>
    public string? RelativeTo { get; init; }
}
