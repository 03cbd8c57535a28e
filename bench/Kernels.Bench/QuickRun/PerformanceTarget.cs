using System.Globalization;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// A must/aim threshold on how fast <see cref="Method"/> runs compared with <see cref="Comparison"/>, measured in
/// the same run at element count <see cref="N"/>. The measured quantity is always the ratio of median times
/// time(Comparison) / time(Method): a speedup, or, for two methods moving the same bytes, a bandwidth share.
/// </summary>
/// <param name="Method">The method the target is about.</param>
/// <param name="Comparison">The method it is compared with.</param>
/// <param name="N">The element count.</param>
/// <param name="Must">The ratio that must be reached.</param>
/// <param name="Aim">The ratio aimed for, if any.</param>
internal abstract record PerformanceTarget(string Method, string Comparison, int N, double Must, double? Aim)
{
    /// <summary>One line: the measured ratio and whether the must and the aim are met.</summary>
    /// <param name="medianNanoseconds">The median time of a method at an element count, null if it did not run.</param>
    /// <returns>The line to print.</returns>
    public string Check(Func<string, int, double?> medianNanoseconds)
    {
        double? methodTime = medianNanoseconds(Method, N), comparisonTime = medianNanoseconds(Comparison, N);
        if (methodTime is not double method || comparisonTime is not double comparison)
        {
            return $"{Title}: not measured in this run";
        }

        double ratio = comparison / method;
        string verdict = $"must ≥ {Format(Must)}: {(ratio >= Must ? "met" : "NOT MET")}";
        if (Aim is double aim)
        {
            verdict += $"; aim ≥ {Format(aim)}: {(ratio >= aim ? "met" : "not met")}";
        }

        return $"{Title}: {Describe(ratio, method, comparison)}  ({verdict})";
    }

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
internal sealed record SpeedupTarget(string Method, string Comparison, int N, double Must, double? Aim)
    : PerformanceTarget(Method, Comparison, N, Must, Aim)
{
    /// <inheritdoc/>
    protected override string Title => Invariant($"{Method} vs {Comparison} at n = {N:N0}");

    /// <inheritdoc/>
    protected override string Format(double ratio) => Invariant($"{ratio:0.##}×");
}

/// <summary>
/// <see cref="PerformanceTarget.Method"/> reaches at least the fraction <see cref="PerformanceTarget.Must"/> of the
/// bandwidth of a bandwidth-bound comparison (a triad) that moves the same <see cref="BytesPerElement"/>.
/// </summary>
/// <param name="Method">The method the target is about.</param>
/// <param name="Triad">The bandwidth-bound comparison.</param>
/// <param name="N">The element count.</param>
/// <param name="BytesPerElement">Bytes read and written per element by both methods.</param>
/// <param name="Must">The fraction of the triad's bandwidth that must be reached.</param>
/// <param name="Aim">The fraction aimed for, if any.</param>
internal sealed record BandwidthShareTarget(string Method, string Triad, int N, int BytesPerElement, double Must, double? Aim)
    : PerformanceTarget(Method, Triad, N, Must, Aim)
{
    /// <inheritdoc/>
    protected override string Title => Invariant($"{Method} bandwidth vs {Comparison} at n = {N:N0}");

    /// <inheritdoc/>
    protected override string Format(double ratio) => Invariant($"{ratio * 100:0.#}%");

    /// <inheritdoc/>
    protected override string Describe(double ratio, double methodNanoseconds, double comparisonNanoseconds) =>
        Invariant($"{GigabytesPerSecond(methodNanoseconds):0.0} GB/s = {Format(ratio)} of {GigabytesPerSecond(comparisonNanoseconds):0.0} GB/s");

    // Bytes per nanosecond are gigabytes (10^9 bytes) per second.
    private double GigabytesPerSecond(double nanoseconds) => (double)BytesPerElement * N / nanoseconds;
}
