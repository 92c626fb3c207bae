using CloudMatrix.Compute.Timing;

namespace CloudMatrix.Compute.Sharding;

/// <summary>Options of <see cref="Planner.Rank(Topology.SystemSpec, int, int, int, PlannerOptions?)"/>.</summary>
public sealed record PlannerOptions
{
    /// <summary>
    /// Consider uneven (torch.chunk) shards where a shape does not divide; default true, since products of powers of
    /// two rarely divide over device counts such as 384 = 2⁷·3. The ranking states each candidate's padding waste.
    /// </summary>
    public bool Uneven { get; init; } = true;

    /// <summary>Use only the first N devices of the system (0: all).</summary>
    public int Devices { get; init; }

    /// <summary>Strategies to consider; null for <see cref="Strategy.All"/>.</summary>
    public IReadOnlyList<Strategy>? Strategies { get; init; }

    /// <summary>
    /// Timing constants of every candidate's estimate (and of the plans the ranking returns). The default times steps
    /// of more than 2,048 transfers one group at a time (<see cref="TimingOptions.MaxJointTransfers"/>), so that 384
    /// devices rank in about a second; pass <see cref="TimingOptions.Default"/> to simulate every step's groups jointly.
    /// </summary>
    public TimingOptions Timing { get; init; } = new() { MaxJointTransfers = 2048 };

    /// <summary>The defaults.</summary>
    public static PlannerOptions Default { get; } = new();
}
