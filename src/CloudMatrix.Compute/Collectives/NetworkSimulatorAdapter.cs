using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Collectives;

/// <summary>Times collective transfers on a system's <see cref="NetworkSimulator"/> (links, switches, planes, contention).</summary>
internal sealed class NetworkSimulatorAdapter : ITransferSimulator
{
    private readonly NetworkSimulator _simulator;
    private readonly Dictionary<string, double> _bandwidth;

    /// <param name="system">The modelled machine.</param>
    /// <param name="faults">Links, switches or planes down or degraded (the fault soak test times collectives under them); none when null.</param>
    public NetworkSimulatorAdapter(SystemSpec system, IReadOnlyList<Fault>? faults = null)
    {
        _simulator = new NetworkSimulator(system, faults);
        _bandwidth = system.Links.ToDictionary(l => l.Id, l => l.BandwidthBytesPerSecond);
        DeviceCount = system.DeviceCount;
    }

    public int DeviceCount { get; }

    public TransferTimes Simulate(IReadOnlyList<TimedTransfer> transfers)
    {
        var flows = new Flow[transfers.Count];
        for (int i = 0; i < flows.Length; i++)
        {
            TimedTransfer t = transfers[i];
            flows[i] = new Flow(i, t.Source, t.Destination, t.Bytes) { DependsOn = t.DependsOn, DelaySeconds = t.DelaySeconds };
        }

        SimulationResult result = _simulator.Run(flows);
        var links = new List<LinkUsage>();
        foreach (LinkUsage usage in result.Links)
        {
            if (usage.Bytes <= 0) continue;
            links.Add(usage with { BytesPerSecond = _bandwidth.GetValueOrDefault(usage.LinkId, double.PositiveInfinity) });
        }

        return new TransferTimes([.. result.StartSeconds], [.. result.Flows.Select(f => f.TransmitEndSeconds)], [.. result.FinishSeconds], result.TotalSeconds, links);
    }
}
