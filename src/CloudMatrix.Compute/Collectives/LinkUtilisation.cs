namespace CloudMatrix.Compute.Collectives;

/// <summary>How busy one link was during a collective (simulated time).</summary>
/// <param name="Link">The link's name in the network model.</param>
/// <param name="Bytes">Bytes it carried.</param>
/// <param name="BusySeconds">Simulated seconds during which it carried at least one transfer.</param>
/// <param name="Utilisation">Bytes over (capacity × collective time), 0..1.</param>
public sealed record LinkUtilisation(string Link, double Bytes, double BusySeconds, double Utilisation);
