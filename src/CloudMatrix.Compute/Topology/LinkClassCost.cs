namespace CloudMatrix.Compute.Topology;

/// <summary>
/// What one protocol of a collective library costs on one class of link (<see cref="LinkNetwork"/>): a fixed latency
/// per algorithm step, and the fraction of the link's nominal rate that its data achieve.
/// </summary>
/// <param name="StepLatencySeconds">
/// Fixed cost of one step of the algorithm over this link class (one transfer's synchronisation, flag polling, proxy
/// or NIC latency), seconds, ≥ 0; paid once per transfer on top of the link latencies of its path.
/// </param>
/// <param name="BandwidthEfficiency">
/// Achievable fraction of the links' nominal bandwidth, in (0, 1]: protocol headers and flags (NCCL's LL carries
/// 4 bytes of flag per 4 of data, LL128 8 per 120), packetisation and the copy engine's limits.
/// </param>
public sealed record LinkClassCost(double StepLatencySeconds, double BandwidthEfficiency)
{
    /// <summary>No cost: zero step latency and the full nominal rate.</summary>
    public static LinkClassCost Ideal { get; } = new(0, 1);

    /// <summary>Checks the values; <paramref name="name"/> names the owner in the message.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A latency is negative or not finite, or an efficiency is outside (0, 1].</exception>
    internal void Validate(string name)
    {
#pragma warning disable CA2208 // the message names the record's own field, which is what the caller set

        if (!(StepLatencySeconds >= 0) || double.IsInfinity(StepLatencySeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(StepLatencySeconds), StepLatencySeconds, $"{name}: step latency must be finite and >= 0 s.");
        }

        if (!(BandwidthEfficiency > 0) || BandwidthEfficiency > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BandwidthEfficiency), BandwidthEfficiency, $"{name}: bandwidth efficiency must be in (0, 1].");
        }
#pragma warning restore CA2208
    }
}
