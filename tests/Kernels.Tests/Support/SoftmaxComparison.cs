using System.Globalization;
using System.Text;

namespace Kernels.Tests.Support;

/// <summary>ulp arithmetic of float results measured against double references.</summary>
internal static class SoftmaxComparison
{
    /// <summary>2^-24: the unit roundoff of float (half an ulp of 1).</summary>
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>The smallest normal float, 2^-126.</summary>
    public const double SmallestNormal = 1.1754943508222875e-38;

    /// <summary>The spacing of floats at |x| (2^-149 in the subnormal range).</summary>
    public static double Ulp(double x)
    {
        double a = Math.Abs(x);
        if (a < SmallestNormal)
        {
            return Math.ScaleB(1.0, -149);
        }

        return Math.ScaleB(1.0, Math.ILogB(a) - 23);
    }

    /// <summary>
    /// |actual - expected| when both are finite; 0 when both are the same infinity or both NaN (or expected overflows
    /// float to the infinity actual holds); +∞ for any other mismatch of NaN or infinity.
    /// </summary>
    public static double AbsoluteError(float actual, double expected)
    {
        if (double.IsNaN(expected) || float.IsNaN(actual))
        {
            return double.IsNaN(expected) && float.IsNaN(actual) ? 0 : double.PositiveInfinity;
        }

        float rounded = (float)expected;
        if (float.IsInfinity(rounded) || float.IsInfinity(actual))
        {
            return actual == rounded ? 0 : double.PositiveInfinity;
        }

        return Math.Abs(actual - expected);
    }

    /// <summary>The error of <paramref name="actual"/> in units of the float ulp at <paramref name="expected"/>.</summary>
    public static double UlpError(float actual, double expected)
    {
        double error = AbsoluteError(actual, expected);
        return error == 0 ? 0 : error / Ulp(expected);
    }

    public static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    public static string Format(float x) => x.ToString("R", CultureInfo.InvariantCulture);

    public static string FormatRow(ReadOnlySpan<float> row)
    {
        StringBuilder text = new("[");
        for (int i = 0; i < row.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(Format(row[i])).Append('f');
        }

        return text.Append(']').ToString();
    }
}

/// <summary>
/// Collects comparisons of float outputs against a bound, remembering the worst ratio error/bound and the worst
/// raw error (in ulps or relative to a magnitude) with the place where it happened, and the first failures.
/// </summary>
internal sealed class ErrorLog(string name)
{
    private static readonly double[] HistogramLimits = [1, 2, 4, 8, 16, 64];
    private readonly List<string> _failures = [];
    private readonly int[] _histogram = new int[HistogramLimits.Length + 1];

    public string Name { get; } = name;

    public int Count { get; private set; }

    public int FailureCount { get; private set; }

    /// <summary>The worst measured error in the log's unit (ulps, or units of 2^-24 relative to a magnitude).</summary>
    public double Worst { get; private set; }

    public string WorstWhere { get; private set; } = "(none)";

    public IReadOnlyList<string> Failures => _failures;

    /// <summary>
    /// Records one comparison: it passes when <paramref name="absoluteError"/> ≤ <paramref name="bound"/>; the log
    /// measures it in units of <paramref name="unit"/> (an ulp, or 2^-24 times a magnitude).
    /// </summary>
    public void Add(double absoluteError, double bound, double unit, Func<string> where, Func<string>? details = null)
    {
        Count++;
        double error = absoluteError == 0 ? 0 : unit > 0 ? absoluteError / unit : double.PositiveInfinity;
        int bin = 0;
        while (bin < HistogramLimits.Length && !(error <= HistogramLimits[bin]))
        {
            bin++;
        }

        _histogram[bin]++;
        if (error > Worst)
        {
            Worst = error;
            WorstWhere = where();
        }

        if (!(absoluteError <= bound))
        {
            FailureCount++;
            if (_failures.Count < 6)
            {
                _failures.Add(
                    (unit > 0
                        ? $"{Name}: error {SoftmaxComparison.Format(error)} units (bound {SoftmaxComparison.Format(bound / unit)}) at {where()}"
                        : $"{Name}: error {SoftmaxComparison.Format(absoluteError)} (bound {SoftmaxComparison.Format(bound)}) at {where()}") +
                    (details is null ? string.Empty : $"; {details()}"));
            }
        }
    }

    public string Summary()
    {
        // How many values fall in each error range, e.g. "<=1: 9500, <=2: 400, <=4: 90, <=8: 10".
        IEnumerable<string> bins = _histogram
            .Select((count, bin) => (count, bin))
            .Where(entry => entry.count > 0)
            .Select(entry => (entry.bin < HistogramLimits.Length ? $"<={HistogramLimits[entry.bin]}" : $">{HistogramLimits[^1]}") + $": {entry.count}");
        return $"{Name}: worst {SoftmaxComparison.Format(Math.Round(Worst, 3))} over {Count} values" +
            (FailureCount > 0 ? $", {FailureCount} FAILED" : string.Empty) + $" [{string.Join(", ", bins)}] (at {WorstWhere})";
    }
}
