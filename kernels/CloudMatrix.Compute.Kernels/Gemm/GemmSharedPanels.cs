namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// The packed B panels the threads of one call share (BLIS: B is packed once per panel, each thread packing a slice
/// of it, instead of once per thread), two of them so that packing the next overlaps nobody's reads of the last, and
/// the barrier the threads meet at after packing. One instance serves the worker pool, which runs one call at a time.
/// </summary>
internal sealed unsafe class GemmSharedPanels
{
    private readonly float*[] _buffers = new float*[2];
    private readonly nuint[] _bytes = new nuint[2];

    /// <summary>The pool's instance; used only while the pool's gate is held.</summary>
    internal static GemmSharedPanels Pool { get; } = new();

    /// <summary>The barrier of the current call (reset to its thread count by <see cref="Prepare"/>).</summary>
    internal GemmSpinBarrier Barrier { get; } = new();

    /// <summary>Readies the panels for a call of <paramref name="parts"/> threads.</summary>
    internal void Prepare(int parts) => Barrier.Reset(parts);

    /// <summary>
    /// Buffer <paramref name="index"/> (0 or 1), at least <paramref name="floats"/> floats. Every part asks for the
    /// same size in the same round; the first to ask grows it, under a lock, before any part writes to it.
    /// </summary>
    internal float* Buffer(int index, nint floats)
    {
        nuint needed = (nuint)floats * sizeof(float);
        if (Volatile.Read(ref _bytes[index]) < needed)
        {
            lock (_buffers)
            {
                if (_bytes[index] < needed)
                {
                    PackMemory.Free(_buffers[index]);
                    _buffers[index] = (float*)PackMemory.Allocate(needed);
                    Volatile.Write(ref _bytes[index], needed);
                }
            }
        }

        return _buffers[index];
    }
}
