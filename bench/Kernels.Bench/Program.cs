using BenchmarkDotNet.Running;
using Kernels.Bench.QuickRun;

// No arguments: the quick comparison with its target checks (about two minutes).
// Any arguments go to BenchmarkDotNet with its default job, e.g. `-- --filter '*'` for the full suite.
if (args.Length == 0)
{
    QuickRunner.Run(typeof(Program).Assembly);
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
