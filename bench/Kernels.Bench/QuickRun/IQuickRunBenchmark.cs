namespace Kernels.Bench.QuickRun;

/// <summary>
/// A benchmark class that takes part in the quick run (<c>dotnet run</c> without arguments): <see cref="QuickRunner"/>
/// finds every such class in the assembly and runs it with <see cref="QuickRunConfig"/>; the summary table and chart
/// show it (see <see cref="Report.KernelSummary"/>), and <c>--check</c> checks its <see cref="Targets"/> against the
/// run. A new kernel joins by implementing this interface; nothing else changes.
/// </summary>
internal interface IQuickRunBenchmark
{
    /// <summary>The internal performance targets that <c>--check</c> checks, in the order to print them.</summary>
    IReadOnlyList<PerformanceTarget> Targets { get; }

    /// <summary>Rows left out of the quick run to keep it short; the full suite still runs them.</summary>
    /// <param name="method">The benchmark method's name.</param>
    /// <param name="shape">The case's shape (see <see cref="Infrastructure.ElementCount.ShapeOf"/>).</param>
    /// <returns>True to skip the row.</returns>
    bool IsSkippedInQuickRun(string method, object? shape) => false;

    /// <summary>
    /// Sets this instance up for round <paramref name="round"/> of <see cref="TierUp"/> with data of its own choosing,
    /// for classes whose every case is too slow to call the many times tiering needs (the default, false, has TierUp
    /// run the class's smallest case). The data must take the same code paths as the measured cases.
    /// </summary>
    /// <param name="round">The tier-up round, from 0.</param>
    /// <returns>True if the instance was set up (TierUp then calls its benchmark methods); false to use the smallest case.</returns>
    bool SetUpForTierUp(int round) => false;
}
