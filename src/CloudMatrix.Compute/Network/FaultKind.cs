namespace CloudMatrix.Compute.Network;

/// <summary>What a <see cref="Fault"/> takes down or degrades.</summary>
public enum FaultKind
{
    /// <summary>One link, by its id.</summary>
    Link,

    /// <summary>An optical transceiver of one link, by the link's id: an optical link needs both its transceivers, so the link goes down.</summary>
    Transceiver,

    /// <summary>One switch chip, by its id: every link of the chip goes down.</summary>
    Switch,

    /// <summary>One sub-plane, by its number: every switch and link of the plane goes down.</summary>
    Plane,
}
