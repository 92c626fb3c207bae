using System.Globalization;
using CloudMatrix.Compute.Memory;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// Builds HGX/DGX H100-class nodes: 8 GPUs on 4 NVSwitch chips (NVLink 4), and N such nodes over a rail-optimised
/// scale-out fabric (GPU k of every node on rail leaf k, the leaves on a non-blocking spine), each node its own
/// scale-up domain.
/// </summary>
internal static class HgxH100Preset
{
    private const int GpusPerNode = 8;                     // NVIDIA DGX H100 user guide: 8 H100 SXM5 per system
    private const int NvSwitches = 4;                      // DGX H100 user guide: 4 third-generation NVSwitch chips
    // DGX H100 user guide / H100 whitepaper: 18 NVLink 4 links per GPU, split 5/4/4/5 over the four chips. Modelled as
    // four equal trunks of 4.5 links: the GPU's 450 GB/s is what binds, and the flow model splits a flow evenly over
    // equal-cost paths, which would cap an uneven 5/4/4/5 split at 4 x 100 GB/s.
    private const double LinksPerSwitch = 18.0 / NvSwitches;
    private const double NvLinkBw = 25e9;                  // H100 whitepaper: 50 GB/s per link both ways = 25 each way
    // No public port-to-port figure; NVSwitch hops are a few hundred ns. NCCL's per-step costs (CommunicationCosts)
    // carry the software latency on top.
    private const double NvLinkHopLatency = 0.1e-6;
    private const double Bf16PerGpu = 989.4e12;            // H100 SXM datasheet: 1,979 TFLOPS BF16 with sparsity = 989.4 dense
    private const double Fp32PerGpu = 67e12;               // H100 SXM datasheet: FP32 67 TFLOPS (also the element-wise rate)
    private const long HbmBytesPerGpu = 80_000_000_000;    // H100 SXM datasheet: 80 GB HBM3
    private const double HbmBwPerGpu = 3.35e12;            // H100 SXM datasheet: 3.35 TB/s
    private const double Cx7Bw = 400e9 / 8;                // DGX H100 user guide: 8 x ConnectX-7 400 Gb/s compute NICs, one per GPU
    // No public per-hop figure for NDR switches and NICs; ~0.5 us per hop is the order vendors quote. The protocols'
    // per-step network latencies (NCCL tuning.cc) carry the software part.
    private const double NicHopLatency = 0.5e-6;

    public static NpuSpec Gpu { get; } = new("H100 SXM", 1, Bf16PerGpu, Bf16PerGpu, Fp32PerGpu, Fp32PerGpu, HbmBytesPerGpu, HbmBwPerGpu)
    {
        ScaleUpLinks = 18,
        ScaleUpLinkBytesPerSecond = NvLinkBw,
        ScaleOutBytesPerSecond = Cx7Bw,
    };

    public static SystemSpec Build(int nodes, double nicBytesPerSecond, CommunicationCosts costs, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        if (!(nicBytesPerSecond > 0) || double.IsInfinity(nicBytesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(nicBytesPerSecond), nicBytesPerSecond, "NIC bandwidth must be finite and > 0 bytes/s.");
        }

        if (nodes > TopologyBuilder.MaxDevices / GpusPerNode)
        {
            throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"{nodes} HGX H100 nodes are too many; valid: 1..{TopologyBuilder.MaxDevices / GpusPerNode}.");
        }

        MemoryBudget.Ensure((double)nodes * (((GpusPerNode + NvSwitches) * TopologyBuilder.BytesPerDevice) + (((GpusPerNode * NvSwitches) + GpusPerNode) * TopologyBuilder.BytesPerLink)),
            $"{nodes} HGX H100 nodes");

        var b = new TopologyBuilder(name, Gpu with { ScaleOutBytesPerSecond = nicBytesPerSecond })
        {
            NodeCount = nodes,
            RackCount = (nodes + 3) / 4,
            SupernodeCount = nodes,
            Communication = costs,
        };
        b.Source("fabric", "NVIDIA DGX H100 user guide: 8 H100 SXM5, 4 NVSwitch chips (18 NVLink 4 links per GPU, 5/4/4/5), one 400 Gb/s NIC per GPU");
        b.Source("communication", costs.Source);
        var nvswitch = new SwitchChipSpec("NVSwitch (NVLink 4)", 64, NvLinkBw);
        var leafChip = new SwitchChipSpec("rail leaf", 2 * nodes, nicBytesPerSecond);
        if (nodes > 1)
        {
            b.AddSwitch(new SwitchSpec("spine", "rail-spine", new SwitchChipSpec("spine", GpusPerNode, nodes * nicBytesPerSecond), -1, -1, -1, null));
            for (int k = 0; k < GpusPerNode; k++)
            {
                b.AddSwitch(new SwitchSpec(Rail(k), "rail-leaf", leafChip, -1, -1, -1, null));
                b.AddLink(Rail(k), "spine", nodes * nicBytesPerSecond, NicHopLatency, LinkMedium.Optical, LinkNetwork.ScaleOut);
            }
        }

        for (int n = 0; n < nodes; n++)
        {
            string node = "n" + I(n);
            for (int s = 0; s < NvSwitches; s++)
            {
                b.AddSwitch(new SwitchSpec($"{node}.nvswitch{I(s)}", "nvswitch", nvswitch, n, n, -1, null));
            }

            for (int g = 0; g < GpusPerNode; g++)
            {
                string gpu = $"{node}.gpu{I(g)}";
                b.AddDevice(gpu, n, n);
                for (int s = 0; s < NvSwitches; s++)
                {
                    b.AddLink(gpu, $"{node}.nvswitch{I(s)}", LinksPerSwitch * NvLinkBw, NvLinkHopLatency);
                }

                if (nodes > 1)
                {
                    b.AddLink(gpu, Rail(g), nicBytesPerSecond, NicHopLatency, LinkMedium.Optical, LinkNetwork.ScaleOut);
                }
            }
        }

        return b.Build();
    }

    private static string Rail(int k) => "rail" + I(k);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
