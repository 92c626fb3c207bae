using CloudMatrix.Compute.Network;
using System.Runtime.CompilerServices;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// What a collective needs to know about the machine: how many devices, which node each sits on, how transfers
/// are timed, and how fast a device reduces.
/// </summary>
internal sealed class CollectiveFabric
{
    public CollectiveFabric(string name, int[] nodeOfDevice, ITransferSimulator network, DeviceReduceModel reduce)
    {
        Name = name;
        NodeOfDevice = nodeOfDevice;
        Network = network;
        Reduce = reduce;
        SupernodeOfDevice = new int[nodeOfDevice.Length];
    }

    /// <summary>The software and protocol costs (ideal unless the system has some).</summary>
    public CommunicationCosts Costs { get; init; } = CommunicationCosts.Ideal;

    /// <summary>The protocol this fabric times with (its links already derated by the protocol's efficiency); null for the ideal model.</summary>
    public CollectiveProtocol? Protocol { get; init; }

    /// <summary>
    /// Bytes the network model moves per byte of data (1/efficiency) when a protocol derates every link class alike:
    /// the flow model is linear in the rates, so this equals derating every link, without a second network graph.
    /// </summary>
    public double ByteScale { get; init; } = 1;

    /// <summary>Each device's supernode: a transfer between two supernodes is a scale-out step, else a scale-up step.</summary>
    public int[] SupernodeOfDevice { get; init; }

    private Func<CollectiveProtocol, CollectiveFabric>? _variantFactory;
    private readonly Dictionary<string, CollectiveFabric> _variants = [];

    /// <summary>
    /// The fabrics to time <paramref name="algorithm"/> on: one per protocol of the system (links derated by the
    /// protocol's efficiency, its latencies attached), the in-switch protocol's for <see cref="CollectiveAlgorithm.InSwitch"/>,
    /// or this fabric itself for the ideal model.
    /// </summary>
    /// <exception cref="ArgumentException">In-switch reduction asked of a system whose switches do not reduce.</exception>
    public IReadOnlyList<CollectiveFabric> TimingVariants(CollectiveAlgorithm algorithm)
    {
        if (algorithm == CollectiveAlgorithm.InSwitch)
        {
            CollectiveProtocol inSwitch = Costs.InSwitch ?? throw new ArgumentException(
                $"InSwitch needs switches that reduce; system '{Name}' has none (its CommunicationCosts.InSwitch is null). Valid: the other algorithms or Auto.",
                nameof(algorithm));
            return [Variant(inSwitch)];
        }

        if (Costs.Protocols.Count == 0 || _variantFactory is null) return [this];
        return [.. Costs.Protocols.Select(Variant)];
    }

    private CollectiveFabric Variant(CollectiveProtocol protocol)
    {
        if (_variantFactory is null) return this;
        lock (_variants)
        {
            if (_variants.TryGetValue(protocol.Name, out CollectiveFabric? cached)) return cached;
        }

        CollectiveFabric created = _variantFactory(protocol);
        lock (_variants)
        {
            return _variants.TryAdd(protocol.Name, created) ? created : _variants[protocol.Name];
        }
    }

    public string Name { get; }

    public int DeviceCount => NodeOfDevice.Length;

    public int[] NodeOfDevice { get; }

    public ITransferSimulator Network { get; }

    public DeviceReduceModel Reduce { get; }

    private readonly Dictionary<string, ScheduleTimer> _plans = [];
    private long _plannedSteps;

    // A 384-rank ring plan holds ~0.3M steps (tens of MB); keep the cache to a few such plans.
    private const long MaxPlannedSteps = 3_000_000;

    /// <summary>A cached timing plan (schedule shapes do not depend on the size; only the scale does).</summary>
    public ScheduleTimer Plan(string key, Func<ScheduleTimer> create)
    {
        lock (_plans)
        {
            if (_plans.TryGetValue(key, out ScheduleTimer? cached)) return cached;
        }

        // Built outside the lock so that concurrent candidates (Auto) plan in parallel.
        ScheduleTimer plan = create();
        lock (_plans)
        {
            if (_plans.TryGetValue(key, out ScheduleTimer? cached)) return cached;
            if (_plans.Count >= 64 || _plannedSteps + plan.StepCount > MaxPlannedSteps)
            {
                _plans.Clear();
                _plannedSteps = 0;
            }

            _plans[key] = plan;
            _plannedSteps += plan.StepCount;
            return plan;
        }
    }

    private readonly Dictionary<(int, int), (double, double)> _hops = [];

    /// <summary>
    /// One uncontended transfer from <paramref name="source"/> to <paramref name="destination"/>: its latency
    /// (seconds, an empty message) and bandwidth (B/s, from a 1 MiB message), simulated once and cached.
    /// </summary>
    public (double AlphaSeconds, double BytesPerSecond) Hop(int source, int destination)
    {
        lock (_hops)
        {
            if (_hops.TryGetValue((source, destination), out var cached)) return cached;
        }

        const double probe = 1 << 20;
        double alpha = Network.Simulate([new TimedTransfer(source, destination, 0, [], 0)]).TotalSeconds;
        double full = Network.Simulate([new TimedTransfer(source, destination, probe, [], 0)]).TotalSeconds;
        // The links' rate as the network model sees it: nominal where a uniform protocol efficiency is applied as
        // ByteScale (the chunk heuristics that use it then pick the same counts as the ideal model, and a sweep costs
        // the same host time), derated where a protocol derates link classes differently.
        var hop = (alpha, full > alpha ? probe / (full - alpha) : double.PositiveInfinity);
        lock (_hops)
        {
            _hops[(source, destination)] = hop;
        }

        return hop;
    }

    private static readonly ConditionalWeakTable<SystemSpec, CollectiveFabric> Cache = [];
    private static readonly ConditionalWeakTable<SystemSpec, Dictionary<string, CollectiveFabric>> FaultyCache = [];

    /// <summary>The fabric of <paramref name="system"/>: its network simulator and its devices' reduce roofline.</summary>
    public static CollectiveFabric For(SystemSpec system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return Cache.GetValue(system, s => Create(s, []));
    }

    /// <summary>The fabric of <paramref name="system"/> with <paramref name="faults"/> applied (the fault-free one when empty or null).</summary>
    /// <exception cref="ArgumentException">A fault names no link, switch or plane of the system, or its factor is outside [0, 1).</exception>
    public static CollectiveFabric For(SystemSpec system, IReadOnlyList<Fault>? faults)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (faults is null || faults.Count == 0) return For(system);
        string key = string.Join("\n", faults.Select((f, i) => f is null
            ? throw new ArgumentException($"faults[{i}] is null.", nameof(faults))
            : $"{f.Kind}|{f.Target}|{f.BandwidthFactor:R}"));
        Dictionary<string, CollectiveFabric> byFaults = FaultyCache.GetValue(system, _ => []);
        lock (byFaults)
        {
            if (byFaults.TryGetValue(key, out CollectiveFabric? cached)) return cached;
            if (byFaults.Count >= 16) byFaults.Clear();
            return byFaults[key] = Create(system, [.. faults]);
        }
    }

    private static CollectiveFabric Create(SystemSpec s, Fault[] faults)
    {
        int[] nodes = [.. s.Devices.Select(d => d.NodeIndex)];
        int[] supernodes = [.. s.Devices.Select(d => d.SupernodeIndex)];
        var reduce = new DeviceReduceModel(s.Npu.VectorFlopsPerSecond, s.Npu.HbmBytesPerSecond);
        var fabric = new CollectiveFabric(s.Name, nodes, new NetworkSimulatorAdapter(s, faults), reduce)
        {
            Costs = s.Communication,
            SupernodeOfDevice = supernodes,
        };
        fabric._variantFactory = p =>
        {
            bool uniform = p.ScaleUp.BandwidthEfficiency == p.ScaleOut.BandwidthEfficiency;
            ITransferSimulator network = uniform
                ? fabric.Network
                : new NetworkSimulatorAdapter(s.WithLinkBandwidthScaled(p.ScaleUp.BandwidthEfficiency, p.ScaleOut.BandwidthEfficiency), faults);
            return new CollectiveFabric($"{s.Name}|{p.Name}", nodes, network, reduce)
            {
                Costs = s.Communication,
                Protocol = p,
                SupernodeOfDevice = supernodes,
                ByteScale = uniform ? 1 / p.ScaleUp.BandwidthEfficiency : 1,
            };
        };
        return fabric;
    }

    /// <summary>An ideal single-switch system of <paramref name="devices"/> devices, <paramref name="devicesPerNode"/> to a node.</summary>
    public static CollectiveFabric IdealSwitch(int devices, double bytesPerSecond, double latencySeconds, DeviceReduceModel reduce, int devicesPerNode = 1)
    {
        var nodes = new int[devices];
        for (int i = 0; i < devices; i++) nodes[i] = i / Math.Max(1, devicesPerNode);
        return new CollectiveFabric($"ideal-switch-{devices}", nodes, new IdealSwitchSimulator(devices, bytesPerSecond, latencySeconds), reduce);
    }
}
