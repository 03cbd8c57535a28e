namespace Kernels.Bench.QuickRun;

/// <summary>
/// A benchmark class that takes part in the quick run (<c>dotnet run</c> without arguments): <see cref="QuickRunner"/>
/// finds every such class in the assembly, runs it with <see cref="QuickRunConfig"/> and checks its
/// <see cref="Targets"/> against that run. A new kernel joins by implementing this interface; nothing else changes.
/// </summary>
internal interface IQuickRunBenchmark
{
    /// <summary>The performance targets to check after the quick run, in the order to print them.</summary>
    IReadOnlyList<PerformanceTarget> Targets { get; }

    /// <summary>Rows left out of the quick run to keep it short; the full suite still runs them.</summary>
    /// <param name="method">The benchmark method's name.</param>
    /// <param name="n">The element count.</param>
    /// <returns>True to skip the row.</returns>
    bool IsSkippedInQuickRun(string method, int n) => false;

    /// <summary>
    /// Sets this instance up for round <paramref name="round"/> of <see cref="TierUp"/> with data of its own choosing,
    /// for classes whose every case is too slow to call the many times tiering needs (the default, false, has TierUp
    /// run the class's smallest case). The data must take the same code paths as the measured cases.
    /// </summary>
    /// <param name="round">The tier-up round, from 0.</param>
    /// <returns>True if the instance was set up (TierUp then calls its benchmark methods); false to use the smallest case.</returns>
    bool SetUpForTierUp(int round) => false;
}
