namespace CloudMatrix.Compute.Topology;

/// <summary>
/// How a collective library pipelines its in-switch all-reduce (NCCL's NVLS kernel, <c>src/device/all_reduce.h</c>
/// and <c>src/enqueue.cc</c>): the buffer is split over <see cref="Channels"/> channels; each channel walks its share
/// in loops of one chunk per head (up to <see cref="MaxHeads"/> devices reduce, each its own chunk); the chunk shrinks
/// for smaller buffers by NCCL's rule (<see cref="ChunkBytes"/>); and the loops flow through a pipeline (copy in,
/// reduce and multicast in the switch, copy out) whose filling and draining costs <see cref="FillLoops"/> loops'
/// worth of transfer time. The in-switch timing moves <see cref="WireFactor"/> times the ideal in-switch bytes.
/// </summary>
/// <param name="Channels">Channels (thread blocks per device) the in-switch kernel runs on, ≥ 1 (NCCL: 16 on Hopper, 32 on Blackwell).</param>
/// <param name="MaxHeads">Most devices that reduce a chunk each, ≥ 1 (NCCL ≥ 2.25: 32); a larger group has this many heads.</param>
/// <param name="MaxChunkBytes">Chunk per head per loop for large buffers, bytes, ≥ 1 (NCCL: 128 KiB, <c>NCCL_NVLS_CHUNKSIZE</c>).</param>
/// <param name="FillLoops">Loops of transfer time the pipeline's filling and draining add, ≥ 0.</param>
public sealed record InSwitchPipeline(int Channels, int MaxHeads, int MaxChunkBytes, double FillLoops)
{
    /// <summary>Where the values come from; shown in reports.</summary>
    public string Source { get; init; } = "";

    /// <summary>Devices that reduce a chunk each in a group of <paramref name="ranks"/>: min(ranks, <see cref="MaxHeads"/>).</summary>
    /// <param name="ranks">Group size, ≥ 1.</param>
    /// <returns>The head count.</returns>
    public int Heads(int ranks) => Math.Max(1, Math.Min(ranks, MaxHeads));

    /// <summary>
    /// The chunk NCCL's in-switch all-reduce uses for a buffer of <paramref name="sizeBytes"/> (NCCL
    /// <c>src/enqueue.cc</c>, 2.25 - 2.28): with c = channels x heads concurrent chunks, the chunk starts at
    /// <see cref="MaxChunkBytes"/> and drops to 64 KiB below 64 c chunks of buffer, to 32 KiB below 8 c, to 16 KiB
    /// below 2 c (each test against the chunk as it stands).
    /// </summary>
    /// <param name="ranks">Group size, ≥ 1.</param>
    /// <param name="sizeBytes">Each device's buffer, bytes.</param>
    /// <returns>Bytes per head per loop.</returns>
    public double ChunkBytes(int ranks, double sizeBytes)
    {
        double concurrent = (double)Channels * Heads(ranks);
        double chunk = MaxChunkBytes;
        if (sizeBytes < 64 * concurrent * chunk && chunk > 65536) chunk = 65536;
        if (sizeBytes < 8 * concurrent * chunk && chunk > 32768) chunk = 32768;
        if (sizeBytes < 2 * concurrent * chunk && chunk > 16384) chunk = 16384;
        return chunk;
    }

    /// <summary>Bytes of the buffer one loop of every channel covers: channels x heads x chunk.</summary>
    /// <param name="ranks">Group size, ≥ 1.</param>
    /// <param name="sizeBytes">Each device's buffer, bytes.</param>
    /// <returns>Bytes per loop.</returns>
    public double LoopBytes(int ranks, double sizeBytes) => (double)Channels * Heads(ranks) * ChunkBytes(ranks, sizeBytes);

    /// <summary>
    /// Bytes each device port is timed with, relative to the ideal in-switch all-reduce of <paramref name="ranks"/>
    /// devices ((n+1)/n x S each way): the heads' share (each port carries (1 + 1/heads) S when fewer devices than
    /// the group reduce) and the pipeline fill, <see cref="FillLoops"/> x min(S, loop bytes) more.
    /// </summary>
    /// <param name="ranks">Group size, ≥ 2.</param>
    /// <param name="sizeBytes">Each device's buffer, bytes, ≥ 0.</param>
    /// <returns>The factor, ≥ 1 for groups within <see cref="MaxHeads"/>.</returns>
    public double WireFactor(int ranks, double sizeBytes)
    {
        if (ranks < 2 || !(sizeBytes > 0)) return 1;
        int heads = Heads(ranks);
        double headShare = (1 + 1.0 / heads) / (1 + 1.0 / ranks);
        double fill = FillLoops * Math.Min(sizeBytes, LoopBytes(ranks, sizeBytes)) / sizeBytes;
        return headShare * (1 + fill);
    }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or the chunk is &lt; 1, or the fill is negative or not finite.</exception>
    internal void Validate()
    {
#pragma warning disable CA2208 // the message names the record's own field, which is what the caller set
        if (Channels < 1) throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "In-switch pipeline: channels must be >= 1.");
        if (MaxHeads < 1) throw new ArgumentOutOfRangeException(nameof(MaxHeads), MaxHeads, "In-switch pipeline: max heads must be >= 1.");
        if (MaxChunkBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxChunkBytes), MaxChunkBytes, "In-switch pipeline: max chunk must be >= 1 byte.");
        if (!(FillLoops >= 0) || double.IsInfinity(FillLoops))
        {
            throw new ArgumentOutOfRangeException(nameof(FillLoops), FillLoops, "In-switch pipeline: fill loops must be finite and >= 0.");
        }
#pragma warning restore CA2208
    }
}
