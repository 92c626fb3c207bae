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

    /// <summary>The textual forms <see cref="Parse"/> accepts, for error messages and help.</summary>
    public const string Forms = "link:ID, transceiver:ID, switch:ID or plane:K, optionally followed by @F with 0 < F < 1";

    /// <summary>
    /// Parses a fault as <c>cmx simulate --fault</c> takes it: <c>KIND:TARGET</c> takes the target down,
    /// <c>KIND:TARGET@F</c> degrades it to the fraction F of its bandwidth (0 &lt; F &lt; 1); KIND is <c>link</c>,
    /// <c>transceiver</c>, <c>switch</c> or <c>plane</c>, any case (<c>link:n0.npu0-l1.p0@0.5</c>, <c>plane:3</c>).
    /// The target is not checked here; the <see cref="NetworkSimulator"/> constructor checks it against the system.
    /// </summary>
    /// <param name="text">The fault's text.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="FormatException">Not of that form (the message quotes the text and the valid forms).</exception>
    public static Fault Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"Fault '{text}' is not {Forms}.");
        }

        string kind = text[..colon].Trim().ToLowerInvariant();
        string target = text[(colon + 1)..];
        double factor = 0;
        int at = target.LastIndexOf('@');
        if (at >= 0)
        {
            if (!double.TryParse(target[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out factor) || !(factor > 0 && factor < 1))
            {
                throw new FormatException($"Fault '{text}': the fraction after @ must be a number in (0, 1).");
            }

            target = target[..at];
        }

        return kind switch
        {
            "link" => new Fault(FaultKind.Link, target, factor),
            "transceiver" => new Fault(FaultKind.Transceiver, target, factor),
            "switch" => new Fault(FaultKind.Switch, target, factor),
            "plane" => new Fault(FaultKind.Plane, target, factor),
            _ => throw new FormatException($"Fault '{text}': unknown kind '{kind}'; use {Forms}."),
        };
    }
}
