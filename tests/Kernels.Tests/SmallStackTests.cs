using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Every public method on a thread created with a 64 KB stack (callers run kernels on thread-pool or worker threads
/// whose stacks they do not control; the kernels promise at most 16 KB of stack per call). A method that needed more
/// would overflow the stack and end the test process, which fails the run.
/// </summary>
public class SmallStackTests
{
    private const int StackBytes = 64 * 1024;

    [Fact]
    public void EveryPublicMethod_RunsOnA64KBThreadStack()
    {
        List<Action> calls = [];
        foreach (KernelCase kernel in PublicKernels.All)
        {
            // 300 samples: every tail and, for the softmax cases, many whole vectors of rows.
            float[][] prepared = kernel.Prepare(300, 1);
            calls.Add(() => kernel.Run(prepared, KernelCase.Managed));
        }

        foreach (DenseKernelCase layer in PublicKernels.DenseLayers)
        {
            foreach ((int n, int d, int k) in PublicKernels.DenseShapes)
            {
                calls.Add(() => layer.Run(n, d, k, 1));
            }
        }

        // The softmax layouts with every optional input and output: narrow (C ≤ 64) and wide rows, labels and targets.
        foreach (int classes in new[] { 10, 64, 65, 200, 1_000 })
        {
            calls.Add(() => AllSoftmaxOptions(classes));
        }

        // Work spaces just under and well over the old 64 KB stack limit of the dense layers and logistic regression.
        calls.Add(() => LinearLayers(features: 200, outputs: 10));
        calls.Add(() => LinearLayers(features: 3_000, outputs: 3));

        // Compiled on this thread first, so the small stack holds only the kernels' own frames.
        calls.ForEach(call => call());
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    calls.ForEach(call => call());
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
            },
            StackBytes);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }

    private static void LinearLayers(int features, int outputs)
    {
        const int Rows = 33;
        var random = new Random(features);
        float[] x = [.. Enumerable.Range(0, Rows * features).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] w = [.. Enumerable.Range(0, features * outputs).Select(_ => (float)(random.NextDouble() - 0.5) / 10)];
        float[] b = new float[outputs], y = [.. Enumerable.Range(0, Rows * outputs).Select(i => (float)(i % 2))];
        int[] labels = [.. Enumerable.Range(0, Rows).Select(i => i % outputs)];
        float[] dw = new float[w.Length], db = new float[outputs], dx = new float[x.Length];
        DenseSigmoidCrossEntropy.CostAndGradient(x, w, b, y, default, default, dw, db, dx);
        DenseSoftmaxCrossEntropy.CostAndGradient(x, w, b, labels, dw, db, dx);
        LogisticRegression.CostAndGradient(x, w.AsSpan(0, features), 0f, y.AsSpan(0, Rows), dw.AsSpan(0, features), out _);
    }

    private static void AllSoftmaxOptions(int classes)
    {
        const int Rows = 37;
        var random = new Random(classes);
        float[] logits = [.. Enumerable.Range(0, Rows * classes).Select(_ => (float)(random.NextDouble() * 8 - 4))];
        float[] targets = [.. Enumerable.Range(0, Rows * classes).Select(_ => (float)random.NextDouble() / classes)];
        float[] weights = [.. Enumerable.Range(0, classes).Select(_ => (float)random.NextDouble() + 0.5f)];
        int[] labels = [.. Enumerable.Range(0, Rows).Select(i => i % 5 == 0 ? -100 : random.Next(classes))];
        float[] gradient = new float[logits.Length], losses = new float[Rows], logSumExp = new float[Rows];
        SoftmaxCrossEntropyOptions options = new() { LabelSmoothing = 0.1f, IgnoreIndex = -100, ClassWeights = weights, ZLossWeight = 1e-4f };
        SoftmaxCrossEntropy.CostAndGradient(logits, labels, gradient, losses, logSumExp, options);
        SoftmaxCrossEntropy.CostAndGradient(logits, targets, classes, gradient, losses, logSumExp, options with { IgnoreIndex = null });
    }
}
