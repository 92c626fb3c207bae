namespace CloudMatrix.Compute.Collectives;

/// <summary>Options of a collective; every property has a default that suits most uses.</summary>
public sealed record CollectiveOptions
{
    /// <summary>
    /// The devices taking part, as device indices of the system, in group order (rank i is <c>Group[i]</c>); a mesh
    /// axis or a node is just such a list. Null means every device of the system in index order.
    /// </summary>
    public IReadOnlyList<int>? Group { get; init; }

    /// <summary>Device index of the root of <see cref="CollectiveOperation.Broadcast"/> and <see cref="CollectiveOperation.Reduce"/>; null means the group's first device.</summary>
    public int? Root { get; init; }

    /// <summary>
    /// Give every algorithm the same bits: the canonical order (ranks 0..n-1 in group order, FP32 accumulation of the
    /// original operands, one rounding to the output type), which is <see cref="CollectiveAlgorithm.Direct"/>'s order.
    /// Reducing operations run only an algorithm that reduces in this order (Direct, OneShot, InSwitch; Auto picks among
    /// them, a request for another runs Direct); the timing names and times the algorithm that ran.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>Write the results into the input buffers (only where each output has its input's length).</summary>
    public bool InPlace { get; init; }

    /// <summary>
    /// For BF16 buffers: carry partial sums in FP32 on the wire (twice the bytes, no rounding per hop) instead of
    /// rounding them to BF16 at every hop as the libraries do. No effect on FP32 buffers.
    /// </summary>
    public bool Fp32Partials { get; init; }

    /// <summary>
    /// Pipeline chunks each transfer is split into (messages on one channel leave in order, so later hops overlap
    /// earlier ones). 0 picks the algorithm's default: 1 for rings, halving-doubling and direct, about one chunk
    /// per 256 KiB (at most 32) for the broadcast and reduce chains, and for the double binary tree the power of two
    /// (1..512) nearest the k that minimises its pipeline time (k + d)(α + S/(2kB)), with d = 2⌈log₂(n+1)⌉ hops
    /// and the fabric's hop latency α (seconds) and the links' nominal bandwidth B (B/s; a protocol's efficiency is not
    /// in this heuristic). At most 4096; the collectives refuse a larger figure.
    /// </summary>
    public int Chunks { get; init; }

    /// <summary>
    /// Parallel channels for ring algorithms: the buffer is split over this many rings, each visiting every node's
    /// members rotated by its index so that each ring leaves a node through a different device and NIC (NCCL runs one
    /// ring per NIC). 0 picks one channel per member of a node when the group spans several supernodes (so
    /// multi-node collectives use every NIC), else 1.
    /// </summary>
    public int Channels { get; init; }

    /// <summary>
    /// The protocol to time with, by name (e.g. <c>Simple</c>, <c>LL128</c>, <c>LL</c>, among the system's
    /// <see cref="Topology.CommunicationCosts.Protocols"/>); null times each and keeps the fastest, as NCCL's tuner.
    /// Ignored on a system with ideal costs and by <see cref="CollectiveAlgorithm.InSwitch"/>.
    /// </summary>
    public string? Protocol { get; init; }

    /// <summary>
    /// Links, transceivers, switches or planes down or degraded while the collective runs, as <c>cmx simulate
    /// --fault</c> takes them (<see cref="Network.Fault.Parse"/> reads that text). They change only the timing: the data
    /// is the fault-free result. A group whose members can no longer reach each other makes the collective throw
    /// <see cref="Network.NetworkUnreachableException"/> naming both devices; a fault naming no link, switch or plane
    /// of the system, or with a factor outside [0, 1), throws <see cref="ArgumentException"/>. Null or empty: none.
    /// </summary>
    public IReadOnlyList<Network.Fault>? Faults { get; init; }

    /// <summary>Defaults: all devices, root = first, library order, out of place, BF16 partials, default chunks, no faults.</summary>
    public static CollectiveOptions Default { get; } = new();
}
