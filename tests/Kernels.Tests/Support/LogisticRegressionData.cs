using System.Globalization;
using Kernels.Reference;

namespace Kernels.Tests.Support;

/// <summary>
/// One logistic-regression problem (n rows of d features, d weights, a bias, n targets) and the outputs of one call.
/// The data are those of <see cref="DenseProblem.Create"/> with k = 1 output (features uniform in [-2, 2] with
/// per-feature offsets, weights of scale 1/√d, soft targets with a third exactly 0 or 1), seeded.
/// </summary>
/// <remarks>
/// The double reference is <see cref="Kernels.Reference.LogisticRegression"/> (<see cref="Lr.Reference"/>,
/// <see cref="Lr.Evaluate"/>). <see cref="Kernels.Reference.DenseSigmoidCrossEntropy"/> with k = 1 output and no
/// weights computes the same thing with the same double loops; <see cref="Lr.Evaluate"/> checks that the two agree
/// bit for bit, and its double-input cost (<see cref="Lr.CostInDouble"/>) serves the finite-difference checks.
/// </remarks>
public sealed class LrProblem
{
    public required float[] X { get; init; }
    public required float[] W { get; init; }
    public required float B { get; init; }
    public required float[] Y { get; init; }

    public int Samples => Y.Length;

    public int Features => W.Length;

    public string Label { get; init; } = string.Empty;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"n={Samples} d={Features}{Label}");

    public static LrProblem Create(int samples, int features, int seed, float logitScale = 1f)
    {
        DenseProblem p = DenseProblem.Create(DenseHead.Sigmoid, samples, features, 1, seed, logitScale: logitScale);
        return new LrProblem { X = p.X, W = p.W, B = p.B[0], Y = p.Targets, Label = logitScale == 1f ? string.Empty : $" logitScale={logitScale}" };
    }

    public LrProblem With(float[]? x = null, float[]? w = null, float? b = null, float[]? y = null, string label = "") =>
        new() { X = x ?? (float[])X.Clone(), W = w ?? (float[])W.Clone(), B = b ?? B, Y = y ?? (float[])Y.Clone(), Label = Label + label };
}

/// <summary>The outputs of one CostAndGradient call (and optionally Predict).</summary>
public sealed class LrResult(int samples, int features)
{
    public float Cost { get; set; }
    public float[] WeightGradient { get; } = new float[features];
    public float BiasGradient { get; set; }
    public float[] Probabilities { get; } = new float[samples];

    public float[] All => [Cost, .. WeightGradient, BiasGradient];
}

public static class Lr
{
    /// <summary>The fast kernel: cost, ∂w, ∂b, and Predict's probabilities.</summary>
    public static LrResult Fast(LrProblem p, Reduction reduction)
    {
        LrResult r = new(p.Samples, p.Features);
        r.Cost = LogisticRegression.CostAndGradient(p.X, p.W, p.B, p.Y, r.WeightGradient, out float biasGradient, reduction);
        r.BiasGradient = biasGradient;
        LogisticRegression.Predict(p.X, p.W, p.B, r.Probabilities);
        return r;
    }

    /// <summary>The double reference's float outputs, Predict's probabilities included.</summary>
    public static LrResult Reference(LrProblem p, Reduction reduction)
    {
        LrResult r = new(p.Samples, p.Features);
        r.Cost = Kernels.Reference.LogisticRegression.CostAndGradient(p.X, p.W, p.B, p.Y, r.WeightGradient, out float biasGradient, reduction);
        r.BiasGradient = biasGradient;
        Kernels.Reference.LogisticRegression.Predict(p.X, p.W, p.B, r.Probabilities);
        return r;
    }

    /// <summary>
    /// The reference's unrounded cost, ∂w and ∂b (<see cref="Kernels.Reference.LogisticRegression.CostAndGradientInDouble"/>)
    /// and the intermediates the error bounds need (z, its term magnitudes, δ), checked bit for bit against the dense
    /// sigmoid reference with k = 1 (<paramref name="crossCheck"/>: the same double loops, so the same bits).
    /// </summary>
    public static LrExact Evaluate(LrProblem p, Reduction reduction, bool crossCheck = true)
    {
        int n = p.Samples, d = p.Features;
        double[] weightGradient = new double[d];
        double cost = Kernels.Reference.LogisticRegression.CostAndGradientInDouble(p.X, p.W, p.B, p.Y, weightGradient, out double biasGradient, reduction);
        double s = reduction == Reduction.Mean && n > 0 ? 1.0 / n : 1.0;
        double[] logits = new double[n], magnitudes = new double[n], deltas = new double[n];
        for (int i = 0; i < n; i++)
        {
            double z = 0, magnitude = 0;
            for (int j = 0; j < d; j++)
            {
                double term = (double)p.X[(i * d) + j] * p.W[j];
                z += term;
                magnitude += Math.Abs(term);
            }

            logits[i] = z + p.B;
            magnitudes[i] = magnitude + Math.Abs(p.B);
            Kernels.Reference.BinaryCrossEntropy.LogitLoss(logits[i], p.Y[i], 1, out double error);
            deltas[i] = s * error;
        }

        LrExact exact = new(cost, s, logits, magnitudes, deltas, weightGradient, biasGradient);
        if (crossCheck)
        {
            DenseLayerEvaluation dense = Kernels.Reference.DenseSigmoidCrossEntropy.EvaluateInDouble(p.X, p.W, [p.B], p.Y, [], [], reduction);
            Assert.Equal(dense.Cost, exact.Cost);
            Assert.Equal(dense.WeightGradient, exact.WeightGradient);
            Assert.Equal(dense.BiasGradient[0], exact.BiasGradient);
            Assert.Equal(dense.Logits, exact.Logits);
            Assert.Equal(dense.LogitMagnitudes, exact.LogitMagnitudes);
            Assert.Equal(dense.LogitGradient, exact.LogitGradient);
        }

        return exact;
    }

    /// <summary>The reference cost of parameters given in double (to perturb them by less than a float ulp).</summary>
    public static double CostInDouble(double[] x, double[] w, double b, float[] y, Reduction reduction) =>
        Kernels.Reference.DenseSigmoidCrossEntropy.CostInDouble(x, w, [b], y, [], [], reduction);
}

/// <summary>The unrounded results of the logistic-regression reference and the intermediates of the bounds.</summary>
/// <param name="Cost">The cost.</param>
/// <param name="Scale">s: 1/n for Mean (n &gt; 0), else 1.</param>
/// <param name="Logits">z_i = Σ_j x_ij·w_j + b.</param>
/// <param name="LogitMagnitudes">M_i = Σ_j |x_ij·w_j| + |b|.</param>
/// <param name="LogitGradient">δ_i = s·(σ(z_i) - y_i).</param>
/// <param name="WeightGradient">∂C/∂w.</param>
/// <param name="BiasGradient">∂C/∂b.</param>
public sealed record LrExact(double Cost, double Scale, double[] Logits, double[] LogitMagnitudes, double[] LogitGradient, double[] WeightGradient, double BiasGradient);

/// <summary>
/// First-order error bounds of <see cref="LogisticRegression"/> against the double reference, from the reference's
/// intermediates (z, M_i = Σ_j |x_ij·w_j| + |b|, δ) and the documented arithmetic of the kernel. u = 2^-24.
/// </summary>
/// <remarks>
/// <para><b>Logits.</b> The documented dot: element j is fused-multiply-added into logical lane j mod 32, the 32 lanes
/// are reduced by a fixed tree (5 levels), then b is added. A term passes through at most ⌈d/32⌉ FMA roundings, 5
/// tree additions and the bias addition, so |Δz_i| ≤ (⌈d/32⌉ + 6)·u·M_i (for d = 784: 31u·M, where a naive left-to-
/// right chain would need 785u·M).</para>
/// <para><b>δ</b> = s·(σ(z) - y). "Numerics of the loss and δ are those of BinaryCrossEntropy", which documents the
/// gradient within 4 ulp (≤ 8u relative) for y ∈ {0, 1} and within 2^-22·s absolute for soft targets, plus one
/// smallest normal below the normal range; one more rounding u for the scaling by s. The logit's error reaches δ
/// through ∂δ/∂z = s·σ'(z), doubled to cover the second-order term (σ' changes by a relative O(|Δz|)):
/// |Δδ_i| ≤ 2·s·σ'(z_i)·|Δz_i| + 10u·|δ_i| + (soft ? 2^-22·s : 0) + s·2^-126.</para>
/// <para><b>∂w_j</b> = Σ_i x_ij·δ_i: Σ_i |x_ij|·|Δδ_i| plus the summation's own rounding. The documented order adds
/// a term by FMA into a float per-block chain of at most 32 rows (32 roundings), the block into a float group of 32
/// blocks (≤ 32 roundings), the group into the float output (≤ ⌈n/1024⌉ roundings): (65 + ⌈n/1024⌉)·u·Σ_i |x_ij·δ_i|,
/// plus n smallest normals for products that fall below the normal range.</para>
/// <para><b>∂b</b> = Σ_i δ_i, summed in double and rounded once: Σ_i |Δδ_i| + 2u·Σ_i |δ_i| + u·|∂b|.</para>
/// <para><b>Cost.</b> ∂C/∂z_i = δ_i, so the logits contribute 2·Σ_i |δ_i|·|Δz_i|; each float loss is within 4 ulp
/// (8u relative), summed in double, divided and rounded once: + 10u·|C| (every loss is ≥ 0 for y ∈ [0, 1], so
/// Σ s·loss_i = |C|), plus s·n smallest normals for losses below the normal range.</para>
/// <para><b>Predict</b> (its accuracy is not documented; see the report): p_i = σ(z_i), taken to be as accurate as
/// BinaryCrossEntropy's y = 0 gradient, which is σ(z) itself (4 ulp, 8u relative): 2·σ'(z_i)·|Δz_i| + 8u·p_i + 2^-126.</para>
/// </remarks>
public static class LrBounds
{
    private const double U = 1.0 / (1 << 24);
    private const double SmallestNormal = 1.1754943508222875e-38;

    public sealed record Bounds(double Cost, double[] WeightGradient, double BiasGradient, double[] ExactProbabilities, double[] Probabilities);

    public static double LogitFactor(int d) => ((d + 31) / 32) + 6;

    public static Bounds Compute(LrProblem p, LrExact e)
    {
        int n = p.Samples, d = p.Features;
        double s = e.Scale, gamma = LogitFactor(d) * U;
        double[] dz = new double[n], dDelta = new double[n], probabilities = new double[n], probabilityBounds = new double[n];
        double cost = 0, biasMagnitude = 0, biasPropagated = 0;
        for (int i = 0; i < n; i++)
        {
            dz[i] = gamma * e.LogitMagnitudes[i];
            double z = e.Logits[i];
            double sigma = 1 / (1 + Math.Exp(-z));
            double slope = sigma * (1 - sigma);
            bool soft = p.Y[i] is not (0f or 1f);
            double delta = Math.Abs(e.LogitGradient[i]);
            dDelta[i] = (2 * s * slope * dz[i]) + (10 * U * delta) + (soft ? Math.ScaleB(s, -22) : 0) + (s * SmallestNormal);
            cost += 2 * delta * dz[i];
            biasMagnitude += delta;
            biasPropagated += dDelta[i];
            probabilities[i] = sigma;
            probabilityBounds[i] = (2 * slope * dz[i]) + (8 * U * sigma) + SmallestNormal;
        }

        double[] weightBounds = new double[d];
        double sumFactor = (65 + ((n + 1023) / 1024)) * U;
        for (int j = 0; j < d; j++)
        {
            double propagated = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                double x = Math.Abs(p.X[(i * d) + j]);
                propagated += x * dDelta[i];
                magnitude += x * Math.Abs(e.LogitGradient[i]);
            }

            weightBounds[j] = propagated + (sumFactor * magnitude) + (n * SmallestNormal);
        }

        double biasBound = biasPropagated + (2 * U * biasMagnitude) + (U * Math.Abs(e.LogitGradient.Sum()));
        double costBound = cost + (10 * U * Math.Abs(e.Cost)) + (s * n * SmallestNormal);
        return new Bounds(costBound, weightBounds, biasBound, probabilities, probabilityBounds);
    }
}
