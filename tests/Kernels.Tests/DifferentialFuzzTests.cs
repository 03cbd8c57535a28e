using System.Globalization;
using CsCheck;
using Kernels.Tests.Fuzzing;
using Kernels.Tests.Support;
using Kernels.Tests.Surface;

namespace Kernels.Tests;

/// <summary>
/// Differential fuzzing of every public method (<see cref="PublicSurface"/>) against its double-precision reference
/// under the documented bounds (<see cref="SurfaceAccuracy"/>). A failure shrinks to a minimal case and prints it as a
/// test to paste (<see cref="FuzzCase.ToString"/>), which calls <see cref="Check"/>.
/// </summary>
/// <remarks>
/// Budget: <see cref="CiCases"/> cases per test run (.ci/run runs the suite under 4 ISA settings). Long mode: set
/// KERNELS_FUZZ_SECONDS to run for that many seconds instead; KERNELS_FUZZ_SEED repeats a run CsCheck printed.
/// </remarks>
public class DifferentialFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases per CI run: the 4 ISA runs of .ci/run give 10^6 cases in all.</summary>
    public const long CiCases = 250_000;

    /// <summary>KERNELS_FUZZ_CASES overrides <see cref="CiCases"/> (a quick local run).</summary>
    private static long Cases => long.TryParse(Environment.GetEnvironmentVariable("KERNELS_FUZZ_CASES"), out long cases) ? cases : CiCases;

    public const string SecondsVariable = "KERNELS_FUZZ_SECONDS";

    public const string SeedVariable = "KERNELS_FUZZ_SEED";

    // Explicit until the disagreements it finds are fixed (see the known-issue tests and the closing note of issue 12):
    // run it with `dotnet test -c Release -- --filter-method "*DifferentialFuzz*" --explicit on`.
    [Fact(Explicit = true)]
    public void EveryPublicMethodAgreesWithTheReferenceOnRandomInputs()
    {
        string? seconds = Environment.GetEnvironmentVariable(SecondsVariable);
        string? seed = Environment.GetEnvironmentVariable(SeedVariable);
        long cases = 0;
        long[] perMethod = new long[PublicSurface.All.Count];
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        FuzzGenerators.Case.Sample(
            c =>
            {
                Check(c);
                Interlocked.Increment(ref cases);
                Interlocked.Increment(ref perMethod[IndexOf(c.Method)]);
            },
            writeLine: output.WriteLine,
            seed: string.IsNullOrEmpty(seed) ? null : seed,
            iter: string.IsNullOrEmpty(seconds) ? Cases : -1,
            time: string.IsNullOrEmpty(seconds) ? -1 : int.Parse(seconds, CultureInfo.InvariantCulture),
            print: c => "\n" + c);
        string summary = $"FUZZ: {cases} cases in {clock.Elapsed.TotalSeconds:0} s; known softmax label-loss issue excused in {SurfaceAccuracy.ExcusedLabelLosses} calls; per method: " +
            string.Join(", ", PublicSurface.All.Select((m, i) => $"{m.Name} {perMethod[i]}"));
        output.WriteLine(summary);
        TestOutput.WriteLine(summary);
        Assert.All(perMethod, count => Assert.True(count > 0, "a public method was never fuzzed"));
    }

    /// <summary>
    /// One case: the method's outputs within the documented bounds of the reference's, the inputs untouched, and
    /// the generated inputs unchanged by the call.
    /// </summary>
    internal static void Check(FuzzCase c)
    {
        SurfaceProblem problem = new(c);
        float[][] inputs = [.. problem.Arrays.Select(a => (float[])a.Clone())];
        SurfaceResult fast = problem.Run();
        SurfaceAccuracy.Check(problem, fast);
        for (int role = 0; role < inputs.Length; role++)
        {
            BitwiseAssert.Equal(inputs[role], problem.Arrays[role], $"{(Operand)role} of the problem changed");
        }
    }

    /// <summary><see cref="Check"/> with no known issue excused (for the skipped regression tests of those issues).</summary>
    internal static void CheckStrict(FuzzCase c)
    {
        SurfaceAccuracy.Strict = true;
        try
        {
            Check(c);
        }
        finally
        {
            SurfaceAccuracy.Strict = false;
        }
    }

    private static int IndexOf(string method)
    {
        for (int i = 0; i < PublicSurface.All.Count; i++)
        {
            if (PublicSurface.All[i].Name == method)
            {
                return i;
            }
        }

        return -1;
    }
}
