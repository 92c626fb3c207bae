namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// A reusable barrier for the threads of one GEMM call: they meet once per packed B panel (every few milliseconds),
/// so waiting spins and yields rather than blocking; it never sleeps a millisecond as <see cref="SpinWait"/> would
/// by default, which would be longer than packing a panel. Allocation-free.
/// </summary>
internal sealed class GemmSpinBarrier
{
    private int _parts;
    private int _remaining;
    private int _generation;

    /// <summary>Sets the number of threads that meet; only while none is waiting.</summary>
    internal void Reset(int parts)
    {
        _parts = parts;
        Volatile.Write(ref _remaining, parts);
    }

    /// <summary>Returns once every one of the threads has called it for this round.</summary>
    internal void SignalAndWait()
    {
        int generation = Volatile.Read(ref _generation);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            // The last to arrive re-arms the count before it releases the others, who may arrive at the next round at once.
            Volatile.Write(ref _remaining, _parts);
            Volatile.Write(ref _generation, generation + 1);
            return;
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _generation) == generation)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
