namespace CloudMatrix.Compute.Network;

/// <summary>What one direction of one link carried during a simulation.</summary>
/// <param name="LinkId">The link's id (<see cref="Topology.LinkSpec.Id"/>).</param>
/// <param name="From">Id of the sending end of this direction.</param>
/// <param name="To">Id of the receiving end.</param>
/// <param name="Bytes">Bytes carried in this direction.</param>
/// <param name="BusySeconds">Simulated seconds during which this direction carried traffic.</param>
public sealed record LinkUsage(string LinkId, string From, string To, double Bytes, double BusySeconds);
