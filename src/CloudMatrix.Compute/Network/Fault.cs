using System.Globalization;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// A failure or degradation applied to a system before simulating it. Routing avoids what is down; a pair of
/// devices that can no longer reach each other makes <see cref="NetworkSimulator.Run"/> throw
/// <see cref="NetworkUnreachableException"/> naming both ends. A fault is checked where it is applied: the
/// <see cref="NetworkSimulator"/> constructor throws <see cref="ArgumentException"/> for an unknown target or a
/// factor outside [0, 1).
/// </summary>
/// <param name="Kind">What is affected.</param>
/// <param name="Target">The link or switch id, or the plane number as text.</param>
/// <param name="BandwidthFactor">
/// Remaining fraction of bandwidth, in [0, 1): 0 takes the target down, a value in (0, 1) degrades every affected
/// link to that fraction of its bandwidth.
/// </param>
public sealed record Fault(FaultKind Kind, string Target, double BandwidthFactor)
{
    /// <summary>Takes a link down.</summary>
    public static Fault LinkDown(string linkId) => new(FaultKind.Link, linkId, 0);

    /// <summary>Degrades a link to <paramref name="factor"/> of its bandwidth (both directions).</summary>
    public static Fault DegradeLink(string linkId, double factor) => new(FaultKind.Link, linkId, factor);

    /// <summary>Fails one optical transceiver of a link: the link goes down.</summary>
    public static Fault TransceiverDown(string linkId) => new(FaultKind.Transceiver, linkId, 0);

    /// <summary>Takes a switch chip (and so all its links) down.</summary>
    public static Fault SwitchDown(string switchId) => new(FaultKind.Switch, switchId, 0);

    /// <summary>Degrades every link of a switch chip to <paramref name="factor"/> of its bandwidth.</summary>
    public static Fault DegradeSwitch(string switchId, double factor) => new(FaultKind.Switch, switchId, factor);

    /// <summary>Takes sub-plane <paramref name="plane"/> (its switches and links) down.</summary>
    public static Fault PlaneDown(int plane) => new(FaultKind.Plane, plane.ToString(CultureInfo.InvariantCulture), 0);

    /// <summary>Degrades every link of sub-plane <paramref name="plane"/> to <paramref name="factor"/> of its bandwidth.</summary>
    public static Fault DegradePlane(int plane, double factor) =>
        new(FaultKind.Plane, plane.ToString(CultureInfo.InvariantCulture), factor);
}
