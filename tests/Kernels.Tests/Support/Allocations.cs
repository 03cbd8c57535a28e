namespace Kernels.Tests.Support;

/// <summary>Measures GC-heap bytes allocated on the calling thread by calls to a kernel.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes this thread allocated in any of <paramref name="windows"/> windows of
    /// <paramref name="callsPerWindow"/> calls each. A kernel that allocates per call allocates in every window, so
    /// a minimum of 0 still proves it allocates nothing; a one-off runtime event on this thread (a tier-up
    /// transition, a lazily built runtime structure) lands in one window only. A single window was flaky in CI
    /// (5,984 bytes once in about twenty runs of a method that allocates nothing).
    /// </summary>
    /// <param name="call">The calls to measure; create the delegate before calling this, so it is not counted.</param>
    /// <param name="windows">Number of windows.</param>
    /// <param name="callsPerWindow">Calls per window.</param>
    /// <returns>The smallest per-window allocation, in bytes.</returns>
    public static long QuietestWindow(Action call, int windows = 5, int callsPerWindow = 3)
    {
        long quietest = long.MaxValue;
        for (int window = 0; window < windows; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerWindow; i++)
            {
                call();
            }

            quietest = Math.Min(quietest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return quietest;
    }
}
