namespace CloudMatrix.Compute.Topology;

/// <summary>
/// One protocol of a system's collective library (NCCL's LL, LL128 and Simple; HCCL's one), as NCCL's tuner models
/// it (<c>src/graph/tuning.cc</c>): a fixed cost per collective launch, and per link class a latency per step and an
/// achievable fraction of the nominal bandwidth. The collective model times every protocol a system lists and
/// keeps the fastest, as NCCL's tuner does.
/// </summary>
/// <param name="Name">The protocol's name as the library spells it, e.g. <c>LL128</c>.</param>
/// <param name="LaunchSeconds">Fixed cost of one collective (kernel launch, first synchronisation), seconds, ≥ 0.</param>
/// <param name="ScaleUp">Costs on scale-up links (NVLink, UB).</param>
/// <param name="ScaleOut">Costs on scale-out links (InfiniBand, RoCE).</param>
public sealed record CollectiveProtocol(string Name, double LaunchSeconds, LinkClassCost ScaleUp, LinkClassCost ScaleOut)
{
    /// <summary>Where the constants come from (publication, measurement, fit); shown in reports.</summary>
    public string Source { get; init; } = "";

    /// <summary>The costs of <paramref name="network"/>'s link class.</summary>
    /// <param name="network">Scale-up or scale-out.</param>
    /// <returns><see cref="ScaleUp"/> or <see cref="ScaleOut"/>.</returns>
    public LinkClassCost For(LinkNetwork network) => network == LinkNetwork.ScaleOut ? ScaleOut : ScaleUp;

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A latency is negative or not finite, or an efficiency is outside (0, 1].</exception>
    internal void Validate()
    {
#pragma warning disable CA2208 // the message names the record's own field, which is what the caller set
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("A protocol needs a name.", nameof(Name));
        if (!(LaunchSeconds >= 0) || double.IsInfinity(LaunchSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(LaunchSeconds), LaunchSeconds, $"Protocol {Name}: launch cost must be finite and >= 0 s.");
        }

        ArgumentNullException.ThrowIfNull(ScaleUp);
        ArgumentNullException.ThrowIfNull(ScaleOut);
        ScaleUp.Validate($"Protocol {Name}, scale-up");
        ScaleOut.Validate($"Protocol {Name}, scale-out");
#pragma warning restore CA2208
    }
}
