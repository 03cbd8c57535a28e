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
}
