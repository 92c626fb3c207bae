namespace CloudMatrix.Compute.Network;

/// <summary>
/// One transfer of <see cref="Bytes"/> bytes from device <see cref="Source"/> to device <see cref="Destination"/>
/// (indices into <see cref="Topology.SystemSpec.Devices"/>). It starts <see cref="DelaySeconds"/> after the last of
/// the flows in <see cref="DependsOn"/> has finished (after simulated time 0 when it depends on none).
/// </summary>
/// <param name="Id">Unique id within one flow list; <see cref="DependsOn"/> refers to these ids.</param>
/// <param name="Source">Sending device index, 0..DeviceCount-1.</param>
/// <param name="Destination">Receiving device index, 0..DeviceCount-1. Equal to <paramref name="Source"/>: a local copy that takes no network time.</param>
/// <param name="Bytes">Bytes to move; finite and &gt;= 0.</param>
public sealed record Flow(int Id, int Source, int Destination, double Bytes)
{
    /// <summary>Ids of the flows that must finish before this one starts; empty by default.</summary>
    public IReadOnlyList<int> DependsOn { get; init; } = [];

    /// <summary>Simulated seconds between the last dependency finishing (or time 0) and this flow starting; finite and &gt;= 0.</summary>
    public double DelaySeconds { get; init; }

    /// <summary>Free text carried into the result (e.g. <c>allreduce step 3</c>); <c>null</c> for none.</summary>
    public string? Tag { get; init; }
}
