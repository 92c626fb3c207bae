namespace CloudMatrix.Compute.Network;

/// <summary>
/// What one direction of one link carried during a simulation: a flow simulation's links
/// (<see cref="SimulationResult.Links"/>) and a collective's (<see cref="Collectives.CollectiveTiming.Links"/>).
/// </summary>
/// <param name="LinkId">The link's id (<see cref="Topology.LinkSpec.Id"/>); on the ideal single switch of the α-β model, the device's port (<c>device3</c>).</param>
/// <param name="From">Id of the sending end of this direction (<c>switch</c> for a port's way in on the ideal switch).</param>
/// <param name="To">Id of the receiving end.</param>
/// <param name="Bytes">Bytes carried in this direction.</param>
/// <param name="BusySeconds">Simulated seconds during which this direction carried traffic.</param>
public sealed record LinkUsage(string LinkId, string From, string To, double Bytes, double BusySeconds)
{
    /// <summary>
    /// Fraction of this direction's capacity used over the whole of what was timed, 0..1: bytes on the wire (a
    /// protocol's overhead included) over (bandwidth × simulated time). Set for a collective's links, over the
    /// collective's time; a flow simulation's result leaves it 0 (its flows end at different times: divide
    /// <see cref="Bytes"/> by the link's bandwidth and the span that matters).
    /// </summary>
    public double Utilisation { get; init; }

    /// <summary>The direction's capacity, bytes/s, where the model reports it (the transfer simulators do); 0 otherwise.</summary>
    internal double BytesPerSecond { get; init; }

    /// <summary>The direction as one name, <c>link:from->to</c>: unique among a simulation's links.</summary>
    internal string Name => $"{LinkId}:{From}->{To}";
}
