using System.Globalization;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.Columns;

/// <summary>
/// Floating-point operations per second from the mean time, for kernels that are dense algebra underneath: the flops
/// of a call come from the element count N (see <see cref="ElementCount"/>). The header quotes this machine's
/// single-core FMA peak (<see cref="FmaPeak"/>) to compare with; the legend says how it was computed.
/// </summary>
/// <param name="flopsPerCall">The flops of one call at element count N.</param>
/// <param name="what">What is counted, for the legend (e.g. "3·2·n·d·k: forward, ∂W, ∂X").</param>
internal sealed class GigaflopsColumn(Func<int, double> flopsPerCall, string what)
    : KernelColumn($"GFLOP/s (peak {FmaPeak.Gigaflops.ToString("0", CultureInfo.InvariantCulture)})", 3, UnitType.Dimensionless, $"Flops ({what}) / Mean, in 10^9 per second; peak = {FmaPeak.Description}")
{
    /// <inheritdoc/>
    protected override string Value(Summary summary, BenchmarkCase benchmarkCase)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        int? n = ElementCount.Of(benchmarkCase);
        return meanNanoseconds is double mean && n is > 0
            ? (flopsPerCall(n.Value) / mean).ToString("0.0", CultureInfo.InvariantCulture)
            : "-";
    }
}

/// <summary>
/// One core's peak float FMA throughput: 2 FMA pipes × the float lanes of the widest accelerated vector × 2 flops
/// per FMA × the clock. The clock is the maximum frequency from cpufreq when the kernel exposes it, else the
/// "cpu MHz" of /proc/cpuinfo (on a VM usually the nominal clock; boost, if any, is not visible, so the true peak
/// may be higher).
/// </summary>
internal static class FmaPeak
{
    private const int FmaPipes = 2;

    /// <summary>The peak in GFLOP/s (0 if no clock could be read).</summary>
    public static double Gigaflops { get; }

    /// <summary>The formula with this machine's numbers and where the clock came from.</summary>
    public static string Description { get; }

    static FmaPeak()
    {
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        (double gigahertz, string source) = Clock();
        Gigaflops = FmaPipes * lanes * 2 * gigahertz;
        Description = string.Create(
            CultureInfo.InvariantCulture,
            $"{FmaPipes} FMA pipes × {lanes} float lanes × 2 flops × {gigahertz:0.000} GHz ({source}) = {Gigaflops:0.0} GFLOP/s per core");
    }

    private static (double Gigahertz, string Source) Clock()
    {
        try
        {
            const string MaxFrequency = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
            if (File.Exists(MaxFrequency))
            {
                return (double.Parse(File.ReadAllText(MaxFrequency).Trim(), CultureInfo.InvariantCulture) / 1e6, "cpufreq cpuinfo_max_freq");
            }

            if (File.Exists("/proc/cpuinfo"))
            {
                string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
                if (line is not null)
                {
                    return (double.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture) / 1e3, "/proc/cpuinfo \"cpu MHz\", nominal; boost not reported");
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, "clock unreadable: " + exception.Message);
        }

        return (0, "clock not found");
    }
}
