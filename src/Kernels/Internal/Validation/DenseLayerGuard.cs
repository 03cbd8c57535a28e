namespace Kernels.Internal.Validation;

/// <summary>The shape and overlap rules of the dense layers (and their references), checked before anything is written.</summary>
internal static class DenseLayerGuard
{
    /// <summary>k = bias.Length, which must be at least 1.</summary>
    public static int OutputCount(ReadOnlySpan<float> bias)
    {
        if (bias.IsEmpty)
        {
            throw new ArgumentException("'bias' is empty; it must hold one bias per output (k ≥ 1).", nameof(bias));
        }

        return bias.Length;
    }

    /// <summary>d = features.Length / n (weights.Length / k for n = 0), with weights.Length = d·k.</summary>
    public static int FeatureCount(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, int rows, int outputs, string rowsName)
    {
        int d;
        if (rows > 0)
        {
            if (features.Length % rows != 0)
            {
                throw new ArgumentException(
                    $"'features' has length {features.Length}, which is not a multiple of the n = {rows} rows given by '{rowsName}'.", nameof(features));
            }

            d = features.Length / rows;
        }
        else
        {
            if (!features.IsEmpty)
            {
                throw new ArgumentException($"'features' has length {features.Length}, but '{rowsName}' gives n = 0 rows.", nameof(features));
            }

            if (weights.Length % outputs != 0)
            {
                throw new ArgumentException(
                    $"'weights' has length {weights.Length}, which is not a multiple of the k = {outputs} outputs given by 'bias'.", nameof(weights));
            }

            d = weights.Length / outputs;
        }

        if ((long)d * outputs != weights.Length)
        {
            throw new ArgumentException(
                $"'weights' has length {weights.Length}; it must have length d·k = {(long)d * outputs} (d = {d} features, k = {outputs} outputs).", nameof(weights));
        }

        return d;
    }

    /// <summary>∂W is d×k, ∂b is k, ∂X is empty or n×d.</summary>
    public static void Outputs(ReadOnlySpan<float> weightGradient, ReadOnlySpan<float> biasGradient, ReadOnlySpan<float> inputGradient, int rows, int features, int outputs)
    {
        if (weightGradient.Length != features * outputs)
        {
            throw new ArgumentException(
                $"'weightGradient' has length {weightGradient.Length}; it must have length d·k = {features * outputs}.", nameof(weightGradient));
        }

        if (biasGradient.Length != outputs)
        {
            throw new ArgumentException($"'biasGradient' has length {biasGradient.Length}; it must have length k = {outputs}.", nameof(biasGradient));
        }

        SpanGuard.EmptyOrLength(inputGradient, rows * features, nameof(inputGradient), "n·d, the shape of the features");
    }

    public static void Reduction(Kernels.Reduction reduction) => ReductionGuard.Validate(reduction);

    /// <summary>No output overlaps an input or another output (there is no in-place form).</summary>
    public static void NoOverlaps(
        ReadOnlySpan<float> weightGradient, ReadOnlySpan<float> biasGradient, ReadOnlySpan<float> inputGradient,
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> input1, string input1Name, ReadOnlySpan<float> input2, string input2Name, ReadOnlySpan<float> input3, string input3Name)
    {
        CheckOutput(weightGradient, nameof(weightGradient), features, weights, bias, input1, input1Name, input2, input2Name, input3, input3Name);
        CheckOutput(biasGradient, nameof(biasGradient), features, weights, bias, input1, input1Name, input2, input2Name, input3, input3Name);
        CheckOutput(inputGradient, nameof(inputGradient), features, weights, bias, input1, input1Name, input2, input2Name, input3, input3Name);
        SpanGuard.NoOverlap(biasGradient, nameof(biasGradient), weightGradient, nameof(weightGradient), allowExactAlias: false);
        SpanGuard.NoOverlap(inputGradient, nameof(inputGradient), weightGradient, nameof(weightGradient), allowExactAlias: false);
        SpanGuard.NoOverlap(inputGradient, nameof(inputGradient), biasGradient, nameof(biasGradient), allowExactAlias: false);
    }

    private static void CheckOutput(
        ReadOnlySpan<float> output, string outputName, ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> input1, string input1Name, ReadOnlySpan<float> input2, string input2Name, ReadOnlySpan<float> input3, string input3Name)
    {
        SpanGuard.NoOverlap(output, outputName, features, nameof(features), allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, weights, nameof(weights), allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, bias, nameof(bias), allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, input1, input1Name, allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, input2, input2Name, allowExactAlias: false);
        SpanGuard.NoOverlap(output, outputName, input3, input3Name, allowExactAlias: false);
    }
}
