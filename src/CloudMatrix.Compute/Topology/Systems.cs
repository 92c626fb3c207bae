namespace CloudMatrix.Compute.Topology;

/// <summary>
/// The built-in system presets. Every constant carries its source next to it (see the preset classes); where
/// sources disagree the preset says which it took and why.
/// </summary>
public static class Systems
{
    /// <summary>CLI and file names of the presets, in the order <see cref="ByName"/> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cloudmatrix384", "gb200-nvl72"];

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
    public static SystemSpec CloudMatrix384Cluster(int supernodes, DeviceGranularity granularity = DeviceGranularity.Npu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(supernodes, 1);
        SystemSpec one = CloudMatrix384(granularity);
        return TopologyBuilder.Join($"cloudmatrix384x{supernodes}", Enumerable.Repeat(one, supernodes).ToArray());
    }

    /// <summary>NVIDIA GB200 NVL72: 72 B200 GPUs, 18 NVSwitch chips, one NVLink 5 link from every GPU to every chip.</summary>
    public static SystemSpec Gb200Nvl72() => Gb200Nvl72Preset.Build();

    /// <summary>The preset called <paramref name="name"/> (case-insensitive): <c>cloudmatrix384</c> or <c>gb200-nvl72</c>.</summary>
    /// <param name="name">Preset name.</param>
    /// <param name="granularity">Device granularity (only CloudMatrix384 has dies).</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static SystemSpec ByName(string name, DeviceGranularity granularity = DeviceGranularity.Npu)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "cloudmatrix384" => CloudMatrix384(granularity),
            "gb200-nvl72" => Gb200Nvl72(),
            _ => throw new ArgumentException(
                $"Unknown system '{name}'; valid names: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
