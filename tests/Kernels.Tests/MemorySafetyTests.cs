using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernels.Tests.Support;

namespace Kernels.Tests;

/// <summary>
/// SIMD tails must never touch memory outside the spans: every public method, every length 0..300 (samples;
/// n×k elements for the multi-output overloads), every span flush against a guard page.
/// </summary>
public class MemorySafetyTests
{
    private const int MaxSamples = 300;

    public static TheoryData<string> Cases() => PublicKernels.Names();

    /// <summary>
    /// Every input and output span flush against a PROT_NONE page, first all against the trailing guards, then all
    /// against the leading ones: an overrun (or underrun) kills the test process with SIGSEGV, which fails the run.
    /// The results must also equal, bit for bit, those computed on ordinary managed arrays.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void SpansAgainstGuardPagesAreNeverOverrunAndGiveTheManagedResult(string name)
    {
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        KernelCase kernel = PublicKernels.Named(name);
        BoundedMemory[] memory = [.. KernelCase.Roles.Select(role => new BoundedMemory(kernel.Length(role, MaxSamples)))];
        try
        {
            for (int samples = 0; samples <= MaxSamples; samples++)
            {
                float[][] inputs = kernel.Prepare(samples, samples);
                KernelResult expected = kernel.Run(inputs, KernelCase.Managed);
                foreach (GuardSide side in (GuardSide[])[GuardSide.Trailing, GuardSide.Leading])
                {
                    KernelResult actual = kernel.Run(inputs, (role, length) => memory[(int)role].Span(length, side));
                    BitwiseAssert.Equal(expected, actual, $"{name}, n = {samples}, spans against the {side} guard pages");
                }
            }
        }
        finally
        {
            foreach (BoundedMemory region in memory)
            {
                region.Dispose();
            }
        }
    }

    /// <summary>
    /// The guards really are there: the kernel run above can only catch an overrun if the page past a trailing span,
    /// and the page before a leading span, are PROT_NONE. Checked in /proc/self/maps (touching them would crash).
    /// </summary>
    [Fact]
    public void SpansSitFlushAgainstInaccessiblePages()
    {
        Assert.SkipUnless(BoundedMemory.IsSupported, BoundedMemory.UnsupportedReason);
        using BoundedMemory memory = new(1000);
        foreach (int length in new[] { 0, 1, 17, 1000, memory.Capacity })
        {
            nuint trailingEnd = Address(memory.Span(length, GuardSide.Trailing)) + ((nuint)length * sizeof(float));
            Assert.Equal("---", Protection(trailingEnd));
            Assert.Equal("rw-", Protection(trailingEnd - 1));

            nuint leadingStart = Address(memory.Span(length, GuardSide.Leading));
            Assert.Equal("---", Protection(leadingStart - 1));
            Assert.Equal("rw-", Protection(leadingStart));
        }
    }

    private static unsafe nuint Address(Span<float> span) => (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    /// <summary>The r/w/x flags of the mapping holding <paramref name="address"/>, from /proc/self/maps.</summary>
    private static string Protection(nuint address)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode path", addresses in hex.
            string[] fields = line.Split(' ', 3);
            string[] range = fields[0].Split('-');
            nuint start = nuint.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            nuint end = nuint.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (address >= start && address < end)
            {
                return fields[1][..3];
            }
        }

        return "unmapped";
    }
}
