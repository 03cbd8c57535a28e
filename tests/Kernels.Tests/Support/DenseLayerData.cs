using System.Globalization;
using Kernels.Reference;

namespace Kernels.Tests.Support;

/// <summary>Which loss ends the dense layer.</summary>
public enum DenseHead
{
    Sigmoid,
    Softmax,
}

/// <summary>
/// One dense-layer problem (seeded, so every run and every ISA setting tests the same numbers): features, weights,
/// bias, and the head's targets (soft targets in [0, 1] or labels) with its optional weights and options.
/// </summary>
public sealed class DenseProblem
{
    public required int Samples { get; init; }
    public required int Features { get; init; }
    public required int Outputs { get; init; }
    public required float[] X { get; init; }
    public required float[] W { get; init; }
    public required float[] B { get; init; }
    public float[] Targets { get; init; } = [];
    public int[] Labels { get; init; } = [];
    public float[] SampleWeights { get; init; } = [];
    public float[] PositiveWeights { get; init; } = [];
    public float LabelSmoothing { get; init; }
    public float[] ClassWeights { get; init; } = [];
    public int? IgnoreIndex { get; init; }
    public float ZLossWeight { get; init; }

    public SoftmaxCrossEntropyOptions Options => new()
    {
        LabelSmoothing = LabelSmoothing,
        ClassWeights = ClassWeights,
        IgnoreIndex = IgnoreIndex,
        ZLossWeight = ZLossWeight,
    };

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"n={Samples} d={Features} k={Outputs}{(SampleWeights.Length > 0 ? " sampleWeights" : string.Empty)}{(PositiveWeights.Length > 0 ? " positiveWeights" : string.Empty)}" +
        $"{(LabelSmoothing != 0 ? $" smoothing={LabelSmoothing}" : string.Empty)}{(ClassWeights.Length > 0 ? " classWeights" : string.Empty)}" +
        $"{(IgnoreIndex is { } ignore ? $" ignore={ignore}" : string.Empty)}{(ZLossWeight != 0 ? $" zloss={ZLossWeight}" : string.Empty)}");

    /// <summary>
    /// A random problem: features uniform in [-2, 2] with a per-feature offset (so ∂W has components of every size),
    /// weights of scale 1/√d (logits of order 1, some saturated rows from the larger features), bias in [-1, 1].
    /// Sigmoid targets are soft (uniform in [0, 1], a third exactly 0 or 1); softmax labels are uniform.
    /// </summary>
    public static DenseProblem Create(
        DenseHead head, int samples, int features, int outputs, int seed,
        bool sampleWeights = false, bool positiveWeights = false,
        float smoothing = 0f, bool classWeights = false, bool ignore = false, float zLoss = 0f, float logitScale = 1f)
    {
        Random random = new(seed);
        float[] x = new float[samples * features];
        for (int i = 0; i < samples; i++)
        {
            for (int j = 0; j < features; j++)
            {
                x[(i * features) + j] = (float)((4 * random.NextDouble()) - 2 + ((j % 5) - 2) * 0.3);
            }
        }

        double scale = logitScale / Math.Sqrt(Math.Max(features, 1));
        float[] w = new float[features * outputs];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)(((2 * random.NextDouble()) - 1) * 1.7 * scale);
        }

        float[] b = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            b[o] = (float)((2 * random.NextDouble()) - 1);
        }

        float[] targets = [];
        int[] labels = [];
        if (head == DenseHead.Sigmoid)
        {
            targets = new float[samples * outputs];
            for (int i = 0; i < targets.Length; i++)
            {
                targets[i] = random.Next(3) == 0 ? random.Next(2) : random.NextSingle();
            }
        }
        else
        {
            labels = new int[samples];
            for (int i = 0; i < samples; i++)
            {
                labels[i] = ignore && random.Next(5) == 0 ? -100 : random.Next(outputs);
            }
        }

        return new DenseProblem
        {
            Samples = samples,
            Features = features,
            Outputs = outputs,
            X = x,
            W = w,
            B = b,
            Targets = targets,
            Labels = labels,
            SampleWeights = sampleWeights ? TestInputs.SampleWeights(samples, seed + 1) : [],
            PositiveWeights = positiveWeights ? TestInputs.PositiveWeights(outputs, seed + 2) : [],
            LabelSmoothing = smoothing,
            ClassWeights = classWeights ? SoftmaxData.ClassWeights(random, outputs) : [],
            IgnoreIndex = ignore ? -100 : null,
            ZLossWeight = zLoss,
        };
    }
}

/// <summary>The outputs of one call.</summary>
public sealed class DenseResult(int samples, int features, int outputs, bool inputGradient)
{
    public float Cost { get; set; }
    public float[] WeightGradient { get; } = new float[features * outputs];
    public float[] BiasGradient { get; } = new float[outputs];
    public float[] InputGradient { get; } = inputGradient ? new float[samples * features] : [];

    public float[] All => [Cost, .. WeightGradient, .. BiasGradient, .. InputGradient];
}

/// <summary>Calls the fast kernels, the references, and an exact scalar model of the kernels' documented order.</summary>
public static class DenseLayer
{
    public static DenseResult Fast(DenseHead head, DenseProblem p, Reduction reduction, bool inputGradient)
    {
        DenseResult r = new(p.Samples, p.Features, p.Outputs, inputGradient);
        r.Cost = head == DenseHead.Sigmoid
            ? DenseSigmoidCrossEntropy.CostAndGradient(p.X, p.W, p.B, p.Targets, p.SampleWeights, p.PositiveWeights, r.WeightGradient, r.BiasGradient, r.InputGradient, reduction)
            : DenseSoftmaxCrossEntropy.CostAndGradient(p.X, p.W, p.B, p.Labels, r.WeightGradient, r.BiasGradient, r.InputGradient, p.Options, reduction);
        return r;
    }

    public static DenseResult Reference(DenseHead head, DenseProblem p, Reduction reduction, bool inputGradient)
    {
        DenseResult r = new(p.Samples, p.Features, p.Outputs, inputGradient);
        r.Cost = head == DenseHead.Sigmoid
            ? Kernels.Reference.DenseSigmoidCrossEntropy.CostAndGradient(p.X, p.W, p.B, p.Targets, p.SampleWeights, p.PositiveWeights, r.WeightGradient, r.BiasGradient, r.InputGradient, reduction)
            : Kernels.Reference.DenseSoftmaxCrossEntropy.CostAndGradient(p.X, p.W, p.B, p.Labels, r.WeightGradient, r.BiasGradient, r.InputGradient, p.Options, reduction);
        return r;
    }

    public static DenseLayerEvaluation Evaluate(DenseHead head, DenseProblem p, Reduction reduction) => head == DenseHead.Sigmoid
        ? Kernels.Reference.DenseSigmoidCrossEntropy.EvaluateInDouble(p.X, p.W, p.B, p.Targets, p.SampleWeights, p.PositiveWeights, reduction)
        : Kernels.Reference.DenseSoftmaxCrossEntropy.EvaluateInDouble(p.X, p.W, p.B, p.Labels, p.Options, reduction);

    /// <summary>
    /// The kernels' documented arithmetic, written as scalar loops: z = (fma chain over j from 0) + b; G from the
    /// public loss kernels applied to that z; ∂W over blocks of 16 rows (float fma chain from 0), groups of 32 blocks
    /// (float), groups added in double; ∂b in double row by row; ∂x = fma chain over o from 0. The cost: softmax row
    /// losses summed in row order in double; the sigmoid's blocked lanes (see SigmoidCost; NaN with positive weights).
    /// </summary>
    public static DenseResult Model(DenseHead head, DenseProblem p, Reduction reduction, bool inputGradient)
    {
        int n = p.Samples, d = p.Features, k = p.Outputs;
        float[] z = new float[n * k];
        for (int r = 0; r < n; r++)
        {
            for (int o = 0; o < k; o++)
            {
                float sum = 0f;
                for (int j = 0; j < d; j++)
                {
                    sum = MathF.FusedMultiplyAdd(p.X[(r * d) + j], p.W[(j * k) + o], sum);
                }

                z[(r * k) + o] = sum + p.B[o];
            }
        }

        DenseResult result = new(n, d, k, inputGradient);
        float[] g = new float[n * k];
        if (head == DenseHead.Sigmoid)
        {
            BinaryCrossEntropy.CostAndGradient(z, p.Targets, k, p.SampleWeights, p.PositiveWeights, g, default, reduction);
            result.Cost = p.PositiveWeights.Length == 0 ? SigmoidCost(p, z, reduction) : float.NaN;
        }
        else
        {
            float[] losses = new float[n];
            SoftmaxCrossEntropy.CostAndGradient(z, p.Labels, g, losses, default, p.Options, reduction);
            double total = 0, denominator = 0;
            for (int r = 0; r < n; r++)
            {
                total += losses[r];
                if (p.Labels[r] != p.IgnoreIndex)
                {
                    denominator += p.ClassWeights.Length == 0 ? 1 : p.ClassWeights[p.Labels[r]];
                }
            }

            result.Cost = (float)(reduction == Reduction.Sum ? total : denominator == 0 ? 0 : total / denominator);
        }

        float[] group = new float[d * k];
        double[] weightTotal = new double[d * k];
        int blocks = 0;
        for (int first = 0; first < n; first += 16)
        {
            int rows = Math.Min(16, n - first);
            for (int j = 0; j < d; j++)
            {
                for (int o = 0; o < k; o++)
                {
                    float sum = 0f;
                    for (int r = first; r < first + rows; r++)
                    {
                        sum = MathF.FusedMultiplyAdd(p.X[(r * d) + j], g[(r * k) + o], sum);
                    }

                    group[(j * k) + o] += sum;
                }
            }

            if (++blocks == 32)
            {
                Flush();
            }
        }

        if (blocks > 0)
        {
            Flush();
        }

        for (int i = 0; i < weightTotal.Length; i++)
        {
            result.WeightGradient[i] = (float)weightTotal[i];
        }

        for (int o = 0; o < k; o++)
        {
            double sum = 0;
            for (int r = 0; r < n; r++)
            {
                sum += g[(r * k) + o];
            }

            result.BiasGradient[o] = (float)sum;
        }

        if (inputGradient)
        {
            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < d; j++)
                {
                    float sum = 0f;
                    for (int o = 0; o < k; o++)
                    {
                        sum = MathF.FusedMultiplyAdd(g[(r * k) + o], p.W[(j * k) + o], sum);
                    }

                    result.InputGradient[(r * d) + j] = sum;
                }
            }
        }

        return result;

        // The loss pass runs over batches of 32 rows, flat: element i of a batch (its loss times its row's sample
        // weight, in float) is widened and added to logical lane i mod 32; a batch's total is its lanes in order, and
        // the batch totals are added in order. Per-element losses come from the flat public kernel (no positive
        // weights there, so the model covers the cost only without them).
        static float SigmoidCost(DenseProblem p, float[] z, Reduction reduction)
        {
            int n = p.Samples, k = p.Outputs;
            float[] losses = new float[z.Length];
            BinaryCrossEntropy.Losses(z, p.Targets, losses);
            double total = 0;
            for (int first = 0; first < n; first += 32)
            {
                int rows = Math.Min(32, n - first);
                double[] lanes = new double[32];
                for (int i = 0; i < rows * k; i++)
                {
                    float loss = losses[(first * k) + i];
                    if (p.SampleWeights.Length > 0)
                    {
                        loss *= p.SampleWeights[first + (i / k)];
                    }

                    lanes[i % 32] += loss;
                }

                double batch = 0;
                foreach (double lane in lanes)
                {
                    batch += lane;
                }

                total += batch;
            }

            return reduction == Reduction.Mean ? (n == 0 ? 0f : (float)(total / n)) : (float)total;
        }

        void Flush()
        {
            for (int i = 0; i < group.Length; i++)
            {
                weightTotal[i] += group[i];
                group[i] = 0f;
            }

            blocks = 0;
        }
    }
}

/// <summary>
/// First-order error bounds of the float kernels against the double reference, built from the reference's own
/// intermediates (z, its term magnitudes, G) and the inputs.
/// </summary>
/// <remarks>
/// <para>u = 2^-24. The kernel's logit is a chain of d fused multiply-adds and one add, each rounding once, so
/// |Δz| ≤ (d + 2)·u·M with M = Σ_j |x_j·W_jo| + |b_o| (the reference's LogitMagnitudes).</para>
/// <para>That error reaches G through ∂G/∂z. Sigmoid: G = s·w_i·(σ(z)·l - p·y) with l = 1 + (p - 1)·y, so
/// |ΔG| ≤ s·w_i·l·σ'(z)·|Δz|. Softmax: G_c = s·(A'·p_c - a_c) with A' = Σ a + 2λ·lse, so
/// |ΔG_c| ≤ s·p_c·(2·A' + 2λ)·max_c' |Δz_c'|. These are doubled to cover the second-order terms (σ' and p change
/// by a relative O(|Δz|) across the interval). The loss kernels' own rounding adds 8u·|G| plus, for soft targets
/// where σ(z) - y cancels, 2^-21·s·w_i·l absolute (the binary cross-entropy kernel documents 2^-22·s), and for
/// softmax 8u·s·(A'·p_c + |a_c|) (the magnitude of the terms of G).</para>
/// <para>Sums: ∂W_jo = Σ_r x_rj·G_ro: Σ_r |x_rj|·ΔG_ro plus the summation's own error, at most 16 FMA roundings
/// within a block, 32 group additions and one final rounding, each ≤ u·Σ_r |x_rj·G_ro|: 50u·Σ_r |x_rj·G_ro|.
/// ∂b_o: Σ_r ΔG_ro + 2u·Σ_r |G_ro| (double sums). ∂x_rj: Σ_o |W_jo|·ΔG_ro + (k + 1)·u·Σ_o |G_ro·W_jo|. Cost:
/// ∂C/∂z = G, so Σ |G|·|Δz| (doubled) plus 16u·|C| (every loss term is ≥ 0 here: weights ≥ 0, y ∈ [0, 1]).
/// Each float output also carries its final rounding, u·|exact|.</para>
/// </remarks>
public static class DenseBounds
{
    private const double U = 1.0 / (1 << 24);

    public sealed record Bounds(double Cost, double[] WeightGradient, double[] BiasGradient, double[] InputGradient);

    public static Bounds Compute(DenseHead head, DenseProblem p, DenseLayerEvaluation e)
    {
        int n = p.Samples, d = p.Features, k = p.Outputs;
        double s = e.Scale;
        double[] dz = new double[n * k], dg = new double[n * k];
        for (int i = 0; i < dz.Length; i++)
        {
            dz[i] = (d + 2) * U * e.LogitMagnitudes[i];
        }

        double costPropagated = 0;
        for (int r = 0; r < n; r++)
        {
            if (head == DenseHead.Sigmoid)
            {
                double w = p.SampleWeights.Length == 0 ? 1 : p.SampleWeights[r];
                for (int o = 0; o < k; o++)
                {
                    int at = (r * k) + o;
                    double positive = p.PositiveWeights.Length == 0 ? 1 : p.PositiveWeights[o];
                    double l = 1 + ((positive - 1) * p.Targets[at]);
                    double sigma = 1 / (1 + Math.Exp(-e.Logits[at]));
                    dg[at] = (2 * s * w * l * sigma * (1 - sigma) * dz[at]) + (8 * U * Math.Abs(e.LogitGradient[at])) + (Math.ScaleB(s * w * l, -21));
                    costPropagated += 2 * Math.Abs(e.LogitGradient[at]) * dz[at];
                }

                continue;
            }

            int label = p.Labels[r];
            if (label == p.IgnoreIndex || s == 0)
            {
                continue; // G = 0 exactly in both.
            }

            ReadOnlySpan<double> z = e.Logits.AsSpan(r * k, k);
            double max = double.NegativeInfinity, sum = 0, maxDz = 0, classWeightSum = 0;
            for (int o = 0; o < k; o++)
            {
                max = Math.Max(max, z[o]);
                maxDz = Math.Max(maxDz, dz[(r * k) + o]);
                classWeightSum += p.ClassWeights.Length == 0 ? 1 : p.ClassWeights[o];
            }

            for (int o = 0; o < k; o++)
            {
                sum += Math.Exp(z[o] - max);
            }

            double eps = p.LabelSmoothing, lambda = p.ZLossWeight, lse = max + Math.Log(sum);
            double labelWeight = p.ClassWeights.Length == 0 ? 1 : p.ClassWeights[label];
            double totalWeight = ((1 - eps) * labelWeight) + (eps / k * classWeightSum) + (2 * lambda * Math.Abs(lse));
            for (int o = 0; o < k; o++)
            {
                int at = (r * k) + o;
                double probability = Math.Exp(z[o] - max) / sum;
                double a = (o == label ? (1 - eps) * labelWeight : 0) + (eps / k * (p.ClassWeights.Length == 0 ? 1 : p.ClassWeights[o]));
                dg[at] = (2 * s * probability * ((2 * totalWeight) + (2 * lambda)) * maxDz) + (8 * U * s * ((totalWeight * probability) + a));
                costPropagated += 2 * Math.Abs(e.LogitGradient[at]) * dz[at];
            }
        }

        double[] weightBound = new double[d * k], biasBound = new double[k], inputBound = new double[n * d];
        for (int j = 0; j < d; j++)
        {
            for (int o = 0; o < k; o++)
            {
                double propagated = 0, magnitude = 0;
                for (int r = 0; r < n; r++)
                {
                    double x = Math.Abs(p.X[(r * d) + j]);
                    propagated += x * dg[(r * k) + o];
                    magnitude += x * Math.Abs(e.LogitGradient[(r * k) + o]);
                }

                weightBound[(j * k) + o] = propagated + (50 * U * magnitude) + (U * Math.Abs(e.WeightGradient[(j * k) + o]));
            }
        }

        for (int o = 0; o < k; o++)
        {
            double propagated = 0, magnitude = 0;
            for (int r = 0; r < n; r++)
            {
                propagated += dg[(r * k) + o];
                magnitude += Math.Abs(e.LogitGradient[(r * k) + o]);
            }

            biasBound[o] = propagated + (2 * U * magnitude) + (U * Math.Abs(e.BiasGradient[o]));
        }

        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < d; j++)
            {
                double propagated = 0, magnitude = 0;
                for (int o = 0; o < k; o++)
                {
                    double w = Math.Abs(p.W[(j * k) + o]);
                    propagated += w * dg[(r * k) + o];
                    magnitude += w * Math.Abs(e.LogitGradient[(r * k) + o]);
                }

                inputBound[(r * d) + j] = propagated + ((k + 1) * U * magnitude) + (U * Math.Abs(e.InputGradient[(r * d) + j]));
            }
        }

        double costBound = costPropagated + (17 * U * Math.Abs(e.Cost));
        return new Bounds(costBound, weightBound, biasBound, inputBound);
    }
}
