using System.Collections.ObjectModel;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// An immutable description of a whole system: its devices, switch chips and links, the per-device compute spec,
/// and the system-level figures that public sources give only as totals (power, cost). Build one with
/// <see cref="Systems"/>, <see cref="TopologyBuilder"/> or <see cref="TopologyFile.Load(string)"/>; every instance
/// has passed <see cref="TopologyBuilder.Build"/>'s validation (unique ids, no dangling ends, positive finite
/// bandwidths, every device connected).
/// </summary>
public sealed class SystemSpec
{
    private readonly Dictionary<string, int> _vertexById;

    internal SystemSpec(
        string name,
        DeviceGranularity granularity,
        NpuSpec npu,
        CpuSpec? cpu,
        int nodeCount,
        int rackCount,
        int supernodeCount,
        double powerWatts,
        double costUsd,
        IReadOnlyDictionary<string, string> sources,
        IReadOnlyList<DeviceSpec> devices,
        IReadOnlyList<SwitchSpec> switches,
        IReadOnlyList<LinkSpec> links)
    {
        Name = name;
        Granularity = granularity;
        Npu = npu;
        Cpu = cpu;
        NodeCount = nodeCount;
        RackCount = rackCount;
        SupernodeCount = supernodeCount;
        PowerWatts = powerWatts;
        CostUsd = costUsd;
        Sources = new ReadOnlyDictionary<string, string>(new SortedDictionary<string, string>(
            sources.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal));
        Devices = devices.ToArray().AsReadOnly();
        Switches = switches.ToArray().AsReadOnly();
        Links = links.ToArray().AsReadOnly();
        _vertexById = new Dictionary<string, int>(Devices.Count + Switches.Count, StringComparer.Ordinal);
        // A null id (or a null switch) is left out here so that the validator can name the field.
        for (int i = 0; i < Devices.Count; i++)
        {
            if (Devices[i]?.Id is { } id) _vertexById[id] = i;
        }

        for (int i = 0; i < Switches.Count; i++)
        {
            if (Switches[i]?.Id is { } id) _vertexById[id] = Devices.Count + i;
        }
    }

    /// <summary>The system's name, e.g. <c>cloudmatrix384</c>.</summary>
    public string Name { get; }

    /// <summary>Whether a device is a whole chip or one die.</summary>
    public DeviceGranularity Granularity { get; }

    /// <summary>Compute and memory figures of one device at <see cref="Granularity"/> (a die's figures at die granularity).</summary>
    public NpuSpec Npu { get; }

    /// <summary>The host CPU model, or <c>null</c> when the system description has none.</summary>
    public CpuSpec? Cpu { get; }

    /// <summary>Nodes (servers) in the system.</summary>
    public int NodeCount { get; }

    /// <summary>Racks in the system (compute and switch racks).</summary>
    public int RackCount { get; }

    /// <summary>Supernodes (scale-up domains) in the system.</summary>
    public int SupernodeCount { get; }

    /// <summary>Total power, watts: a system total from the source named in <see cref="Sources"/> (no per-part figures are public).</summary>
    public double PowerWatts { get; }

    /// <summary>Total cost, US dollars: a system total from the source named in <see cref="Sources"/>.</summary>
    public double CostUsd { get; }

    /// <summary>Where each system-level figure came from, keyed by the JSON field name (e.g. <c>power_watts</c>).</summary>
    public IReadOnlyDictionary<string, string> Sources { get; }

    /// <summary>The devices, indexed 0..DeviceCount-1; a flow's source and destination are these indices.</summary>
    public IReadOnlyList<DeviceSpec> Devices { get; }

    /// <summary>The switch chips.</summary>
    public IReadOnlyList<SwitchSpec> Switches { get; }

    /// <summary>The links (full duplex).</summary>
    public IReadOnlyList<LinkSpec> Links { get; }

    /// <summary>Number of devices.</summary>
    public int DeviceCount => Devices.Count;

    /// <summary>Host CPUs in the system: <see cref="CpuSpec.CountPerNode"/> times <see cref="NodeCount"/> (0 without a CPU model).</summary>
    public int CpuCount => Cpu is null ? 0 : Cpu.CountPerNode * NodeCount;

    /// <summary>
    /// The vertex index of a device or switch id: devices are 0..DeviceCount-1, switches follow in
    /// <see cref="Switches"/> order.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <exception cref="ArgumentException">No device or switch has the id.</exception>
    public int VertexIndex(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _vertexById.TryGetValue(id, out int v)
            ? v
            : throw new ArgumentException($"No device or switch has id '{id}' in system '{Name}'.", nameof(id));
    }

    /// <summary>Whether a device or switch has the id.</summary>
    public bool ContainsId(string id) => _vertexById.ContainsKey(id);

    /// <summary>The id of a vertex index (see <see cref="VertexIndex"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0..DeviceCount+Switches.Count-1.</exception>
    public string VertexId(int vertex)
    {
        if ((uint)vertex >= (uint)(Devices.Count + Switches.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(vertex), vertex,
                $"Vertex index must be in 0..{Devices.Count + Switches.Count - 1}.");
        }

        return vertex < Devices.Count ? Devices[vertex].Id : Switches[vertex - Devices.Count].Id;
    }

    /// <summary>
    /// The software and protocol costs of this system's collectives (launch and step latencies, achievable bandwidth
    /// per link class, in-switch reduction); <see cref="CommunicationCosts.Ideal"/> unless a preset, a topology file
    /// or <see cref="WithCommunication"/> set them.
    /// </summary>
    public CommunicationCosts Communication { get; private init; } = CommunicationCosts.Ideal;

    /// <summary>This system with other collective costs (the devices, switches and links are shared, not copied).</summary>
    /// <param name="costs">The costs; <see cref="CommunicationCosts.Ideal"/> for the α-β model of the links alone.</param>
    /// <returns>A new system description.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="costs"/> is null.</exception>
    /// <exception cref="ArgumentException">A protocol is invalid (see <see cref="CommunicationCosts.Validate"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public SystemSpec WithCommunication(CommunicationCosts costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        costs.Validate();
        return new SystemSpec(Name, Granularity, Npu, Cpu, NodeCount, RackCount, SupernodeCount, PowerWatts, CostUsd, Sources, Devices, Switches, Links)
        {
            Communication = costs,
        };
    }

    /// <summary>This system with every link's bandwidth multiplied by its class's factor (protocol efficiency).</summary>
    internal SystemSpec WithLinkBandwidthScaled(double scaleUp, double scaleOut) =>
        new(Name, Granularity, Npu, Cpu, NodeCount, RackCount, SupernodeCount, PowerWatts, CostUsd, Sources, Devices, Switches,
            [.. Links.Select(l => l with { BandwidthBytesPerSecond = l.BandwidthBytesPerSecond * (l.Network == LinkNetwork.ScaleOut ? scaleOut : scaleUp) })])
        {
            Communication = Communication,
        };

    /// <summary>The table figures of this system (summed from per-device and per-link figures).</summary>
    public SystemSummary Summarize() => SystemSummary.Of(this);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {DeviceCount} devices ({Granularity}), {Switches.Count} switch chips, {Links.Count} links";
}
