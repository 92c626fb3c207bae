using System.Globalization;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Network;

/// <summary>
/// The directed link graph the simulator routes over. Every full-duplex link gives two directed arcs; arcs with
/// the same ends, bandwidth, latency and network form one <i>bundle</i> (a trunk), which is one shared resource of
/// the max-min allocation with the bundle's summed capacity.
/// </summary>
/// <remarks>
/// Without faults, switches of one <see cref="SwitchSpec.Group"/> are merged into one vertex when the grouping is
/// an equitable partition (every member has the same number of links of the same bandwidth, latency and network to
/// each other group or vertex). Then, by symmetry, every route of the simulator spreads traffic evenly over the
/// members and over the arcs of each bundle, so the merged graph gives the same rates, times and per-link bytes as
/// the link-level graph (a test checks this on faultless systems) with far fewer resources per flow: 4 instead of
/// 238 for an inter-node flow on CloudMatrix384. Any fault disables merging.
/// </remarks>
internal sealed class FabricGraph
{
    public FabricGraph(SystemSpec system, IReadOnlyList<Fault> faults, bool aggregate)
    {
        System = system;
        int devices = system.DeviceCount;
        int vertices = devices + system.Switches.Count;
        LinkBandwidth = ApplyFaults(system, faults);

        // Group switches, dropping groups that are not equitable until the grouping is stable.
        string[] key = new string[vertices];
        for (int v = 0; v < vertices; v++)
        {
            key[v] = "#" + v.ToString(CultureInfo.InvariantCulture);
        }

        if (aggregate && faults.Count == 0)
        {
            for (int i = 0; i < system.Switches.Count; i++)
            {
                if (system.Switches[i].Group is { } g)
                {
                    key[devices + i] = "g:" + g;
                }
            }

            while (DropInequitableGroups(system, key))
            {
            }
        }

        // Number the group vertices: devices keep their index.
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        GroupOf = new int[vertices];
        var sizes = new List<int>();
        for (int v = 0; v < vertices; v++)
        {
            if (!groupIndex.TryGetValue(key[v], out int gi))
            {
                gi = groupIndex.Count;
                groupIndex[key[v]] = gi;
                sizes.Add(0);
            }

            GroupOf[v] = gi;
            sizes[gi]++;
        }

        VertexCount = groupIndex.Count;
        GroupSize = sizes.ToArray();

        // Bundle the directed arcs.
        var bundleIndex = new Dictionary<(int, int, double, double, LinkNetwork), int>();
        var from = new List<int>();
        var to = new List<int>();
        var memberCap = new List<double>();
        var latency = new List<double>();
        var network = new List<LinkNetwork>();
        var arcs = new List<List<int>>();
        ArcBundle = new int[2 * system.Links.Count];
        for (int i = 0; i < system.Links.Count; i++)
        {
            LinkSpec l = system.Links[i];
            double bw = LinkBandwidth[i];
            if (bw <= 0)
            {
                ArcBundle[2 * i] = ArcBundle[2 * i + 1] = -1;
                continue;
            }

            int a = system.VertexIndex(l.From), b = system.VertexIndex(l.To);
            for (int dir = 0; dir < 2; dir++)
            {
                int u = GroupOf[dir == 0 ? a : b], w = GroupOf[dir == 0 ? b : a];
                var k = (u, w, bw, l.LatencySeconds, l.Network);
                if (!bundleIndex.TryGetValue(k, out int bi))
                {
                    bi = from.Count;
                    bundleIndex[k] = bi;
                    from.Add(u);
                    to.Add(w);
                    memberCap.Add(bw);
                    latency.Add(l.LatencySeconds);
                    network.Add(l.Network);
                    arcs.Add([]);
                }

                arcs[bi].Add(2 * i + dir);
                ArcBundle[2 * i + dir] = bi;
            }
        }

        // Bandwidths near double's range would overflow sums of capacities and rates: scale them by a power of two
        // (exact) so that the largest is at most 2^64 B/s; the engine scales bytes alike, so times do not change.
        // (An upper bound of the exponent of the largest bundle's capacity, which itself may exceed double's range.)
        int exponent = memberCap.Count == 0 ? 0 : Math.ILogB(memberCap.Max()) + 2 + Math.ILogB((double)arcs.Max(x => x.Count));
        if (exponent > MaxCapacityExponent)
        {
            CapacityScale = Math.ScaleB(1, MaxCapacityExponent - exponent);
            for (int bi = 0; bi < memberCap.Count; bi++)
            {
                memberCap[bi] *= CapacityScale;
            }
        }

        BundleCount = from.Count;
        From = from.ToArray();
        To = to.ToArray();
        MemberCapacity = memberCap.ToArray();
        Latency = latency.ToArray();
        Network = network.ToArray();
        ArcCount = arcs.Select(x => x.Count).ToArray();
        PerMemberCount = new double[BundleCount];
        Capacity = new double[BundleCount];
        for (int bi = 0; bi < BundleCount; bi++)
        {
            PerMemberCount[bi] = (double)ArcCount[bi] / GroupSize[From[bi]];
            Capacity[bi] = MemberCapacity[bi] * ArcCount[bi];
        }

        (OutStart, OutBundles) = Csr(VertexCount, From);
        (InStart, InBundles) = Csr(VertexCount, To);
    }

    public SystemSpec System { get; }

    private const int MaxCapacityExponent = 64; // bundles of at most 2^64 B/s

    /// <summary>
    /// The power of two every capacity of this graph is multiplied by (1 unless some link is faster than about
    /// 2^64 B/s); bytes moved over the graph are to be multiplied by it too.
    /// </summary>
    public double CapacityScale { get; } = 1;

    /// <summary>Effective bandwidth of each link after faults (0 when down), bytes/s each way.</summary>
    public double[] LinkBandwidth { get; }

    public int[] GroupOf { get; }

    public int[] GroupSize { get; }

    public int VertexCount { get; }

    public int BundleCount { get; }

    public int[] From { get; }

    public int[] To { get; }

    /// <summary>Bandwidth of one arc of the bundle, bytes/s.</summary>
    public double[] MemberCapacity { get; }

    /// <summary>Summed bandwidth of the bundle's arcs, bytes/s: the resource capacity.</summary>
    public double[] Capacity { get; }

    public double[] Latency { get; }

    public LinkNetwork[] Network { get; }

    /// <summary>Arcs in the bundle.</summary>
    public int[] ArcCount { get; }

    /// <summary>Arcs of the bundle leaving each member of its source group.</summary>
    public double[] PerMemberCount { get; }

    /// <summary>Bundle of each directed arc (2 x link + direction), -1 when the link is down.</summary>
    public int[] ArcBundle { get; }

    public int[] OutStart { get; }

    public int[] OutBundles { get; }

    public int[] InStart { get; }

    public int[] InBundles { get; }

    private static (int[] Start, int[] Items) Csr(int n, int[] owner)
    {
        var start = new int[n + 1];
        foreach (int o in owner)
        {
            start[o + 1]++;
        }

        for (int i = 0; i < n; i++)
        {
            start[i + 1] += start[i];
        }

        var fill = (int[])start.Clone();
        var items = new int[owner.Length];
        for (int b = 0; b < owner.Length; b++)
        {
            items[fill[owner[b]]++] = b;
        }

        return (start, items);
    }

    private static double[] ApplyFaults(SystemSpec s, IReadOnlyList<Fault> faults)
    {
        var bw = s.Links.Select(l => l.BandwidthBytesPerSecond).ToArray();
        Dictionary<string, int>? linkById = null;
        for (int fi = 0; fi < faults.Count; fi++)
        {
            Fault f = faults[fi] ?? throw new ArgumentException($"faults[{fi}] is null.", nameof(faults));
            if (!(f.BandwidthFactor >= 0 && f.BandwidthFactor < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(faults), f.BandwidthFactor,
                    $"faults[{fi}].BandwidthFactor must be in [0, 1) (0 = down), was {f.BandwidthFactor.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (f.Target is null)
            {
                throw new ArgumentException(
                    $"faults[{fi}].Target is null; give the id of a link or switch, or a plane number ({Fault.Forms}).", nameof(faults));
            }

            switch (f.Kind)
            {
                case FaultKind.Link:
                case FaultKind.Transceiver:
                    linkById ??= Enumerable.Range(0, s.Links.Count).ToDictionary(i => s.Links[i].Id, StringComparer.Ordinal);
                    if (!linkById.TryGetValue(f.Target, out int li))
                    {
                        throw new ArgumentException($"faults[{fi}]: no link has id '{f.Target}'.", nameof(faults));
                    }

                    if (f.Kind == FaultKind.Transceiver && s.Links[li].OpticalTransceivers <= 0)
                    {
                        throw new ArgumentException(
                            $"faults[{fi}]: link '{f.Target}' is {s.Links[li].Medium.ToString().ToLowerInvariant()} and has no optical transceiver.", nameof(faults));
                    }

                    bw[li] *= f.BandwidthFactor;
                    break;
                case FaultKind.Switch:
                    if (!s.ContainsId(f.Target) || s.VertexIndex(f.Target) < s.DeviceCount)
                    {
                        throw new ArgumentException($"faults[{fi}]: no switch has id '{f.Target}'.", nameof(faults));
                    }

                    for (int i = 0; i < s.Links.Count; i++)
                    {
                        if (s.Links[i].From == f.Target || s.Links[i].To == f.Target)
                        {
                            bw[i] *= f.BandwidthFactor;
                        }
                    }

                    break;
                case FaultKind.Plane:
                    if (!int.TryParse(f.Target, NumberStyles.None, CultureInfo.InvariantCulture, out int plane) ||
                        !s.Links.Any(l => l.Plane == plane))
                    {
                        throw new ArgumentException($"faults[{fi}]: no link serves plane '{f.Target}'.", nameof(faults));
                    }

                    var planeSwitches = s.Switches.Where(w => w.Plane == plane).Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
                    for (int i = 0; i < s.Links.Count; i++)
                    {
                        LinkSpec l = s.Links[i];
                        if (l.Plane == plane || planeSwitches.Contains(l.From) || planeSwitches.Contains(l.To))
                        {
                            bw[i] *= f.BandwidthFactor;
                        }
                    }

                    break;
                default:
                    throw new ArgumentException($"faults[{fi}].Kind {f.Kind} is not a fault kind.", nameof(faults));
            }
        }

        return bw;
    }

    /// <summary>Turns members of every inequitable group into single vertices; true when something changed.</summary>
    private static bool DropInequitableGroups(SystemSpec s, string[] key)
    {
        var signatures = new Dictionary<int, List<string>>();
        for (int i = 0; i < s.Links.Count; i++)
        {
            LinkSpec l = s.Links[i];
            int a = s.VertexIndex(l.From), b = s.VertexIndex(l.To);
            string tail = "|" + l.BandwidthBytesPerSecond.ToString("R", CultureInfo.InvariantCulture) + "|" +
                          l.LatencySeconds.ToString("R", CultureInfo.InvariantCulture) + "|" + l.Network;
            Add(a, key[b] + tail);
            Add(b, key[a] + tail);
        }

        var reference = new Dictionary<string, string>(StringComparer.Ordinal);
        var bad = new HashSet<string>(StringComparer.Ordinal);
        for (int v = s.DeviceCount; v < key.Length; v++)
        {
            if (!key[v].StartsWith("g:", StringComparison.Ordinal))
            {
                continue;
            }

            var list = signatures.TryGetValue(v, out var l) ? l : [];
            list.Sort(StringComparer.Ordinal);
            string sig = string.Join(";", list);
            if (reference.TryGetValue(key[v], out string? seen))
            {
                if (seen != sig)
                {
                    bad.Add(key[v]);
                }
            }
            else
            {
                reference[key[v]] = sig;
            }
        }

        for (int v = 0; v < key.Length; v++)
        {
            if (bad.Contains(key[v]))
            {
                key[v] = "#" + v.ToString(CultureInfo.InvariantCulture);
            }
        }

        return bad.Count > 0;

        void Add(int v, string sig)
        {
            if (!signatures.TryGetValue(v, out var list))
            {
                signatures[v] = list = [];
            }

            list.Add(sig);
        }
    }
}
