using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kernels.Bench.Report;

/// <summary>What the summary's header says about the run: the command, the machine, the runtime and the SIMD width.</summary>
/// <param name="Command">The command that produced the run.</param>
/// <param name="Method">How times were measured (job, statistic).</param>
internal sealed record RunDescription(string Command, string Method)
{
    /// <summary>"Kernels 0.1.0+abcdef1".</summary>
    public static string Library
    {
        get
        {
            string version = typeof(BinaryCrossEntropy).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
            int plus = version.IndexOf('+', StringComparison.Ordinal);
            return "Kernels " + (plus >= 0 && version.Length > plus + 8 ? version[..(plus + 8)] : version);
        }
    }

    /// <summary>The processor's model name, the logical core count and the OS.</summary>
    public static string Machine
    {
        get
        {
            string cpu = RuntimeInformation.ProcessArchitecture.ToString();
            try
            {
                if (File.Exists("/proc/cpuinfo") &&
                    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } line)
                {
                    cpu = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
            catch (IOException)
            {
                // Keep the architecture.
            }

            return string.Create(CultureInfo.InvariantCulture, $"{cpu}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}");
        }
    }

    /// <summary>The runtime, e.g. ".NET 10.0.12 X64".</summary>
    public static string Runtime => $"{RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture}";

    /// <summary>The widest accelerated vector and the float lanes of Vector&lt;T&gt;, e.g. "Vector512 (AVX-512), 16 float lanes, FMA".</summary>
    public static string Simd
    {
        get
        {
            string widest = Vector512.IsHardwareAccelerated ? "Vector512 (AVX-512)"
                : Vector256.IsHardwareAccelerated ? "Vector256 (AVX2)"
                : Vector128.IsHardwareAccelerated ? "Vector128"
                : "none (scalar)";
            int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;
            return string.Create(CultureInfo.InvariantCulture,
                $"{widest}, {lanes} float lanes per vector (Vector<float>.Count = {Vector<float>.Count}){(Fma.IsSupported ? ", FMA" : "")}");
        }
    }
}
