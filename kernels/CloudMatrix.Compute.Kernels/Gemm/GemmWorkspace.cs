using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// One thread's packing buffers (64-byte aligned native memory), grown on demand and kept, so that steady-state GEMM
/// calls allocate nothing. Each thread that runs GEMM work gets its own through <see cref="Current"/>; the memory is
/// freed when the thread, and with it its workspace, is gone.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    [ThreadStatic]
    private static GemmWorkspace? s_current;

    private float* _packA;
    private nuint _packABytes;
    private float* _packB;
    private nuint _packBBytes;
    private float* _accumulator;
    private nuint _accumulatorBytes;
    private float* _tile;
    private float* _prepacked;
    private nuint _prepackedBytes;

    private GemmWorkspace() => _tile = (float*)NativeMemory.AlignedAlloc(MaxTileFloats * sizeof(float), 64);

    ~GemmWorkspace()
    {
        PackMemory.Free(_packA);
        PackMemory.Free(_packB);
        PackMemory.Free(_accumulator);
        PackMemory.Free(_tile);
        PackMemory.Free(_prepacked);
    }

    /// <summary>Largest register tile (MR x NR floats) a kernel may have.</summary>
    internal const int MaxTileFloats = 32 * 64;

    /// <summary>The calling thread's workspace.</summary>
    internal static GemmWorkspace Current => s_current ??= new GemmWorkspace();

    /// <summary>Scratch for one edge tile (at least <see cref="MaxTileFloats"/> floats).</summary>
    internal float* Tile => _tile;

    /// <summary>Buffer for a packed A block of <paramref name="floats"/> floats.</summary>
    internal float* PackA(nint floats) => Ensure(ref _packA, ref _packABytes, floats);

    /// <summary>Buffer for a packed B panel of <paramref name="floats"/> floats.</summary>
    internal float* PackB(nint floats) => Ensure(ref _packB, ref _packBBytes, floats);

    /// <summary>
    /// Buffer for the operands a batch packs once for the items that share them (kept for the next batch up to the
    /// size <see cref="TrimPrepacked"/> allows).
    /// </summary>
    internal float* Prepacked(nint floats) => Ensure(ref _prepacked, ref _prepackedBytes, floats);

    /// <summary>Frees the prepacked-operand buffer if it is larger than <paramref name="maxBytes"/> bytes.</summary>
    internal void TrimPrepacked(long maxBytes)
    {
        if ((long)_prepackedBytes > maxBytes)
        {
            PackMemory.Free(_prepacked);
            _prepacked = null;
            _prepackedBytes = 0;
        }
    }

    /// <summary>FP32 accumulator for a bfloat16 C block of <paramref name="floats"/> floats.</summary>
    internal float* Accumulator(nint floats) => Ensure(ref _accumulator, ref _accumulatorBytes, floats);

    private static float* Ensure(ref float* buffer, ref nuint bytes, nint floats)
    {
        nuint needed = (nuint)floats * sizeof(float);
        if (needed > bytes)
        {
            PackMemory.Free(buffer);
            buffer = null;
            bytes = 0;
            buffer = (float*)PackMemory.Allocate(needed);
            bytes = needed;
        }

        return buffer;
    }
}
