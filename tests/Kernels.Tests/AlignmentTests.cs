using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// Where the spans live must not change a bit: every public method, every length 0..300, spans at every float
/// offset from a 64-byte boundary. (A class of its own so that xunit runs it beside <see cref="MemorySafetyTests"/>.)
/// </summary>
public class AlignmentTests
{
    private const int MaxSamples = 300;
    private const int AlignmentBytes = 64;
    private const int AlignmentOffsets = AlignmentBytes / sizeof(float);

    public static TheoryData<string> Cases() => PublicKernels.Names();

    /// <summary>
    /// Span role r at (o + r) mod 16 floats past a 64-byte boundary, so that the spans are also misaligned relative to
    /// each other: every output bit must equal the all-aligned run. The flat overloads try every o at every length;
    /// the multi-output ones (whose rows start at every alignment within one call anyway, and which cost k times
    /// more) try o = n mod 16, so every offset is still met by every span.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ResultsDoNotDependOnAlignment(string name)
    {
        KernelCase kernel = PublicKernels.Named(name);
        // Pinned, so the 64-byte boundary found once stays where it is.
        float[][] arrays = [.. KernelCase.Roles.Select(role =>
            GC.AllocateUninitializedArray<float>(kernel.Length(role, MaxSamples) + (2 * AlignmentOffsets), pinned: true))];
        int[] aligned = [.. arrays.Select(AlignedIndex)];

        for (int samples = 0; samples <= MaxSamples; samples++)
        {
            float[][] inputs = kernel.Prepare(samples, samples);
            KernelResult baseline = kernel.Run(inputs, (role, length) => arrays[(int)role].AsSpan(aligned[(int)role], length));
            IEnumerable<int> offsets = kernel.OutputCount == 0 ? Enumerable.Range(0, AlignmentOffsets) : [samples % AlignmentOffsets];
            foreach (int offset in offsets)
            {
                KernelResult shifted = kernel.Run(inputs, (role, length) =>
                    arrays[(int)role].AsSpan(aligned[(int)role] + ((offset + (int)role) % AlignmentOffsets), length));
                BitwiseAssert.Equal(baseline, shifted, $"{name}, n = {samples}, span role r at {offset} + r (mod 16) floats past 64-byte alignment");
            }
        }
    }

    /// <summary>The first index of <paramref name="array"/> whose address is a multiple of 64 bytes.</summary>
    private static unsafe int AlignedIndex(float[] array)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (int)((AlignmentBytes - (address % AlignmentBytes)) % AlignmentBytes / sizeof(float));
    }
}
