namespace Kernels.Internal.Validation;

/// <summary>The argument checks every public method runs before it touches memory.</summary>
internal static class SpanGuard
{
    public static void SameLength(ReadOnlySpan<float> expected, string expectedName, ReadOnlySpan<float> actual, string actualName)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException(
                $"'{actualName}' has length {actual.Length} but '{expectedName}' has length {expected.Length}; they must be equal.",
                actualName);
        }
    }

    /// <summary>An optional span: empty, or exactly <paramref name="requiredLength"/> long.</summary>
    public static void EmptyOrLength(ReadOnlySpan<float> span, int requiredLength, string name, string meaning)
    {
        if (!span.IsEmpty && span.Length != requiredLength)
        {
            throw new ArgumentException(
                $"'{name}' has length {span.Length}; it must be empty or have length {requiredLength} ({meaning}).", name);
        }
    }

    /// <summary>
    /// Throws unless <paramref name="output"/> and <paramref name="input"/> are disjoint, or (when
    /// <paramref name="allowExactAlias"/>) exactly the same memory.
    /// </summary>
    public static void NoOverlap(ReadOnlySpan<float> output, string outputName, ReadOnlySpan<float> input, string inputName, bool allowExactAlias)
    {
        if (!output.Overlaps(input, out int offset))
        {
            return;
        }

        if (allowExactAlias && offset == 0 && output.Length == input.Length)
        {
            return;
        }

        string allowed = allowExactAlias ? " (only exactly the same memory, for in-place use, is allowed)" : string.Empty;
        throw new ArgumentException($"'{outputName}' overlaps '{inputName}'{allowed}.", outputName);
    }

    /// <summary>Checks a per-row count (outputs, classes) against a flat length; returns the number of rows.</summary>
    public static int OutputCount(int outputCount, string outputCountName, int totalLength, string lengthName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputCount, outputCountName);
        if (totalLength % outputCount != 0)
        {
            throw new ArgumentException(
                $"'{lengthName}' has length {totalLength}, which is not a multiple of {outputCountName} = {outputCount}.", lengthName);
        }

        return totalLength / outputCount;
    }
}
