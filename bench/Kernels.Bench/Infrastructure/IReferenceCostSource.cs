namespace Kernels.Bench.Infrastructure;

/// <summary>A benchmark class whose <see cref="Columns.ReturnsCostAttribute"/> methods can be checked against an exact cost.</summary>
internal interface IReferenceCostSource
{
    /// <summary>The exact (double-precision reference) cost of the data set up by the last <c>[GlobalSetup]</c>.</summary>
    /// <returns>The reference cost.</returns>
    double ReferenceCost();
}
