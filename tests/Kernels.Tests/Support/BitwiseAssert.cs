namespace Kernels.Tests.Support;

/// <summary>Bit-for-bit comparison of float results: signed zeros, NaN signs and NaN payloads included.</summary>
internal static class BitwiseAssert
{
    /// <summary>
    /// Whether NaN results must also match in sign and payload. The docs promise every output bit; if that promise is
    /// ever narrowed to "NaN stays NaN", setting this to false makes every comparison and the determinism hash see a
    /// single NaN.
    /// </summary>
    public static readonly bool NaNBitsMatter = true;

    /// <summary>The bits a comparison or hash looks at.</summary>
    public static int BitsOf(float value) =>
        float.IsNaN(value) && !NaNBitsMatter ? BitConverter.SingleToInt32Bits(float.NaN) : BitConverter.SingleToInt32Bits(value);

    public static string Describe(float value) => $"{value:R} (0x{BitConverter.SingleToInt32Bits(value):X8})";

    public static void Equal(KernelResult expected, KernelResult actual, string context)
    {
        Equal([expected.Returned], [actual.Returned], $"{context}: returned value");
        Equal(expected.Gradient, actual.Gradient, $"{context}: gradient");
        Equal(expected.Losses, actual.Losses, $"{context}: losses");
    }

    /// <param name="describe">Optional: what produced element i (its inputs), added to the failure message.</param>
    public static void Equal(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context, Func<int, string>? describe = null)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitsOf(expected[i]) != BitsOf(actual[i]))
            {
                string inputs = describe is null ? string.Empty : $"; {describe(i)}";
                Assert.Fail($"{context}: element {i} is {Describe(actual[i])}, expected {Describe(expected[i])}{inputs}.");
            }
        }
    }
}
