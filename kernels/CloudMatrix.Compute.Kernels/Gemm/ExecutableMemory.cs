using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// Pages of machine code generated at run time: written while read-write, then switched to read-execute (never
/// writable and executable at once). Linux x64 only (System V calling convention, <c>mmap</c>/<c>mprotect</c>);
/// elsewhere <see cref="IsSupported"/> is false and callers use managed kernels. Pages live as long as the process.
/// </summary>
internal static unsafe partial class ExecutableMemory
{
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int ProtExec = 4;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    /// <summary>Whether this process can map code it generates (Linux on x64).</summary>
    internal static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Copies <paramref name="code"/> into new executable pages and returns their address, or null on failure.</summary>
    internal static void* TryMap(ReadOnlySpan<byte> code)
    {
        if (!IsSupported)
        {
            return null;
        }

        nuint size = (nuint)((code.Length + 4095) & ~4095);
        void* pages = Mmap(null, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (pages == (void*)-1 || pages == null)
        {
            return null;
        }

        code.CopyTo(new Span<byte>(pages, code.Length));
        if (Mprotect(pages, size, ProtRead | ProtExec) != 0)
        {
            _ = Munmap(pages, size);
            return null;
        }

        return pages;
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);
}
