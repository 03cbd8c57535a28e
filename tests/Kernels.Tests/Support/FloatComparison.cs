using System.Globalization;
using System.Text;

namespace Kernels.Tests.Support;

/// <summary>
/// How a float result is compared with the exact (double) value it approximates. Every measure shares the same
/// rules for special values: a result equal to the exact value rounded to float matches (so NaN matches NaN and
/// an infinity matches only the same infinity), and any other NaN or infinity is an infinite error.
/// </summary>
public abstract record Tolerance
{
    /// <summary>The smallest normal float, 2^-126.</summary>
    public const double SmallestNormal = 1.1754943508222875e-38;

    /// <summary>2^-24, the unit roundoff of float: half an ulp relative at the bottom of a binade.</summary>
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>
    /// Within <paramref name="ulps"/> ulp of the exact value, the ulp taken at the exact value rounded to float;
    /// where the exact value is below the smallest normal float, within one smallest normal absolute instead.
    /// </summary>
    public static Tolerance Ulps(double ulps) => new UlpTolerance(ulps);

    /// <summary>Absolute error within <paramref name="bound"/> × the element's scale (e.g. 2^-22·s).</summary>
    public static Tolerance Absolute(double bound, string unitName) => new AbsoluteTolerance(bound, unitName);

    /// <summary>
    /// Relative error within <paramref name="bound"/>, plus one smallest normal × the element's scale absolute
    /// (results that are sums of values below the smallest normal are only that accurate).
    /// </summary>
    public static Tolerance Relative(double bound) => new RelativeTolerance(bound);

    /// <summary>Compares <paramref name="actual"/> with <paramref name="exact"/>.</summary>
    /// <param name="actual">The float result.</param>
    /// <param name="exact">The exact value, in double.</param>
    /// <param name="scale">The magnitude the bound is relative to (absolute and relative measures; 1 if none).</param>
    /// <returns>The error, the allowed error and the error in this tolerance's reporting unit.</returns>
    public Measurement Measure(float actual, double exact, double scale)
    {
        if (actual.Equals((float)exact))
        {
            return default;
        }

        double difference = float.IsNaN(actual) || double.IsNaN(exact) ? double.PositiveInfinity : Math.Abs(actual - exact);
        return MeasureFinite(difference, exact, scale);
    }

    /// <summary>The measurement of a difference that is not an exact match.</summary>
    protected abstract Measurement MeasureFinite(double difference, double exact, double scale);

    /// <summary>Formats an error in this tolerance's reporting unit, e.g. "1.73 ulp".</summary>
    public abstract string Format(double error);

    /// <summary>The ulp of <paramref name="value"/> rounded to float (that of float.MaxValue if it overflows).</summary>
    public static double UlpOf(double value)
    {
        float rounded = float.Min(MathF.Abs((float)value), float.MaxValue);
        return Math.ScaleB(1.0, Math.Max(MathF.ILogB(rounded), -126) - 23);
    }

    private sealed record UlpTolerance(double MaxUlps) : Tolerance
    {
        protected override Measurement MeasureFinite(double difference, double exact, double scale)
        {
            if (Math.Abs(exact) < SmallestNormal)
            {
                return new(difference, SmallestNormal, difference / SmallestNormal, OnFloor: true);
            }

            double ulp = UlpOf(exact);
            return new(difference, MaxUlps * ulp, difference / ulp, OnFloor: false);
        }

        public override string Format(double error) =>
            string.Create(CultureInfo.InvariantCulture, $"{error:0.###} ulp");

        public override string ToString() => Format(MaxUlps);
    }

    private sealed record AbsoluteTolerance(double Bound, string UnitName) : Tolerance
    {
        protected override Measurement MeasureFinite(double difference, double exact, double scale) =>
            new(difference, Bound * scale, difference / scale, OnFloor: false);

        public override string Format(double error) =>
            string.Create(CultureInfo.InvariantCulture, $"{error / Bound:0.###} × {BoundText}·{UnitName} absolute");

        public override string ToString() => $"{BoundText}·{UnitName} absolute";

        // Bounds are small multiples of 2^-24 or powers of two: "2^-22", "5·2^-24".
        private string BoundText => Math.ScaleB(1.0, Math.ILogB(Bound)) == Bound
            ? string.Create(CultureInfo.InvariantCulture, $"2^{Math.ILogB(Bound)}")
            : double.IsInteger(Bound / UnitRoundoff)
                ? string.Create(CultureInfo.InvariantCulture, $"{Bound / UnitRoundoff}·2^-24")
                : Bound.ToString("G3", CultureInfo.InvariantCulture);
    }

    private sealed record RelativeTolerance(double Bound) : Tolerance
    {
        protected override Measurement MeasureFinite(double difference, double exact, double scale)
        {
            double floor = SmallestNormal * scale;
            double relativeAllowance = Bound * Math.Abs(exact);
            return new(difference, relativeAllowance + floor, difference / Math.Abs(exact), OnFloor: relativeAllowance < floor);
        }

        public override string Format(double error) =>
            string.Create(CultureInfo.InvariantCulture, $"{error:G3} relative ({error / UnitRoundoff:0.##}·2^-24)");

        public override string ToString() => Format(Bound);
    }
}

/// <summary>One comparison: the difference, what was allowed, and the error in the tolerance's reporting unit.</summary>
/// <param name="Difference">|actual - exact| (∞ for a NaN or infinity mismatch).</param>
/// <param name="Allowed">The largest allowed difference.</param>
/// <param name="Error">The difference in the tolerance's unit (ulp, multiples of the scale, relative).</param>
/// <param name="OnFloor">
/// Whether the absolute floor applied rather than the ulp or relative bound: the exact value is below the smallest
/// normal (ulp measure), or so small that the relative bound is under one smallest normal × scale (relative measure).
/// </param>
public readonly record struct Measurement(double Difference, double Allowed, double Error, bool OnFloor)
{
    /// <summary>Difference / Allowed: within tolerance when ≤ 1.</summary>
    public double Score => Difference == 0 ? 0 : Difference / Allowed;
}

/// <summary>
/// The worst error of one quantity (say "loss, hard targets") over many values, with the input that produced it,
/// so a failure reads "loss 5.2 ulp at z=…, y=…" and a pass can report the measured worst case. NaN/infinity
/// mismatches are counted apart, so that one overflow does not hide how accurate every other value was.
/// </summary>
public sealed class ErrorStats(string quantity, Tolerance tolerance)
{
    private double _worstScore;
    private string? _worstScoreText;
    private double _worstError;
    private string? _worstErrorInput;
    private string? _firstMismatchText;
    private double _worstFloorDifference;

    public string Quantity { get; } = quantity;

    public Tolerance Tolerance { get; } = tolerance;

    /// <summary>How many values were compared.</summary>
    public long Count { get; private set; }

    /// <summary>How many values were NaN or infinite where the exact value was not (or the other way round).</summary>
    public long Mismatches { get; private set; }

    /// <summary>The largest error (in the tolerance's unit) among finite differences where the floor did not apply.</summary>
    public double WorstError => _worstError;

    /// <summary>The largest Difference / Allowed among finite differences: the test fails when it exceeds 1.</summary>
    public double WorstScore => _worstScore;

    /// <summary>Compares one value; <paramref name="describe"/>(<paramref name="index"/>) names its input, and runs only for a new worst.</summary>
    public void Add(float actual, double exact, double scale, Func<int, string> describe, int index)
    {
        Count++;
        Measurement m = Tolerance.Measure(actual, exact, scale);
        if (double.IsPositiveInfinity(m.Difference))
        {
            if (Mismatches++ == 0)
            {
                _firstMismatchText = Describe("NaN/infinity mismatch", actual, exact, describe(index));
            }

            return;
        }

        if (m.Score > _worstScore)
        {
            _worstScore = m.Score;
            string error = m.OnFloor
                ? string.Create(CultureInfo.InvariantCulture, $"{m.Difference:G3} absolute (under the smallest-normal floor, which allows {m.Allowed:G3})")
                : Tolerance.Format(m.Error);
            _worstScoreText = Describe(error, actual, exact, describe(index));
        }

        if (m.OnFloor)
        {
            _worstFloorDifference = Math.Max(_worstFloorDifference, m.Difference);
        }
        else if (m.Error > _worstError)
        {
            _worstError = m.Error;
            _worstErrorInput = describe(index);
        }
    }

    /// <summary>Compares every element of <paramref name="actual"/> with the same element of <paramref name="exact"/>.</summary>
    public void AddAll(ReadOnlySpan<float> actual, ReadOnlySpan<double> exact, Func<int, string> describe, double scale = 1)
    {
        Assert.Equal(exact.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Add(actual[i], exact[i], scale, describe, i);
        }
    }

    /// <summary>The failure messages: NaN/infinity mismatches, and the worst value beyond the tolerance.</summary>
    public IEnumerable<string> Failures()
    {
        if (Mismatches > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{Mismatches:N0} of {Count:N0} values: first {_firstMismatchText}");
        }

        if (_worstScore > 1)
        {
            yield return _worstScoreText!;
        }
    }

    /// <summary>Fails with the worst offending input if any value was outside the tolerance.</summary>
    public void AssertWithinTolerance()
    {
        string failures = string.Join(Environment.NewLine, Failures());
        if (failures.Length > 0)
        {
            Assert.Fail(failures);
        }
    }

    /// <summary>One line for the test output: the measured worst case.</summary>
    public override string ToString()
    {
        if (Count == 0)
        {
            return $"{Quantity}: nothing compared";
        }

        string mismatches = Mismatches == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; {Mismatches:N0} NaN/infinity MISMATCHES");
        string floor = _worstFloorDifference == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; under the floor at most {_worstFloorDifference / Tolerance.SmallestNormal:G3}·2^-126 absolute");
        string at = _worstErrorInput is null ? string.Empty : $" at {_worstErrorInput}";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Quantity}: worst {Tolerance.Format(_worstError)} over {Count:N0} values (tolerance {Tolerance}; worst/tolerance {_worstScore:0.###}{floor}{mismatches}){at}");
    }

    private string Describe(string error, float actual, double exact, string input) =>
        string.Create(CultureInfo.InvariantCulture, $"{Quantity} {error} at {input} (got {actual:R}, exact {exact:R}; tolerance {Tolerance})");
}

/// <summary>A named set of <see cref="ErrorStats"/> collected by one test, printed and asserted together.</summary>
public sealed class AccuracyReport
{
    private readonly Dictionary<string, ErrorStats> _stats = new(StringComparer.Ordinal);

    /// <summary>The statistics of <paramref name="quantity"/>, created with <paramref name="tolerance"/> on first use.</summary>
    public ErrorStats For(string quantity, Tolerance tolerance)
    {
        if (!_stats.TryGetValue(quantity, out ErrorStats? stats))
        {
            stats = new ErrorStats(quantity, tolerance);
            _stats.Add(quantity, stats);
        }

        Assert.Equal(tolerance, stats.Tolerance);
        return stats;
    }

    public IEnumerable<ErrorStats> All => _stats.Values;

    /// <summary>Writes one line per quantity to the test output (and as a diagnostic message) for the record.</summary>
    public void WriteToTestOutput(string title)
    {
        StringBuilder text = new();
        text.Append(title).Append(':');
        foreach (ErrorStats stats in _stats.Values.OrderBy(s => s.Quantity, StringComparer.Ordinal))
        {
            text.AppendLine().Append("  ").Append(stats);
        }

        TestOutput.WriteLine(text.ToString());
    }

    /// <summary>Fails listing every quantity that exceeded its tolerance.</summary>
    public void AssertAllWithinTolerance()
    {
        string failures = string.Join(Environment.NewLine, _stats.Values.SelectMany(s => s.Failures()));
        if (failures.Length > 0)
        {
            Assert.Fail(failures);
        }
    }
}

/// <summary>Bit-for-bit comparisons, for outputs that must be identical (not merely close).</summary>
public static class Bitwise
{
    /// <summary>Asserts that two floats have the same bits (so NaN payloads and the sign of zero count).</summary>
    public static void AssertEqual(float expected, float actual, string what)
    {
        if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R} (0x{BitConverter.SingleToInt32Bits(expected):X8}), got {actual:R} (0x{BitConverter.SingleToInt32Bits(actual):X8})"));
        }
    }

    /// <summary>Asserts that two spans have the same length and the same bits, naming the first differing index.</summary>
    public static void AssertEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertEqual(expected[i], actual[i], string.Create(CultureInfo.InvariantCulture, $"{what}[{i}] (of {expected.Length})"));
        }
    }
}

/// <summary>Test output that shows up both in the per-test output and, as a diagnostic message, in the run log.</summary>
public static class TestOutput
{
    public static void WriteLine(string text)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        TestContext.Current.SendDiagnosticMessage(text);
    }
}
