using BenchmarkDotNet.Attributes;

namespace Kernels.Bench;

/// <summary>
/// Binary focal loss from logits (issue 13) beside the plain kernel at the same shapes: cost and gradient, Mean, on
/// the logits and hard targets of <see cref="BinaryCrossEntropyBenchmarks"/>. The budget is a focal row at
/// most 1.5× the plain one. γ = 2 with α = 0.25 (RetinaNet's setting) and γ = 0.5 (0 &lt; γ &lt; 1) are timed.
/// </summary>
[MemoryDiagnoser]
public class BinaryFocalLossBenchmarks
{
    private float[] logits = [];
    private float[] targets = [];
    private float[] gradient = [];

    /// <summary>The number of elements per call (L1/L2-resident and streaming from L3/DRAM).</summary>
    [Params(1_024, 65_536, 1_048_576)]
    public int N { get; set; }

    /// <summary>Random logits in [-8, 8) and hard 0/1 targets, as in <see cref="BinaryCrossEntropyBenchmarks"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20_240_602);
        logits = new float[N];
        targets = new float[N];
        gradient = new float[N];
        for (int i = 0; i < N; i++)
        {
            logits[i] = (float)(16 * random.NextDouble() - 8);
            targets[i] = random.Next(2);
        }
    }

    /// <summary>The plain fused binary cross-entropy, the baseline of the ratio.</summary>
    [Benchmark(Baseline = true)]
    public float Plain() => BinaryCrossEntropy.CostAndGradient(logits, targets, gradient);

    /// <summary>Focal loss, γ = 2, α = 0.25.</summary>
    [Benchmark]
    public float Focal() => BinaryFocalLoss.CostAndGradient(logits, targets, gradient, 2f, 0.25f);

    /// <summary>Focal loss, γ = 0.5, no α.</summary>
    [Benchmark]
    public float FocalHalfGamma() => BinaryFocalLoss.CostAndGradient(logits, targets, gradient, 0.5f);
}
