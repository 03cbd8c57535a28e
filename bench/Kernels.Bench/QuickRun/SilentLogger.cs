using BenchmarkDotNet.Loggers;

namespace Kernels.Bench.QuickRun;

/// <summary>
/// A logger that drops everything: the quick run's console logger. BenchmarkDotNet still writes its full log to the
/// artifacts folder; with no logger at all it would print a warning to the console instead.
/// </summary>
internal sealed class SilentLogger : ILogger
{
    /// <summary>The single instance.</summary>
    public static readonly SilentLogger Instance = new();

    /// <inheritdoc/>
    public string Id => nameof(SilentLogger);

    /// <inheritdoc/>
    public int Priority => 0;

    /// <inheritdoc/>
    public void Write(LogKind logKind, string text)
    {
    }

    /// <inheritdoc/>
    public void WriteLine()
    {
    }

    /// <inheritdoc/>
    public void WriteLine(LogKind logKind, string text)
    {
    }

    /// <inheritdoc/>
    public void Flush()
    {
    }
}
