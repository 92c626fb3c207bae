namespace CloudMatrix.Compute.Network;

/// <summary>
/// A network model that times a dependency graph of transfers (simulated seconds): the flow-level simulator of a
/// system's links, or the ideal single switch of the α-β closed forms. Collectives and plans time their transfers
/// through it.
/// </summary>
internal interface ITransferSimulator
{
    /// <summary>Number of devices the model connects.</summary>
    int DeviceCount { get; }

    /// <summary>Times <paramref name="transfers"/>: each one's start, last byte sent and finish, and each link's load.</summary>
    TransferTimes Simulate(IReadOnlyList<TimedTransfer> transfers);
}
