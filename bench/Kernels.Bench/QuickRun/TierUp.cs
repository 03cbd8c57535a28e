using System.Reflection;
using BenchmarkDotNet.Running;
using Kernels.Bench.Infrastructure;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// Brings a benchmark class's code to the runtime's optimized tier before an in-process run measures it.
/// </summary>
/// <remarks>
/// Tiered compilation starts every method at Tier0 (methods with loops run OSR code) and promotes it only after
/// about 30 calls and a quiet period of the background compiler, twice under dynamic PGO (Tier0, instrumented,
/// optimized). In a fresh process per benchmark that happens during BenchmarkDotNet's warmup; in one shared process
/// the first rows of a quick run measured partly unoptimized code (up to ~50× slow for TensorPrimitives at n = 1,024).
/// </remarks>
internal static class TierUp
{
    private const int Rounds = 4;
    private const int CallsPerRound = 40;

    // Longer than the runtime's 100 ms call-counting delay, with room for the background compiler on a busy machine.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Calls every benchmark method of the class repeatedly, pausing between rounds: at its smallest element count, or
    /// on the data <see cref="IQuickRunBenchmark.SetUpForTierUp"/> sets up.
    /// </summary>
    /// <param name="benchmarkType">The benchmark class.</param>
    public static void Run(Type benchmarkType)
    {
        BenchmarkCase[] cases = BenchmarkConverter.TypeToBenchmarks(benchmarkType).BenchmarksCases;
        if (cases.Length == 0)
        {
            return;
        }

        // A class that sets up its own (small) data: a fresh instance, set up again before every round.
        var own = (IQuickRunBenchmark)Activator.CreateInstance(benchmarkType)!;
        if (own.SetUpForTierUp(0))
        {
            MethodInfo[] all = cases.Select(c => c.Descriptor.WorkloadMethod).Distinct().ToArray();
            for (int round = 0; round < Rounds; round++)
            {
                if (round > 0)
                {
                    own.SetUpForTierUp(round);
                }

                foreach (MethodInfo method in all)
                {
                    for (int call = 0; call < CallsPerRound; call++)
                    {
                        method.Invoke(own, null);
                    }
                }

                Thread.Sleep(Pause);
            }

            return;
        }

        // The smallest cases are the cheapest to call often; the code paths are the same at every n.
        int smallest = cases.Min(c => ElementCount.Of(c) ?? 0);
        BenchmarkCase[] smallestCases = cases.Where(c => (ElementCount.Of(c) ?? 0) == smallest).ToArray();
        MethodInfo[] methods = smallestCases.Select(c => c.Descriptor.WorkloadMethod).Distinct().ToArray();
        using BenchmarkInstance benchmark = BenchmarkInstance.Create(smallestCases[0]);
        for (int round = 0; round < Rounds; round++)
        {
            foreach (MethodInfo method in methods)
            {
                for (int call = 0; call < CallsPerRound; call++)
                {
                    benchmark.Invoke(method);
                }
            }

            Thread.Sleep(Pause);
        }
    }
}
