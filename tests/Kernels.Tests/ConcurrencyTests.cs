using Kernels.Tests.Support;
using Kernels.Tests.Surface;

namespace Kernels.Tests;

/// <summary>
/// The kernels claim to be stateless: many threads calling every public method at once, on shared read-only inputs
/// and private outputs, get exactly the bits of a single-threaded call.
/// </summary>
public class ConcurrencyTests
{
    private const int Rounds = 6;

    [Fact]
    public void EveryPublicMethodCalledFromManyThreadsAtOnceGivesTheSingleThreadBits()
    {
        // 4× the cores at least (8 on the CI machine's 2 cores), all released together by a barrier each round.
        int threads = int.Max(4 * Environment.ProcessorCount, 8);
        SurfaceProblem[] problems = [.. PublicSurface.All.SelectMany(m => SurfaceShapes.All(m, 7000))
            .Where(c => c.Rows > 0).Select(c => new SurfaceProblem(c))];
        float[][] expected = [.. problems.Select(p => p.RunOnSharedInputs().AllBits)];
        float[][] inputs = [.. problems.SelectMany(p => p.Arrays).Select(a => (float[])a.Clone())];

        string?[] failures = new string?[threads];
        using Barrier barrier = new(threads);
        Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                barrier.SignalAndWait();
                // Each thread starts at a different problem, so different methods overlap in time.
                for (int j = 0; j < problems.Length; j++)
                {
                    int index = (j + (t * 7) + round) % problems.Length;
                    float[] actual = problems[index].RunOnSharedInputs().AllBits;
                    if (failures[t] is null && !SameBits(actual, expected[index]))
                    {
                        failures[t] = $"thread {t}, round {round}: {problems[index].Call.Method} n={problems[index].Call.Rows} differs from the single-thread result";
                    }
                }
            }
        }, maxStackSize: 1 << 20))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Assert.All(failures, failure => Assert.Null(failure));
        float[][] after = [.. problems.SelectMany(p => p.Arrays)];
        for (int i = 0; i < inputs.Length; i++)
        {
            BitwiseAssert.Equal(inputs[i], after[i], "a shared input (or an untouched output template) was written");
        }

        Assert.Equal(PublicSurface.All.Count, problems.Select(p => p.Call.Method).Distinct().Count());
    }

    private static bool SameBits(float[] a, float[] b) =>
        a.Length == b.Length && a.Select(BitwiseAssert.BitsOf).SequenceEqual(b.Select(BitwiseAssert.BitsOf));
}
