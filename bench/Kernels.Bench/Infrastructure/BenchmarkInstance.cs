using System.Reflection;
using BenchmarkDotNet.Parameters;
using BenchmarkDotNet.Running;

namespace Kernels.Bench.Infrastructure;

/// <summary>
/// An instance of a benchmark class prepared as BenchmarkDotNet prepares it for one case: parameters assigned and
/// <c>[GlobalSetup]</c> run. For work outside the timed runs (checking results, warming up); dispose to run
/// <c>[GlobalCleanup]</c>.
/// </summary>
internal sealed class BenchmarkInstance : IDisposable
{
    private readonly MethodInfo? cleanup;

    private BenchmarkInstance(object instance, MethodInfo? cleanup)
    {
        Instance = instance;
        this.cleanup = cleanup;
    }

    /// <summary>The benchmark object.</summary>
    public object Instance { get; }

    /// <summary>Creates the instance, assigns the case's parameters and runs its global setup.</summary>
    /// <param name="benchmarkCase">The case whose type and parameters to use.</param>
    /// <returns>The prepared instance.</returns>
    public static BenchmarkInstance Create(BenchmarkCase benchmarkCase)
    {
        Type type = benchmarkCase.Descriptor.Type;
        object instance = Activator.CreateInstance(type) ?? throw new InvalidOperationException($"Cannot create {type.Name}.");
        foreach (ParameterInstance parameter in benchmarkCase.Parameters.Items)
        {
            if (type.GetProperty(parameter.Name) is PropertyInfo property)
            {
                property.SetValue(instance, parameter.Value);
            }
            else
            {
                (type.GetField(parameter.Name) ?? throw new InvalidOperationException($"{type.Name} has no parameter {parameter.Name}."))
                    .SetValue(instance, parameter.Value);
            }
        }

        benchmarkCase.Descriptor.GlobalSetupMethod?.Invoke(instance, null);
        return new BenchmarkInstance(instance, benchmarkCase.Descriptor.GlobalCleanupMethod);
    }

    /// <summary>Invokes a benchmark method of the instance.</summary>
    /// <param name="method">The method.</param>
    /// <returns>Its return value.</returns>
    public object? Invoke(MethodInfo method) => method.Invoke(Instance, null);

    /// <summary>Runs the global cleanup (which releases the buffers of large cases).</summary>
    public void Dispose() => cleanup?.Invoke(Instance, null);
}
