namespace Kernels.Internal.Validation;

/// <summary>
/// The argument rules of <see cref="LogisticRegression"/>, shared with <see cref="Reference.LogisticRegression"/> so
/// that both reject exactly the same calls with the same exceptions (type, parameter name, message).
/// </summary>
internal static class LogisticRegressionGuard
{
    /// <summary>The checks of <c>CostAndGradient</c>: shapes (n from the targets), ∂w's length and overlaps, reduction.</summary>
    public static void CostAndGradient(
        ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> weightGradient, Kernels.Reduction reduction)
    {
        Shapes(features, weights, targets.Length, nameof(targets));
        SpanGuard.SameLength(weights, nameof(weights), weightGradient, nameof(weightGradient));
        SpanGuard.NoOverlap(weightGradient, nameof(weightGradient), features, nameof(features), allowExactAlias: false);
        SpanGuard.NoOverlap(weightGradient, nameof(weightGradient), weights, nameof(weights), allowExactAlias: false);
        SpanGuard.NoOverlap(weightGradient, nameof(weightGradient), targets, nameof(targets), allowExactAlias: false);
        Reduction(reduction);
    }

    /// <summary>Only <see cref="Kernels.Reduction.Sum"/> and <see cref="Kernels.Reduction.Mean"/> are defined.</summary>
    public static void Reduction(Kernels.Reduction reduction) => ReductionGuard.Validate(reduction);

    /// <summary>The checks of <c>Predict</c>: shapes (n from the probabilities) and overlaps.</summary>
    public static void Predict(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> probabilities)
    {
        Shapes(features, weights, probabilities.Length, nameof(probabilities));
        SpanGuard.NoOverlap(probabilities, nameof(probabilities), features, nameof(features), allowExactAlias: false);
        SpanGuard.NoOverlap(probabilities, nameof(probabilities), weights, nameof(weights), allowExactAlias: false);
    }

    /// <summary>features.Length must be n·d, n = <paramref name="rows"/>, d = weights.Length.</summary>
    public static void Shapes(ReadOnlySpan<float> features, ReadOnlySpan<float> weights, int rows, string rowsName)
    {
        if ((long)rows * weights.Length != features.Length)
        {
            throw new ArgumentException(
                $"'features' has length {features.Length}, but {rowsName} gives n = {rows} rows and 'weights' gives d = {weights.Length} features (n·d = {(long)rows * weights.Length}).",
                nameof(features));
        }
    }
}
