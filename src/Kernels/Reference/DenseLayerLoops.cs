using System.Numerics;

namespace Kernels.Reference;

/// <summary>The linear algebra of the dense-layer references: textbook loops in double, one row at a time.</summary>
internal static class DenseLayerLoops
{
    /// <summary>
    /// z[o] = Σ_j x[j]·W[j, o] + b[o] in double, and (if <paramref name="magnitudes"/> is not empty) the magnitude
    /// Σ_j |x[j]·W[j, o]| + |b[o]| of its terms.
    /// </summary>
    public static void Logits<TNumber>(
        ReadOnlySpan<TNumber> x, ReadOnlySpan<TNumber> weights, ReadOnlySpan<TNumber> bias, Span<double> z, Span<double> magnitudes)
        where TNumber : unmanaged, IBinaryFloatingPointIeee754<TNumber>
    {
        int k = bias.Length;
        for (int o = 0; o < k; o++)
        {
            double sum = 0, magnitude = 0;
            for (int j = 0; j < x.Length; j++)
            {
                double term = double.CreateTruncating(x[j]) * double.CreateTruncating(weights[(j * k) + o]);
                sum += term;
                magnitude += Math.Abs(term);
            }

            double b = double.CreateTruncating(bias[o]);
            z[o] = sum + b;
            if (!magnitudes.IsEmpty)
            {
                magnitudes[o] = magnitude + Math.Abs(b);
            }
        }
    }

    /// <summary>∂W[j, o] += x[j]·g[o], ∂b[o] += g[o], and ∂x[j] = Σ_o g[o]·W[j, o]; each only if its span is not empty.</summary>
    public static void Backward<TNumber>(
        ReadOnlySpan<TNumber> x, ReadOnlySpan<TNumber> weights, ReadOnlySpan<double> g,
        Span<double> weightGradient, Span<double> biasGradient, Span<double> inputGradient)
        where TNumber : unmanaged, IBinaryFloatingPointIeee754<TNumber>
    {
        int k = g.Length;
        for (int o = 0; o < k && !biasGradient.IsEmpty; o++)
        {
            biasGradient[o] += g[o];
        }

        if (weightGradient.IsEmpty && inputGradient.IsEmpty)
        {
            return;
        }

        for (int j = 0; j < x.Length; j++)
        {
            double xj = double.CreateTruncating(x[j]);
            double dx = 0;
            for (int o = 0; o < k; o++)
            {
                if (!weightGradient.IsEmpty)
                {
                    weightGradient[(j * k) + o] += xj * g[o];
                }

                dx += g[o] * double.CreateTruncating(weights[(j * k) + o]);
            }

            if (!inputGradient.IsEmpty)
            {
                inputGradient[j] = dx;
            }
        }
    }

    /// <summary>
    /// The end of row <paramref name="row"/> shared by both dense references: records its logits z and G = ∂C/∂z
    /// where asked, accumulates ∂W and ∂b, and writes ∂x (in double and/or rounded to float) where asked.
    /// </summary>
    public static void FinishRow<TNumber>(
        int row, ReadOnlySpan<TNumber> x, ReadOnlySpan<TNumber> weights, ReadOnlySpan<double> z, ReadOnlySpan<double> g,
        Span<double> inputGradientScratch, DenseLayerOutputs outputs, Span<float> inputGradient)
        where TNumber : unmanaged, IBinaryFloatingPointIeee754<TNumber>
    {
        int k = g.Length, d = x.Length;
        if (!outputs.Logits.IsEmpty)
        {
            z.CopyTo(outputs.Logits.Slice(row * k, k));
        }

        if (!outputs.LogitGradient.IsEmpty)
        {
            g.CopyTo(outputs.LogitGradient.Slice(row * k, k));
        }

        // ∂b is wanted whenever its span is given, even with no ∂W or ∂X to write (d = 0 features: ∂W is empty).
        bool inputGradientWanted = !outputs.InputGradient.IsEmpty || !inputGradient.IsEmpty;
        if (outputs.WeightGradient.IsEmpty && outputs.BiasGradient.IsEmpty && !inputGradientWanted)
        {
            return;
        }

        Backward(x, weights, g, outputs.WeightGradient, outputs.BiasGradient, inputGradientWanted ? inputGradientScratch : default);
        if (!outputs.InputGradient.IsEmpty)
        {
            inputGradientScratch.CopyTo(outputs.InputGradient.Slice(row * d, d));
        }

        if (!inputGradient.IsEmpty)
        {
            Round(inputGradientScratch, inputGradient.Slice(row * d, d));
        }
    }

    /// <summary>d for the double-input helpers (which have no float spans to check for overlaps): shapes only.</summary>
    public static int FeatureCount(int featuresLength, int weightsLength, int rows, int outputs)
    {
        int d = rows > 0 ? featuresLength / rows : weightsLength / outputs;
        if ((long)rows * d != featuresLength)
        {
            throw new ArgumentException($"'features' has length {featuresLength}, which is not n·d for n = {rows} rows.", "features");
        }

        if ((long)d * outputs != weightsLength)
        {
            throw new ArgumentException($"'weights' has length {weightsLength}; it must have length d·k = {(long)d * outputs}.", "weights");
        }

        return d;
    }

    /// <summary>Rounds the double results into the float destinations.</summary>
    public static void Round(ReadOnlySpan<double> values, Span<float> destination)
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = (float)values[i];
        }
    }
}

/// <summary>Where a dense-layer reference writes its unrounded results; empty spans are not written.</summary>
internal ref struct DenseLayerOutputs
{
    /// <summary>n×k logits.</summary>
    public Span<double> Logits;

    /// <summary>n×k magnitudes Σ_j |x·W| + |b| of the logits' terms.</summary>
    public Span<double> LogitMagnitudes;

    /// <summary>n×k G = ∂C/∂Z.</summary>
    public Span<double> LogitGradient;

    /// <summary>d×k ∂C/∂W (accumulated: must start at 0).</summary>
    public Span<double> WeightGradient;

    /// <summary>k ∂C/∂b (accumulated: must start at 0).</summary>
    public Span<double> BiasGradient;

    /// <summary>n×d ∂C/∂X.</summary>
    public Span<double> InputGradient;
}

/// <summary>The unrounded results of a dense-layer reference, for tests and tools (allocated per evaluation).</summary>
public sealed class DenseLayerEvaluation
{
    internal DenseLayerEvaluation(int samples, int features, int outputs)
    {
        Samples = samples;
        Features = features;
        Outputs = outputs;
        Logits = new double[samples * outputs];
        LogitMagnitudes = new double[samples * outputs];
        LogitGradient = new double[samples * outputs];
        WeightGradient = new double[features * outputs];
        BiasGradient = new double[outputs];
        InputGradient = new double[samples * features];
    }

    /// <summary>n, the number of samples (rows).</summary>
    public int Samples { get; }

    /// <summary>d, the number of features.</summary>
    public int Features { get; }

    /// <summary>k, the number of outputs (classes).</summary>
    public int Outputs { get; }

    /// <summary>The cost.</summary>
    public double Cost { get; internal set; }

    /// <summary>The gradient scale s of the reduction (1 for Sum; 1/n or 1/Σ label weights for Mean; 0 for a Mean over nothing).</summary>
    public double Scale { get; internal set; }

    /// <summary>Z = X·W + b, n×k.</summary>
    public double[] Logits { get; }

    /// <summary>Per logit, Σ_j |x_j·W[j, o]| + |b_o|: the magnitude of the terms it is summed from.</summary>
    public double[] LogitMagnitudes { get; }

    /// <summary>G = ∂C/∂Z, n×k.</summary>
    public double[] LogitGradient { get; }

    /// <summary>∂C/∂W = Xᵀ·G, d×k.</summary>
    public double[] WeightGradient { get; }

    /// <summary>∂C/∂b = Σ_rows G, k.</summary>
    public double[] BiasGradient { get; }

    /// <summary>∂C/∂X = G·Wᵀ, n×d.</summary>
    public double[] InputGradient { get; }

    internal DenseLayerOutputs AsOutputs() => new()
    {
        Logits = Logits,
        LogitMagnitudes = LogitMagnitudes,
        LogitGradient = LogitGradient,
        WeightGradient = WeightGradient,
        BiasGradient = BiasGradient,
        InputGradient = InputGradient,
    };
}
