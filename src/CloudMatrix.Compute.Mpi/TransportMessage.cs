namespace CloudMatrix.Compute.Mpi;

/// <summary>One point-to-point message: bfloat16 bits to or from another process.</summary>
/// <param name="Peer">The other process's rank, 0 to the transport's size - 1.</param>
/// <param name="Tag">Tag, 0 to 32767 (the smallest upper bound MPI guarantees).</param>
/// <param name="Data">The elements (bfloat16 bit patterns); 2 bytes each.</param>
public sealed record TransportMessage(int Peer, int Tag, ushort[] Data)
{
    /// <summary>The largest tag (MPI guarantees <c>MPI_TAG_UB</c> ≥ 32767).</summary>
    public const int MaxTag = 32767;

    /// <summary>Refuses, before anything is posted, a null list, a null message or data, a peer outside the
    /// transport's ranks and a tag outside 0 to <see cref="MaxTag"/>.</summary>
    internal static void CheckAll(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives, int size)
    {
        ArgumentNullException.ThrowIfNull(sends);
        ArgumentNullException.ThrowIfNull(receives);
        Check(sends, nameof(sends), size);
        Check(receives, nameof(receives), size);
    }

    private static void Check(IReadOnlyList<TransportMessage> messages, string name, int size)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            TransportMessage? m = messages[i];
            if (m is null) throw new ArgumentException($"{name}[{i}] is null.", name);
            if (m.Data is null) throw new ArgumentException($"{name}[{i}].Data is null; give the elements (an empty array for none).", name);
            if (m.Peer < 0 || m.Peer >= size)
            {
                throw new ArgumentException($"{name}[{i}].Peer is {m.Peer}; valid: a rank 0 to {size - 1} ({size} processes).", name);
            }

            if (m.Tag < 0 || m.Tag > MaxTag)
            {
                throw new ArgumentException($"{name}[{i}].Tag is {m.Tag}; valid: 0 to {MaxTag}.", name);
            }
        }
    }
}
