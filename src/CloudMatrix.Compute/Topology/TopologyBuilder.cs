using System.Globalization;
using CloudMatrix.Compute.Memory;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// Builds a <see cref="SystemSpec"/>: add devices, switch chips and links, then <see cref="Build"/> validates and
/// freezes them. Static helpers build common shapes: a single non-blocking switch, a torus or mesh of devices,
/// several systems joined over their scale-out network.
/// </summary>
public sealed class TopologyBuilder
{
    private readonly List<DeviceSpec> _devices = [];
    private readonly List<SwitchSpec> _switches = [];
    private readonly List<LinkSpec> _links = [];
    private readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);

    /// <summary>Starts a system called <paramref name="name"/> whose devices have the figures of <paramref name="npu"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public TopologyBuilder(string name, NpuSpec npu)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(npu);
        Name = name;
        Npu = npu;
    }

    /// <summary>The system's name.</summary>
    public string Name { get; set; }

    /// <summary>Figures of one device.</summary>
    public NpuSpec Npu { get; set; }

    /// <summary>Whether a device is a chip or a die; <see cref="DeviceGranularity.Npu"/> by default.</summary>
    public DeviceGranularity Granularity { get; set; } = DeviceGranularity.Npu;

    /// <summary>The host CPU model, or <c>null</c>.</summary>
    public CpuSpec? Cpu { get; set; }

    /// <summary>Nodes; 0 (the default) means one more than the largest device node index.</summary>
    public int NodeCount { get; set; }

    /// <summary>Racks (0 when unknown).</summary>
    public int RackCount { get; set; }

    /// <summary>Supernodes; 0 (the default) means one more than the largest device supernode index.</summary>
    public int SupernodeCount { get; set; }

    /// <summary>Total power, watts (a system total; 0 when unknown).</summary>
    public double PowerWatts { get; set; }

    /// <summary>The collectives' software and protocol costs; <see cref="CommunicationCosts.Ideal"/> by default.</summary>
    public CommunicationCosts Communication { get; set; } = CommunicationCosts.Ideal;

    /// <summary>Total cost, US dollars (a system total; 0 when unknown).</summary>
    public double CostUsd { get; set; }

    /// <summary>Devices added so far.</summary>
    public int DeviceCount => _devices.Count;

    /// <summary>Records where a system-level figure came from, keyed by its JSON field name (e.g. <c>power_watts</c>).</summary>
    /// <param name="field">The figure's JSON field name.</param>
    /// <param name="source">Where the figure came from (a paper section, a datasheet).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="field"/> or <paramref name="source"/> is null.</exception>
    public TopologyBuilder Source(string field, string source)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(source);
        _sources[field] = source;
        return this;
    }

    /// <summary>Adds a device and returns its index (validated by <see cref="Build"/>).</summary>
    /// <param name="id">Unique id.</param>
    /// <param name="node">Node index (&gt;= 0).</param>
    /// <param name="supernode">Supernode index (&gt;= 0).</param>
    /// <param name="chip">Chip index; -1 (default) uses the device's own index.</param>
    /// <param name="die">Die within the chip, or -1 for a whole chip.</param>
    public int AddDevice(string id, int node = 0, int supernode = 0, int chip = -1, int die = -1)
    {
        int index = _devices.Count;
        _devices.Add(new DeviceSpec(index, id, node, supernode, chip < 0 ? index : chip, die));
        return index;
    }

    /// <summary>Adds a switch chip.</summary>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public TopologyBuilder AddSwitch(SwitchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _switches.Add(spec);
        return this;
    }

    /// <summary>Adds a link (validated by <see cref="Build"/>).</summary>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public TopologyBuilder AddLink(LinkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _links.Add(spec);
        if (spec.Id is not null)
        {
            _linkIds.Add(spec.Id);
        }

        return this;
    }

    /// <summary>Adds a link with an id made from its ends (<c>from~to</c>, with a counter for parallel links).</summary>
    /// <param name="from">Id of one end.</param>
    /// <param name="to">Id of the other end.</param>
    /// <param name="bandwidthBytesPerSecond">Bytes/s each way.</param>
    /// <param name="latencySeconds">Latency of the hop, seconds.</param>
    /// <param name="medium">Medium (electrical by default).</param>
    /// <param name="network">Scale-up (default) or scale-out.</param>
    /// <param name="opticalTransceivers">Transceiver modules this link accounts for.</param>
    /// <param name="plane">Sub-plane, or -1.</param>
    public TopologyBuilder AddLink(string from, string to, double bandwidthBytesPerSecond, double latencySeconds,
        LinkMedium medium = LinkMedium.Electrical, LinkNetwork network = LinkNetwork.ScaleUp,
        double opticalTransceivers = 0, int plane = -1)
    {
        string id = from + "~" + to;
        int n = 0;
        while (_linkIds.Contains(n == 0 ? id : id + "#" + n.ToString(CultureInfo.InvariantCulture)))
        {
            n++;
        }

        if (n > 0)
        {
            id += "#" + n.ToString(CultureInfo.InvariantCulture);
        }

        return AddLink(new LinkSpec(id, from, to, bandwidthBytesPerSecond, latencySeconds, medium, network, opticalTransceivers, plane));
    }

    private readonly HashSet<string> _linkIds = new(StringComparer.Ordinal);

    /// <summary>Validates everything added and returns the immutable system.</summary>
    /// <exception cref="ArgumentException">
    /// A field is invalid; the message names it by its JSON path and says why, e.g.
    /// <c>links[12].bandwidth_bytes_per_second: must be finite and &gt; 0, was -1</c>. Checked: ids present and
    /// unique, device node and supernode indices in range, link ends that exist, finite positive bandwidths,
    /// finite non-negative latencies, defined link media and networks, every device connected to device 0; a defined
    /// <see cref="Granularity"/> and a non-null <see cref="Communication"/> (ParamName <c>granularity</c>, <c>communication</c>).
    /// </exception>
    public SystemSpec Build()
    {
        // 0 means "derive from the devices"; a negative count is a mistake, not a request to derive it.
        if (NodeCount < 0)
        {
            throw new ArgumentException($"nodes: must be >= 0 (0 to count them from the devices), was {NodeCount}", "nodes");
        }

        if (SupernodeCount < 0)
        {
            throw new ArgumentException($"supernodes: must be >= 0 (0 to count them from the devices), was {SupernodeCount}", "supernodes");
        }

        if (Communication is null)
        {
            throw new ArgumentException("communication: must be present (CommunicationCosts.Ideal for the links alone), was null", "communication");
        }

        if (!Enum.IsDefined(Granularity))
        {
            throw new ArgumentException($"granularity: must be Npu or Die, was {(int)Granularity}", "granularity");
        }

        int nodes = NodeCount > 0 ? NodeCount : (_devices.Count == 0 ? 0 : _devices.Max(d => d.NodeIndex) + 1);
        int supernodes = SupernodeCount > 0 ? SupernodeCount : (_devices.Count == 0 ? 0 : _devices.Max(d => d.SupernodeIndex) + 1);
        var spec = new SystemSpec(Name, Granularity, Npu, Cpu, nodes, RackCount, supernodes, PowerWatts, CostUsd,
            _sources, _devices, _switches, _links);
        if (TopologyValidator.FirstError(spec) is { } error)
        {
            throw new ArgumentException($"{error.Path}: {error.Reason}", error.Path);
        }

        return Communication.IsIdeal ? spec : spec.WithCommunication(Communication);
    }

    /// <summary>
    /// An ideal system: <paramref name="devices"/> devices on one non-blocking switch, each with one port of
    /// <paramref name="bandwidthBytesPerSecond"/> each way and a hop latency of <paramref name="latencySeconds"/>
    /// (so a device-to-device path has latency 2 x <paramref name="latencySeconds"/> and bottleneck
    /// <paramref name="bandwidthBytesPerSecond"/>). For closed-form (alpha-beta) checks.
    /// </summary>
    /// <param name="devices">Number of devices, &gt;= 1.</param>
    /// <param name="bandwidthBytesPerSecond">Port bandwidth, bytes/s each way, finite and &gt; 0.</param>
    /// <param name="latencySeconds">Per-hop latency, seconds, finite and &gt;= 0.</param>
    /// <param name="npu">Device figures; a 1 PFLOPS BF16 placeholder device when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or figure is out of range (at most <see cref="MaxDevices"/> devices).</exception>
    /// <exception cref="MemoryBudgetExceededException">The system would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static SystemSpec SingleSwitch(int devices, double bandwidthBytesPerSecond, double latencySeconds, NpuSpec? npu = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        CheckBandwidth(bandwidthBytesPerSecond);
        CheckLatency(latencySeconds);
        if (devices > MaxDevices)
        {
            throw new ArgumentOutOfRangeException(nameof(devices), devices, $"A single-switch system of {devices} devices is too large; valid: 1..{MaxDevices}.");
        }

        MemoryBudget.Ensure((double)devices * (BytesPerDevice + BytesPerLink), $"a single-switch system of {devices} devices");
        var b = new TopologyBuilder("single-switch", npu ?? IdealNpu) { RackCount = 1 };
        var chip = new SwitchChipSpec("ideal", devices, bandwidthBytesPerSecond);
        b.AddSwitch(new SwitchSpec("switch", "ideal", chip, -1, 0, -1, null));
        for (int i = 0; i < devices; i++)
        {
            string id = "d" + i.ToString(CultureInfo.InvariantCulture);
            b.AddDevice(id, node: i);
            b.AddLink(id, "switch", bandwidthBytesPerSecond, latencySeconds);
        }

        return b.Build();
    }

    /// <summary>
    /// A torus (wrap-around links) or mesh (no wrap) of devices linked directly to their neighbours, one link per
    /// neighbour pair. A 2D 16 x 24 torus has the CloudMatrix384's device count.
    /// </summary>
    /// <param name="dimensions">Extent of each dimension, each &gt;= 2 (a wrap needs &gt;= 3 to differ from a mesh link).</param>
    /// <param name="bandwidthBytesPerSecond">Bytes/s each way of every link.</param>
    /// <param name="latencySeconds">Latency of every hop, seconds.</param>
    /// <param name="wrap">True for a torus, false for a mesh.</param>
    /// <param name="npu">Device figures; a placeholder when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dimensions"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or figure is out of range, or the product of the dimensions exceeds <see cref="MaxDevices"/>.</exception>
    /// <exception cref="MemoryBudgetExceededException">The system would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static SystemSpec Torus(IReadOnlyList<int> dimensions, double bandwidthBytesPerSecond, double latencySeconds,
        bool wrap = true, NpuSpec? npu = null)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Count == 0 || dimensions.Any(d => d < 2))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), string.Join("x", dimensions),
                "Every dimension of a torus or mesh must be >= 2, and there must be at least one.");
        }

        CheckBandwidth(bandwidthBytesPerSecond);
        CheckLatency(latencySeconds);
        string shape = string.Join("x", dimensions);
        double product = dimensions.Aggregate(1.0, (a, d) => a * d);
        if (product > MaxDevices)
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), shape,
                $"A torus or mesh of {shape} has {product:0} devices; at most {MaxDevices} are supported.");
        }

        int count = (int)product;
        MemoryBudget.Ensure(count * (BytesPerDevice + dimensions.Count * BytesPerLink), $"a {(wrap ? "torus" : "mesh")} of {shape}");
        var b = new TopologyBuilder((wrap ? "torus-" : "mesh-") + shape, npu ?? IdealNpu);
        for (int i = 0; i < count; i++)
        {
            b.AddDevice("d" + i.ToString(CultureInfo.InvariantCulture), node: i);
        }

        int stride = 1;
        foreach (int extent in dimensions)
        {
            for (int i = 0; i < count; i++)
            {
                int coord = i / stride % extent;
                bool last = coord == extent - 1;
                if (last && (!wrap || extent < 3))
                {
                    continue;
                }

                int j = last ? i - coord * stride : i + stride;
                b.AddLink("d" + i.ToString(CultureInfo.InvariantCulture), "d" + j.ToString(CultureInfo.InvariantCulture),
                    bandwidthBytesPerSecond, latencySeconds);
            }

            stride *= extent;
        }

        return b.Build();
    }

    /// <summary>
    /// Joins several systems into one: each part's devices, switches and links get the id prefix <c>s{k}.</c> and
    /// supernode index k, except switches whose <see cref="SwitchSpec.SupernodeIndex"/> is -1 (shared, such as
    /// a scale-out spine): those with the same id are one switch of the joined system. Power, cost and racks add up.
    /// </summary>
    /// <param name="name">Name of the joined system.</param>
    /// <param name="parts">The systems to join (at least one); they must have the same device figures and granularity.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parts"/> is null.</exception>
    /// <exception cref="ArgumentException">No parts, a null part, or the parts differ in device figures or granularity, or a shared switch differs between parts.</exception>
    public static SystemSpec Join(string name, IReadOnlyList<SystemSpec> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one system is needed to join.", nameof(parts));
        }

        if (parts[0] is null)
        {
            throw new ArgumentException("parts[0] is null; every part must be a system.", nameof(parts));
        }

        SystemSpec first = parts[0];
        var b = new TopologyBuilder(name, first.Npu)
        {
            Granularity = first.Granularity,
            Cpu = first.Cpu,
            Communication = first.Communication,
        };
        foreach (var source in first.Sources)
        {
            b.Source(source.Key, source.Value + $" (x{parts.Count} joined)");
        }

        var shared = new Dictionary<string, SwitchSpec>(StringComparer.Ordinal);
        int nodeOffset = 0;
        int chipOffset = 0;
        for (int k = 0; k < parts.Count; k++)
        {
            SystemSpec part = parts[k] ?? throw new ArgumentException($"parts[{k}] is null; every part must be a system.", nameof(parts));
            if (part.Npu != first.Npu || part.Granularity != first.Granularity)
            {
                throw new ArgumentException(
                    $"parts[{k}] ('{part.Name}') has device '{part.Npu.Name}' at {part.Granularity} granularity; " +
                    $"every part must match parts[0] ('{first.Npu.Name}', {first.Granularity}).", nameof(parts));
            }

            string prefix = "s" + k.ToString(CultureInfo.InvariantCulture) + ".";
            int superOffset = b.SupernodeCount;
            foreach (DeviceSpec d in part.Devices)
            {
                b.AddDevice(prefix + d.Id, d.NodeIndex + nodeOffset, d.SupernodeIndex + superOffset, d.ChipIndex + chipOffset, d.DieIndex);
            }

            var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (SwitchSpec s in part.Switches)
            {
                if (s.SupernodeIndex < 0)
                {
                    if (shared.TryGetValue(s.Id, out SwitchSpec? seen))
                    {
                        if (seen != s)
                        {
                            throw new ArgumentException(
                                $"Shared switch '{s.Id}' of parts[{k}] differs from the one of an earlier part.", nameof(parts));
                        }

                        continue;
                    }

                    shared[s.Id] = s;
                    b.AddSwitch(s);
                    continue;
                }

                renamed[s.Id] = prefix + s.Id;
                b.AddSwitch(s with
                {
                    Id = prefix + s.Id,
                    NodeIndex = s.NodeIndex < 0 ? -1 : s.NodeIndex + nodeOffset,
                    SupernodeIndex = s.SupernodeIndex + superOffset,
                    Group = s.Group is null ? null : prefix + s.Group,
                });
            }

            foreach (LinkSpec l in part.Links)
            {
                b.AddLink(l with
                {
                    Id = prefix + l.Id,
                    From = renamed.TryGetValue(l.From, out string? f) ? f : (part.ContainsId(l.From) && !shared.ContainsKey(l.From) ? prefix + l.From : l.From),
                    To = renamed.TryGetValue(l.To, out string? t) ? t : (part.ContainsId(l.To) && !shared.ContainsKey(l.To) ? prefix + l.To : l.To),
                });
            }

            nodeOffset += part.NodeCount;
            chipOffset += part.Devices.Count == 0 ? 0 : part.Devices.Max(d => d.ChipIndex) + 1;
            b.SupernodeCount = superOffset + Math.Max(1, part.SupernodeCount);
            b.RackCount += part.RackCount;
            b.PowerWatts += part.PowerWatts;
            b.CostUsd += part.CostUsd;
        }

        b.NodeCount = nodeOffset;
        return b.Build();
    }

    /// <summary>The most devices one system may have (ids and indices are 32-bit; vertices include switches too).</summary>
    public const int MaxDevices = 1 << 30;

    /// <summary>
    /// Memory one device of a built system takes, bytes, with its id, index entries and its share of the simulator's
    /// and writer's per-vertex arrays: an estimate for <see cref="MemoryBudget"/>, on the high side.
    /// </summary>
    internal const double BytesPerDevice = 512;

    /// <summary>Memory one link takes, bytes, with its id, the routing graph's bundles and its text in a file: an estimate, on the high side.</summary>
    internal const double BytesPerLink = 1024;

    /// <summary>A placeholder device for ideal topologies: 1 PFLOPS BF16, 1 TB/s HBM, 64 GB.</summary>
    internal static NpuSpec IdealNpu { get; } = new("ideal", 1, 1e15, 1e15, 2.5e14, 2.5e14, 64_000_000_000, 1e12);

    private static void CheckBandwidth(double bandwidthBytesPerSecond)
    {
        if (!double.IsFinite(bandwidthBytesPerSecond) || bandwidthBytesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bandwidthBytesPerSecond), bandwidthBytesPerSecond,
                "Bandwidth must be finite and > 0 bytes/s.");
        }
    }

    private static void CheckLatency(double latencySeconds)
    {
        if (!double.IsFinite(latencySeconds) || latencySeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(latencySeconds), latencySeconds,
                "Latency must be finite and >= 0 seconds.");
        }
    }
}
