using System.Runtime.InteropServices;

namespace Kernels.Tests.Support;

/// <summary>Which edge of a <see cref="BoundedMemory"/> region a span is pushed against.</summary>
public enum GuardSide
{
    /// <summary>The span ends exactly where the trailing guard page begins: reading or writing past its end faults.</summary>
    Trailing,

    /// <summary>The span starts exactly where the leading guard page ends: reading or writing before its start faults.</summary>
    Leading,
}

/// <summary>
/// Native memory with an inaccessible (PROT_NONE) page on each side, so that a kernel touching even one float
/// outside the span it was given dies with SIGSEGV instead of passing silently (the idea of dotnet/runtime's
/// BoundedMemory). One region is reused for every length: <see cref="Span"/> places a span of the requested length
/// flush against either guard.
/// </summary>
/// <remarks>
/// Linux only: it calls mmap/mprotect/munmap from libc. Tests check <see cref="IsSupported"/> and skip with a reason
/// elsewhere (never pass without having run).
/// </remarks>
internal sealed unsafe partial class BoundedMemory : IDisposable
{
    public const string UnsupportedReason = "BoundedMemory needs Linux (mmap/mprotect); memory-safety tests run on Linux CI.";

    private const int ProtNone = 0;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    private readonly nuint _mappingLength;
    private byte* _mapping;
    private readonly byte* _accessibleStart;
    private readonly nuint _accessibleLength;

    /// <summary>Maps a region that can hold at least <paramref name="capacity"/> floats between two guard pages.</summary>
    public BoundedMemory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException(UnsupportedReason);
        }

        nuint page = (nuint)Environment.SystemPageSize;
        nuint bytes = (nuint)capacity * sizeof(float);
        // At least one accessible page, so even capacity 0 has a real address between the guards.
        _accessibleLength = nuint.Max(page, (bytes + page - 1) / page * page);
        _mappingLength = _accessibleLength + 2 * page;

        void* mapping = Mmap(null, _mappingLength, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (mapping == (void*)-1)
        {
            throw new InvalidOperationException($"mmap of {_mappingLength} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        _mapping = (byte*)mapping;
        _accessibleStart = _mapping + page;
        Protect(_mapping, page);
        Protect(_accessibleStart + _accessibleLength, page);
    }

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The number of floats a span can hold (at least the requested capacity).</summary>
    public int Capacity => (int)(_accessibleLength / sizeof(float));

    /// <summary>A span of <paramref name="length"/> floats flush against the guard page on <paramref name="side"/>.</summary>
    public Span<float> Span(int length, GuardSide side)
    {
        ObjectDisposedException.ThrowIf(_mapping == null, this);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Capacity);
        byte* start = side == GuardSide.Leading
            ? _accessibleStart
            : _accessibleStart + _accessibleLength - (nuint)length * sizeof(float);
        return new Span<float>(start, length);
    }

    public void Dispose()
    {
        if (_mapping != null)
        {
            // Failure to unmap leaks address space only; nothing a test could act on.
            _ = Munmap(_mapping, _mappingLength);
            _mapping = null;
        }
    }

    private static void Protect(byte* address, nuint length)
    {
        if (Mprotect(address, length, ProtNone) != 0)
        {
            throw new InvalidOperationException($"mprotect(PROT_NONE) failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);
}
