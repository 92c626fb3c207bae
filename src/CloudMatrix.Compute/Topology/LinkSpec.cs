namespace CloudMatrix.Compute.Topology;

/// <summary>
/// One full-duplex link between two endpoints (devices or switches): each direction carries
/// <see cref="BandwidthBytesPerSecond"/> on its own.
/// </summary>
/// <param name="Id">Unique id among links.</param>
/// <param name="From">Id of one endpoint.</param>
/// <param name="To">Id of the other endpoint.</param>
/// <param name="BandwidthBytesPerSecond">Bandwidth of each direction, bytes/s (GB/s = 1e9 bytes/s); must be finite and &gt; 0.</param>
/// <param name="LatencySeconds">Latency added by this hop, seconds; finite and &gt;= 0.</param>
/// <param name="Medium">Electrical, optical or on-package.</param>
/// <param name="Network">Scale-up or scale-out.</param>
/// <param name="OpticalTransceivers">
/// Optical transceiver modules this link accounts for, both ends together (0 for electrical links). A module that
/// carries several links is split among them, so the sum over links is the system's module count.
/// </param>
/// <param name="Plane">The sub-plane the link serves (0..6 on CloudMatrix384); -1 when none.</param>
public sealed record LinkSpec(
    string Id,
    string From,
    string To,
    double BandwidthBytesPerSecond,
    double LatencySeconds,
    LinkMedium Medium,
    LinkNetwork Network,
    double OpticalTransceivers,
    int Plane)
{
    /// <summary>
    /// Power drawn by the link (both ends, transceivers included), watts; 0 when no per-link figure is public (the
    /// presets' power is a system total that already includes the links).
    /// </summary>
    public double PowerWatts { get; init; }
}
