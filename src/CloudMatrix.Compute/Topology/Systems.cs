using CloudMatrix.Compute.Memory;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// The built-in system presets. Every constant carries its source next to it (see the preset classes); where
/// sources disagree the preset says which it took and why.
/// </summary>
public static class Systems
{
    /// <summary>CLI and file names of the presets, in the order <see cref="ByName"/> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cloudmatrix384", "gb200-nvl72", "hgx-h100"];

    /// <summary>
    /// Huawei CloudMatrix384: 48 nodes x 8 Ascend 910C (2 dies each), 4 Kunpeng CPUs and 7 L1 UB switch chips per
    /// node, 7 sub-planes x 16 L2 chips (non-blocking two-tier UB fabric, optical L1-L2 links), and an RDMA plane
    /// of 400 Gb/s per NPU (arXiv:2506.12708v2 §3).
    /// </summary>
    /// <param name="granularity">Devices are the 384 NPUs, or their 768 dies.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="granularity"/> is not a defined value.</exception>
    public static SystemSpec CloudMatrix384(DeviceGranularity granularity = DeviceGranularity.Npu) =>
        CloudMatrix384Preset.Build(granularity);

    /// <summary>
    /// <paramref name="supernodes"/> CloudMatrix384 supernodes joined over their RDMA planes (shared spine), device
    /// ids prefixed <c>s{k}.</c>.
    /// </summary>
    /// <param name="supernodes">How many, &gt;= 1.</param>
    /// <param name="granularity">NPU or die devices.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="supernodes"/> &lt; 1.</exception>
    /// <exception cref="MemoryBudgetExceededException">The joined system would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static SystemSpec CloudMatrix384Cluster(int supernodes, DeviceGranularity granularity = DeviceGranularity.Npu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(supernodes, 1);
        SystemSpec one = CloudMatrix384(granularity);
        MemoryBudget.Ensure((double)supernodes * ((one.DeviceCount + one.Switches.Count) * TopologyBuilder.BytesPerDevice +
            one.Links.Count * TopologyBuilder.BytesPerLink), $"{supernodes} joined CloudMatrix384 supernodes");
        return TopologyBuilder.Join($"cloudmatrix384x{supernodes}", Enumerable.Repeat(one, supernodes).ToArray());
    }

    /// <summary>NVIDIA GB200 NVL72: 72 B200 GPUs, 18 NVSwitch chips, one NVLink 5 link from every GPU to every chip.</summary>
    public static SystemSpec Gb200Nvl72() => Gb200Nvl72Preset.Build();

    /// <summary>
    /// <paramref name="nodes"/> HGX/DGX H100 nodes: 8 H100 SXM GPUs on 4 NVSwitch chips per node (18 NVLink 4 links per
    /// GPU, 450 GB/s each way), and across nodes one 400 Gb/s NIC per GPU on a rail-optimised InfiniBand fabric (rail
    /// leaf per GPU index, non-blocking spine); each node is its own scale-up domain. Collective costs: NCCL's on
    /// Hopper (<see cref="CommunicationPresets.NcclHopper"/>), with NVLink SHARP in-switch reduction.
    /// </summary>
    /// <param name="nodes">Number of nodes, ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nodes"/> &lt; 1, or more than <see cref="TopologyBuilder.MaxDevices"/> / 8.</exception>
    /// <exception cref="MemoryBudgetExceededException">The system would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static SystemSpec HgxH100(int nodes = 1) =>
        HgxH100Preset.Build(nodes, 400e9 / 8, CommunicationPresets.NcclHopper, nodes == 1 ? "hgx-h100" : $"hgx-h100x{nodes}");

    /// <summary>
    /// <paramref name="nodes"/> HGX H100 nodes whose rail-optimised scale-out fabric has NICs of
    /// <paramref name="nicBytesPerSecond"/> each, one per GPU, with the given collective costs (e.g. Google Cloud A3
    /// Mega: 8 x 200 Gb/s and <see cref="CommunicationPresets.NcclA3MegaTcpxo"/>).
    /// </summary>
    /// <param name="nodes">Number of nodes, ≥ 1.</param>
    /// <param name="nicBytesPerSecond">Bandwidth of each GPU's NIC, bytes/s each way (400 Gb/s = 50e9).</param>
    /// <param name="costs">The collective costs; <see cref="CommunicationCosts.Ideal"/> for the links alone.</param>
    /// <exception cref="ArgumentNullException"><paramref name="costs"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count or bandwidth is out of range.</exception>
    /// <exception cref="MemoryBudgetExceededException">The system would need more memory than <see cref="MemoryBudget"/> allows.</exception>
    public static SystemSpec HgxH100(int nodes, double nicBytesPerSecond, CommunicationCosts costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        return HgxH100Preset.Build(nodes, nicBytesPerSecond, costs, $"hgx-h100x{nodes}");
    }

    /// <summary>The preset called <paramref name="name"/> (case-insensitive): <c>cloudmatrix384</c> or <c>gb200-nvl72</c>.</summary>
    /// <param name="name">Preset name.</param>
    /// <param name="granularity">Device granularity (only CloudMatrix384 has dies).</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones. Or dies asked of a preset without them.</exception>
    public static SystemSpec ByName(string name, DeviceGranularity granularity = DeviceGranularity.Npu)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "cloudmatrix384" => CloudMatrix384(granularity),
            "gb200-nvl72" => WholeChips(Gb200Nvl72(), granularity),
            "hgx-h100" => WholeChips(HgxH100(), granularity),
            _ => throw new ArgumentException(
                $"Unknown system '{name}'; valid names: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    // A preset modelled by whole chips only: dies asked of it would silently be chips.
    private static SystemSpec WholeChips(SystemSpec spec, DeviceGranularity granularity) =>
        granularity == DeviceGranularity.Npu
            ? spec
            : throw new ArgumentException(
                $"granularity is {granularity}, but preset '{spec.Name}' models whole chips only (Npu); only cloudmatrix384 has dies.",
                nameof(granularity));
}
