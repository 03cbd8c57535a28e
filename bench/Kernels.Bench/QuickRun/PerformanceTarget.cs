using System.Globalization;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// An internal must/aim threshold on how fast <see cref="Method"/> runs compared with <see cref="Comparison"/>,
/// measured in the same run on the case <see cref="Shape"/> (checked only with <c>--check</c>). The measured quantity is always the ratio of median times
/// time(Comparison) / time(Method): a speedup, or, for two methods moving the same bytes, a bandwidth share.
/// </summary>
/// <param name="Method">The method the target is about.</param>
/// <param name="Comparison">The method it is compared with.</param>
/// <param name="Shape">The case: its element count N (int) or its <see cref="Infrastructure.Shape"/>, as <see cref="ElementCount.ShapeOf"/> gives it.</param>
/// <param name="Must">The ratio that must be reached.</param>
/// <param name="Aim">The ratio aimed for, if any.</param>
internal abstract record PerformanceTarget(string Method, string Comparison, object Shape, double Must, double? Aim)
{
    /// <summary>One line: the measured ratio and whether the must and the aim are met.</summary>
    /// <param name="medianNanoseconds">The median time of a method on a case, null if it did not run.</param>
    /// <param name="met">Whether the must is met; null when the target was not measured.</param>
    /// <returns>The line to print.</returns>
    public string Check(Func<string, object, double?> medianNanoseconds, out bool? met)
    {
        double? methodTime = medianNanoseconds(Method, Shape), comparisonTime = medianNanoseconds(Comparison, Shape);
        if (methodTime is not double method || comparisonTime is not double comparison)
        {
            met = null;
            return $"{Title}: not measured in this run";
        }

        double ratio = comparison / method;
        met = ratio >= Must;
        string verdict = $"must {Bound} {Format(Must)}: {(ratio >= Must ? "met" : "NOT MET")}";
        if (Aim is double aim)
        {
            verdict += $"; aim {Bound} {Format(aim)}: {(ratio >= aim ? "met" : "not met")}";
        }

        return $"{Title}: {Describe(ratio, method, comparison)}  ({verdict})";
    }

    /// <summary>How the formatted value relates to the formatted must and aim ("≥", or "≤" for a unit that inverts the ratio).</summary>
    protected virtual string Bound => "≥";

    /// <summary>What is compared, e.g. "Fused vs ScalarLoop at n = 65,536".</summary>
    protected abstract string Title { get; }

    /// <summary>Formats a ratio in the target's unit.</summary>
    /// <param name="ratio">time(Comparison) / time(Method).</param>
    /// <returns>The text.</returns>
    protected abstract string Format(double ratio);

    /// <summary>The measured value with any useful detail; by default just the formatted ratio.</summary>
    /// <param name="ratio">time(Comparison) / time(Method).</param>
    /// <param name="methodNanoseconds">The median time of <see cref="Method"/>.</param>
    /// <param name="comparisonNanoseconds">The median time of <see cref="Comparison"/>.</param>
    /// <returns>The text.</returns>
    protected virtual string Describe(double ratio, double methodNanoseconds, double comparisonNanoseconds) => Format(ratio);

    /// <summary>Formats with the invariant culture, so the output reads the same on every machine.</summary>
    /// <param name="text">The interpolated text.</param>
    /// <returns>The text.</returns>
    protected static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary><see cref="PerformanceTarget.Method"/> is at least <see cref="PerformanceTarget.Must"/> times as fast as the comparison.</summary>
/// <inheritdoc cref="PerformanceTarget"/>
internal sealed record SpeedupTarget(string Method, string Comparison, object Shape, double Must, double? Aim)
    : PerformanceTarget(Method, Comparison, Shape, Must, Aim)
{
    /// <inheritdoc/>
    protected override string Title => $"{Method} vs {Comparison} at {ElementCount.ShapeLabel(Shape)}";

    /// <inheritdoc/>
    protected override string Format(double ratio) => Invariant($"{ratio:0.##}×");
}

/// <summary>
/// <see cref="PerformanceTarget.Method"/> reaches at least the fraction <see cref="PerformanceTarget.Must"/> of the
/// bandwidth of a bandwidth-bound comparison (a triad) that moves the same <see cref="BytesPerElement"/>.
/// </summary>
/// <param name="Method">The method the target is about.</param>
/// <param name="Triad">The bandwidth-bound comparison.</param>
/// <param name="Shape">The case (see <see cref="PerformanceTarget"/>).</param>
/// <param name="BytesPerElement">Bytes read and written per element by both methods.</param>
/// <param name="Must">The fraction of the triad's bandwidth that must be reached.</param>
/// <param name="Aim">The fraction aimed for, if any.</param>
internal sealed record BandwidthShareTarget(string Method, string Triad, object Shape, int BytesPerElement, double Must, double? Aim)
    : PerformanceTarget(Method, Triad, Shape, Must, Aim)
{
    /// <inheritdoc/>
    protected override string Title => $"{Method} bandwidth vs {Comparison} at {ElementCount.ShapeLabel(Shape)}";

    /// <inheritdoc/>
    protected override string Format(double ratio) => Invariant($"{ratio * 100:0.#}%");

    /// <inheritdoc/>
    protected override string Describe(double ratio, double methodNanoseconds, double comparisonNanoseconds) =>
        Invariant($"{GigabytesPerSecond(methodNanoseconds):0.0} GB/s = {Format(ratio)} of {GigabytesPerSecond(comparisonNanoseconds):0.0} GB/s");

    // Bytes per nanosecond are gigabytes (10^9 bytes) per second.
    private double GigabytesPerSecond(double nanoseconds) => (double)BytesPerElement * (ElementCount.Of(Shape) ?? 0) / nanoseconds;
}

/// <summary>
/// <see cref="PerformanceTarget.Method"/> takes at most <paramref name="MaxTimes"/> times as long as the comparison (a
/// variant beside the plain kernel it extends, e.g. focal loss beside binary cross-entropy). Stored as the speed-up it
/// implies (must = 1 / <paramref name="MaxTimes"/>) and printed as time(Method) / time(Comparison).
/// </summary>
/// <param name="Method">The method the target is about.</param>
/// <param name="Comparison">The plain kernel it is timed against.</param>
/// <param name="Shape">The case (see <see cref="PerformanceTarget"/>).</param>
/// <param name="MaxTimes">The most time(Method) / time(Comparison) may be.</param>
/// <param name="AimTimes">The ratio aimed for, if any.</param>
internal sealed record TimeRatioTarget(string Method, string Comparison, object Shape, double MaxTimes, double? AimTimes)
    : PerformanceTarget(Method, Comparison, Shape, 1 / MaxTimes, AimTimes is double aim ? 1 / aim : null)
{
    /// <inheritdoc/>
    protected override string Title => $"{Method} time / {Comparison} time at {ElementCount.ShapeLabel(Shape)}";

    /// <inheritdoc/>
    protected override string Bound => "≤";

    /// <inheritdoc/>
    protected override string Format(double ratio) => Invariant($"{1 / ratio:0.00}×");
}
