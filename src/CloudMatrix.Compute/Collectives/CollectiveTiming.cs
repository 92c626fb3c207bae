using CloudMatrix.Compute.Network;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Simulated time of one collective on the modelled hardware, with the nccl-tests bandwidths
/// (<c>doc/PERFORMANCE.md</c>): algbw = S / t; busbw = algbw × 2(n-1)/n for all-reduce, × (n-1)/n for
/// reduce-scatter, all-gather and all-to-all, × 1 for broadcast and reduce.
/// </summary>
public sealed record CollectiveTiming
{
    /// <summary>The operation timed.</summary>
    public required CollectiveOperation Operation { get; init; }

    /// <summary>The algorithm that ran (never <see cref="CollectiveAlgorithm.Auto"/>).</summary>
    public required CollectiveAlgorithm Algorithm { get; init; }

    /// <summary>Why this algorithm: the chosen one, or what Auto compared.</summary>
    public required string Reason { get; init; }

    /// <summary>Number of ranks in the group.</summary>
    public required int Ranks { get; init; }

    /// <summary>S in bytes as nccl-tests counts it: each rank's buffer (for all-gather the gathered output, for reduce-scatter the input).</summary>
    public required double Bytes { get; init; }

    /// <summary>Simulated seconds from the start until every rank has its result.</summary>
    public required double SimulatedSeconds { get; init; }

    /// <summary>Transfers the network model simulated.</summary>
    public required int Transfers { get; init; }

    /// <summary>Pipeline chunks per transfer.</summary>
    public required int Chunks { get; init; }

    /// <summary>
    /// How the network was simulated: <c>flow_graph</c> (every transfer with its dependencies, exact for the flow
    /// model) or <c>rounds</c> (for unchunked schedules of more than 16,384 transfers: each round of concurrent
    /// transfers simulated alone, rounds back to back).
    /// </summary>
    public required string Model { get; init; }

    /// <summary>
    /// The protocol whose costs were applied (the system's fastest for this size, e.g. NCCL's <c>LL128</c>), or
    /// <c>ideal</c> when the system has no protocol costs (links at nominal rate, no fixed costs).
    /// </summary>
    public string Protocol { get; init; } = "ideal";

    /// <summary>Parallel channels the algorithm ran over (rings over different orders, one per NIC across supernodes); 1 otherwise.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>The fixed cost of the collective's launch included in <see cref="SimulatedSeconds"/>, seconds (0 when ideal).</summary>
    public double LaunchSeconds { get; init; }

    /// <summary>
    /// Load of each link direction that carried data: payload bytes, busy time and utilisation over
    /// <see cref="SimulatedSeconds"/> (see <see cref="LinkUsage.Utilisation"/>).
    /// </summary>
    public required IReadOnlyList<LinkUsage> Links { get; init; }

    /// <summary>Algorithm bandwidth S / t in GB/s (1e9 bytes/s); 0 when t is 0.</summary>
    public double AlgorithmBandwidthGBps => SimulatedSeconds > 0 ? Bytes / SimulatedSeconds / 1e9 : 0;

    /// <summary>Bus bandwidth in GB/s: algbw times the operation's nccl-tests factor.</summary>
    public double BusBandwidthGBps => AlgorithmBandwidthGBps * Collective.BusBandwidthFactor(Operation, Ranks);

    /// <summary>Largest link utilisation, 0..1.</summary>
    public double MaxLinkUtilisation => Links.Count == 0 ? 0 : Links.Max(l => l.Utilisation);
}
