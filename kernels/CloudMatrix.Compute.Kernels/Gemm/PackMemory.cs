using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// Native memory for packed operands: 64-byte aligned, and buffers of 256 KiB or more on whole 2 MiB pages that Linux
/// is asked to back with transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>, honoured where the system's setting is
/// <c>always</c> or <c>madvise</c>): a packed B panel of 8 MiB is then 4 TLB entries instead of 2048.
/// </summary>
internal static unsafe partial class PackMemory
{
    private const nuint HugePage = 2u << 20;
    private const nuint HugeFrom = 256u << 10;
    private const int MadviseHugePage = 14;

    /// <summary>Whether large buffers ask for huge pages (the tuning sweep's <c>--small-pages</c> turns it off to compare).</summary>
    internal static bool UseHugePages { get; set; } = true;

    /// <summary>Allocates at least <paramref name="bytes"/> bytes; free with <see cref="Free"/>.</summary>
    internal static void* Allocate(nuint bytes)
    {
        if (bytes < HugeFrom || !UseHugePages || !OperatingSystem.IsLinux())
        {
            return NativeMemory.AlignedAlloc(bytes, 64);
        }

        nuint size = (bytes + HugePage - 1) & ~(HugePage - 1);
        void* memory = NativeMemory.AlignedAlloc(size, HugePage);
        _ = Madvise(memory, size, MadviseHugePage); // advice only: ordinary pages if refused
        return memory;
    }

    /// <summary>Frees memory from <see cref="Allocate"/> (null is ignored).</summary>
    internal static void Free(void* memory) => NativeMemory.AlignedFree(memory);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
