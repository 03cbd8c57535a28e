using System.Numerics;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace Kernels.Bench.Infrastructure;

/// <summary>What one call of a benchmark method returned and allocated, observed outside the timed runs.</summary>
/// <param name="ReturnValue">The value it returned (the cost, for loss benchmarks).</param>
/// <param name="AllocatedBytes">The bytes it allocated on the calling thread.</param>
internal readonly record struct ProbedCall(double ReturnValue, long AllocatedBytes);

/// <summary>The probed calls of every benchmark method of one (class, parameters) setup.</summary>
/// <param name="Calls">The calls, by method name.</param>
/// <param name="ReferenceCost">The exact cost of the setup's data, if the class is an <see cref="IReferenceCostSource"/>.</param>
internal sealed record ProbedSetup(IReadOnlyDictionary<string, ProbedCall> Calls, double? ReferenceCost);

/// <summary>
/// Calls every <c>[Benchmark]</c> method of a (class, parameters) setup twice, once to warm it and once to observe
/// it, and caches what it saw. The columns read their values here rather than from the timed runs, which may have
/// run in another process and must not pay for the checks. Allocations are counted on this thread only, so they are
/// exact (an in-process BenchmarkDotNet run counts every thread of the process).
/// </summary>
internal static class BenchmarkProbe
{
    private static readonly Dictionary<(Type Type, string Parameters), ProbedSetup> SetupsProbed = [];

    /// <summary>The probed setup of a case (set up and probed on first use).</summary>
    /// <param name="benchmarkCase">The case.</param>
    /// <returns>What each method of its setup returned and allocated, and the reference cost.</returns>
    public static ProbedSetup Of(BenchmarkCase benchmarkCase)
    {
        var key = (benchmarkCase.Descriptor.Type, benchmarkCase.Parameters.FolderInfo);
        if (!SetupsProbed.TryGetValue(key, out ProbedSetup? setup))
        {
            setup = Probe(benchmarkCase);
            SetupsProbed.Add(key, setup);
        }

        return setup;
    }

    private static ProbedSetup Probe(BenchmarkCase benchmarkCase)
    {
        using BenchmarkInstance benchmark = BenchmarkInstance.Create(benchmarkCase);
        Dictionary<string, ProbedCall> calls = benchmarkCase.Descriptor.Type.GetMethods()
            .Where(method => method.IsDefined(typeof(BenchmarkAttribute)))
            .ToDictionary(method => method.Name, method => Probe(method, benchmark.Instance));
        return new ProbedSetup(calls, (benchmark.Instance as IReferenceCostSource)?.ReferenceCost());
    }

    // A typed delegate, not MethodInfo.Invoke: reflection would box the result, an allocation of its own.
    private static ProbedCall Probe(MethodInfo method, object instance) =>
        method.ReturnType == typeof(float) ? Probe(method.CreateDelegate<Func<float>>(instance))
        : method.ReturnType == typeof(double) ? Probe(method.CreateDelegate<Func<double>>(instance))
        : throw new NotSupportedException($"{method.Name} must return float or double (its cost, or a value that keeps its work observable).");

    private static ProbedCall Probe<T>(Func<T> call) where T : INumberBase<T>
    {
        call();
        long before = GC.GetAllocatedBytesForCurrentThread();
        T value = call();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new ProbedCall(double.CreateTruncating(value), allocated);
    }
}
