using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.Columns;

/// <summary>
/// The relative error |cost - exact| / |exact| of the cost each <see cref="ReturnsCostAttribute"/> row returns,
/// against <see cref="IReferenceCostSource.ReferenceCost"/>; "-" for other rows. Accuracy is part of the comparison:
/// a faster kernel that sums in float can be off in the fourth digit at large n. Values come from
/// <see cref="BenchmarkProbe"/>, not from the timed runs.
/// </summary>
internal sealed class CostErrorColumn() : KernelColumn("CostError", 1, UnitType.Dimensionless, "Relative error of the returned cost against the double-precision reference cost")
{
    /// <summary>The single instance.</summary>
    public static readonly CostErrorColumn Instance = new();

    /// <inheritdoc/>
    protected override string Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        if (!benchmarkCase.Descriptor.WorkloadMethod.IsDefined(typeof(ReturnsCostAttribute)))
        {
            return "-";
        }

        ProbedSetup setup = BenchmarkProbe.Of(benchmarkCase);
        double exact = setup.ReferenceCost ?? throw new InvalidOperationException(
            $"{benchmarkCase.Descriptor.Type.Name} has [ReturnsCost] methods but is not an {nameof(IReferenceCostSource)}.");
        double cost = setup.Calls[benchmarkCase.Descriptor.WorkloadMethod.Name].ReturnValue;
        double error = exact == 0 ? Math.Abs(cost) : Math.Abs(cost - exact) / Math.Abs(exact);
        return error.ToString("0.0E+0", CultureInfo.InvariantCulture);
    }
}
