using System.Globalization;
using BenchmarkDotNet.Running;

namespace Kernels.Bench.Infrastructure;

/// <summary>
/// The convention shared by the columns, the quick-run targets and the summary: a benchmark's problem size is either
/// its <c>[Params]</c> property named <see cref="ParameterName"/>, the number of float elements per call, or a
/// <see cref="Shape"/> parameter (any name), whose element count is rows × columns.
/// </summary>
internal static class ElementCount
{
    /// <summary>The name of the element-count parameter.</summary>
    public const string ParameterName = "N";

    /// <summary>The element count of a benchmark case, or null if it has no size parameter.</summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>n, or null.</returns>
    public static int? Of(BenchmarkCase benchmarkCase) => Of(ShapeOf(benchmarkCase));

    /// <summary>The element count of a shape as <see cref="ShapeOf"/> returns it: an int N or a <see cref="Shape"/>.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The element count, or null.</returns>
    public static int? Of(object? shape) => shape switch
    {
        int n => n,
        Shape s => s.Elements,
        _ => null,
    };

    /// <summary>
    /// The value that identifies a case's problem within its class: the <see cref="Shape"/> parameter, else the
    /// <see cref="ParameterName"/> int, else null. Targets name their case by this value (compared with Equals).
    /// </summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>The shape value, or null.</returns>
    public static object? ShapeOf(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<Shape>().Cast<object>().FirstOrDefault()
        ?? benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == ParameterName)?.Value as int?;

    /// <summary>How a shape value prints: "n = 65,536" for an element count, "4,096 × 10" for a <see cref="Shape"/>.</summary>
    /// <param name="shape">The shape value.</param>
    /// <returns>The text.</returns>
    public static string ShapeLabel(object? shape) => shape switch
    {
        int n => string.Create(CultureInfo.InvariantCulture, $"n = {n:N0}"),
        null => "-",
        _ => Convert.ToString(shape, CultureInfo.InvariantCulture) ?? "-",
    };

    /// <summary>
    /// A case's problem as text: <see cref="ShapeLabel"/> of its shape, followed by its other parameters
    /// ("name = value"), so a class with extra parameters still gets one line per combination.
    /// </summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>The text.</returns>
    public static string Label(BenchmarkCase benchmarkCase)
    {
        object? shape = ShapeOf(benchmarkCase);
        IEnumerable<string> others = benchmarkCase.Parameters.Items
            .Where(p => !Equals(p.Value, shape) && !(p.Name == ParameterName && p.Value is int))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} = {p.Value}"));
        return string.Join(", ", others.Prepend(ShapeLabel(shape)).Where(text => text != "-"));
    }
}
