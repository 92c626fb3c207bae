using System.Globalization;

namespace CloudMatrix.Compute.Topology;

/// <summary>
/// Builds the CloudMatrix384 preset from per-part figures. Primary source: "Serving Large Language Models on
/// Huawei CloudMatrix384", arXiv:2506.12708 version 2 (cited as 2506.12708v2).
/// </summary>
/// <remarks>
/// The seed article calls the fabric "a fully optical mesh"; the paper (§3.3) shows a non-blocking two-tier switch
/// fabric whose L1-L2 links are optical. This preset models the paper's fabric; <see cref="TopologyBuilder.Torus"/>
/// builds literal mesh or torus variants for comparison.
/// <para>Model of the UB fabric: every die has 7 UB links of 28 GB/s, one to each of the 7 L1 chips of its node
/// (so each L1 chip has 16 downlinks, 8 NPUs x 2 dies); L1 chip k of each node has 16 uplinks of 28 GB/s, one to
/// each of the 16 L2 chips of sub-plane k; L2 chips are non-blocking. At NPU granularity an NPU keeps its two
/// dies' links: 2 parallel 28 GB/s links to each L1 chip (14 links, 392 GB/s).</para>
/// </remarks>
internal static class CloudMatrix384Preset
{
    // --- Ascend 910C, one chip (two dies) ---
    // BF16: SemiAnalysis' 300 PFLOPS per supernode / 384 = 781.25 TFLOPS per chip. Huawei's own model
    // (Ascend/msmodeling device.py, profile ATLAS_800_A3_752T_128G_DIE) uses 353.9 per die = 707.8 per chip.
    // Taken: 781.25, because the system table this preset must reproduce (300 PFLOPS) is SemiAnalysis'; with
    // 707.8 the supernode would be 271.8 PFLOPS.
    private const double Bf16PerChip = 781.25e12;        // SemiAnalysis: 300 PFLOPS / 384
    private const double Fp16PerChip = 2 * 376e12;       // msmodeling device.py: FP16 376 TFLOPS per die
    private const double Fp32PerChip = 2 * 99.5e12;      // msmodeling device.py: FP32 99.5 TFLOPS per die
    // No public figure for the vector unit: local reductions are modelled at the FP32 rate (assumption).
    private const double VectorPerChip = Fp32PerChip;
    private const long HbmBytesPerChip = 128_000_000_000; // 2506.12708v2 §3.3.1: 128 GB per chip (64 GB per die)
    private const double HbmBwPerChip = 3.2e12;          // 2506.12708v2 §3.3.1: 3.2 TB/s per chip (1.6 per die)
    private const int DiesPerChip = 2;                   // 2506.12708v2 §3.3.1: two dies sharing 8 HBM stacks

    // --- links ---
    private const double UbLinkBw = 28e9;                // 2506.12708v2 §3.2: 224 Gb/s = 28 GB/s per UB link
    private const int UbLinksPerDie = 7;                 // 2506.12708v2 §3.3.1: 7 UB links per die, one per L1 chip
    private const double DieToDieBw = 270e9;             // 2506.12708v2 §3.3.1: 270 GB/s each way (msmodeling: 224)
    private const double DieToDieLatency = 0.2e-6;       // msmodeling device.py: die-to-die 0.2 us
    // Latencies from 2506.12708v2 Table 1, NPU-NPU write of 512 B: 1.3 us intra-node (die->L1->die, 2 hops) and
    // 2.1 us inter-node (die->L1->L2->L1->die, 4 hops). Taken: write (a flow pushes data); split evenly over the
    // device hops (1.3 / 2 = 0.65 us) and the extra L1-L2 hops ((2.1 - 1.3) / 2 = 0.4 us). msmodeling instead uses
    // 0.5 us intra / 5.5 us inter per transfer.
    private const double DeviceToL1Latency = 0.65e-6;
    private const double L1ToL2Latency = 0.4e-6;

    // --- switches ---
    private const int Nodes = 48;                        // 2506.12708v2 §3.2: 48 nodes
    private const int NpusPerNode = 8;                   // 2506.12708v2 §3.3.2: 8 NPUs per node
    private const int Planes = 7;                        // 2506.12708v2 §3.3.2-3: 7 L1 chips per node, 7 sub-planes
    private const int L2PerPlane = 16;                   // 2506.12708v2 §3.3.3: 16 L2 chips per sub-plane
    private const int L2Ports = 48;                      // 2506.12708v2 §3.3.3: 48 ports x 28 GB/s per L2 chip
    private const int L1Ports = 2 * NpusPerNode + L2PerPlane; // §3.3.2, Fig. 5: 16 downlinks + 16 uplinks

    // --- RDMA (scale-out) plane ---
    // 2506.12708v2 §3.3.1 / §3.2: 400 Gb/s per NPU (200 Gb/s per die), RoCE. The paper does not draw the RDMA
    // switch tiers; modelled (assumption) as one leaf per node (8 NPU ports, 8 uplinks of 400 Gb/s, non-blocking)
    // and 8 spine chips shared by every supernode joined to the plane.
    private const double RdmaBwPerNpu = 50e9;            // 400 Gb/s
    private const int RdmaSpines = 8;
    // No source gives RDMA hop latency: NCCL tuning.cc (v2.30) per-step network latency for Ring/LL is 2.7 us;
    // spread over the 4 hops of device->leaf->spine->leaf->device.
    private const double RdmaHopLatency = 2.7e-6 / 4;

    // --- transceivers (SemiAnalysis: 6,912 x 400G = 5,376 scale-up + 1,536 scale-out) ---
    // Scale-up: SemiAnalysis counts 7 x 400G modules per NPU on the NPU side (2,688) and as many on the switch side:
    // 5,376 = 2 x 384 x 7. In the paper's fabric the optical links are the 5,376 L1-L2 links (48 x 7 x 16), and one
    // 400G module carries two 224 Gb/s UB links (14 links per NPU on 7 modules); so each L1-L2 link accounts for
    // half a module at each end, 1 module per link, and the sum over links is 5,376. Device-L1 links stay in the
    // node, electrical.
    private const double TransceiversPerL1L2Link = 1;
    // Scale-out: 1,536 = 384 NPU links x 2 ends + 384 leaf-spine links x 2 ends of 400G. At die granularity each
    // die has a 200 Gb/s link that takes half of its NPU's 400G module at each end: 1 per link.
    private const double TransceiversPerRdmaLink = 2;

    // --- system totals (no per-part figures are public) ---
    private const double PowerWatts = 559e3;             // SemiAnalysis table: ~559 kW (its text: "close to 600 kW")
    private const double CostUsd = 8e6;                  // seed article / SemiAnalysis: ~$8M
    private const int Racks = 16;                        // 2506.12708v2 §3.3.3: 12 compute + 4 switch racks
    private const int CpusPerNode = 4;                   // 2506.12708v2 §3.3.2: 4 Kunpeng CPUs per node
    private const double CpuUbBw = 160e9;                // 2506.12708v2 §3.3.2: ~160 GB/s UB per CPU

    public static NpuSpec Chip { get; } = new(
        "Ascend 910C", DiesPerChip, Bf16PerChip, Fp16PerChip, Fp32PerChip, VectorPerChip, HbmBytesPerChip, HbmBwPerChip)
    {
        ScaleUpLinks = DiesPerChip * UbLinksPerDie,
        ScaleUpLinkBytesPerSecond = UbLinkBw,
        ScaleOutBytesPerSecond = RdmaBwPerNpu,
        DieToDieBytesPerSecond = DieToDieBw,
    };

    public static SystemSpec Build(DeviceGranularity granularity)
    {
        if (!Enum.IsDefined(granularity))
        {
            throw new ArgumentOutOfRangeException(nameof(granularity), granularity, "Use Npu or Die.");
        }

        bool dies = granularity == DeviceGranularity.Die;
        var b = new TopologyBuilder("cloudmatrix384", dies ? Chip.PerDie() : Chip)
        {
            Granularity = granularity,
            Cpu = new CpuSpec("Kunpeng", CpusPerNode, CpuUbBw),
            NodeCount = Nodes,
            RackCount = Racks,
            SupernodeCount = 1,
            PowerWatts = PowerWatts,
            CostUsd = CostUsd,
        };
        b.Source("power_watts", "SemiAnalysis system table: ~559 kW (its text says close to 600 kW)");
        b.Source("cost_usd", "seed article / SemiAnalysis: ~$8M");
        b.Source("npu.bf16_flops_per_second", "SemiAnalysis 300 PFLOPS / 384 = 781.25 TFLOPS per chip (msmodeling: 707.8)");
        b.Communication = CommunicationPresets.HcclCloudMatrix384;
        b.Source("communication", CommunicationPresets.HcclCloudMatrix384.Source);
        b.Source("fabric", "arXiv:2506.12708v2 §3.3: two-tier UB switch fabric, 7 sub-planes x 16 L2 chips, optical L1-L2 links");
        b.Source("optical_transceivers", "SemiAnalysis: 6,912 x 400G = 5,376 scale-up + 1,536 scale-out; counted per link");

        var l1Chip = new SwitchChipSpec("UB L1", L1Ports, UbLinkBw);
        var l2Chip = new SwitchChipSpec("UB L2", L2Ports, UbLinkBw);
        var leafChip = new SwitchChipSpec("RDMA leaf", 2 * NpusPerNode, RdmaBwPerNpu);
        var spineChip = new SwitchChipSpec("RDMA spine", Nodes, RdmaBwPerNpu);

        for (int p = 0; p < Planes; p++)
        {
            for (int c = 0; c < L2PerPlane; c++)
            {
                b.AddSwitch(new SwitchSpec(L2(p, c), "l2", l2Chip, -1, 0, p, "l2"));
            }
        }

        for (int k = 0; k < RdmaSpines; k++)
        {
            b.AddSwitch(new SwitchSpec(Spine(k), "rdma-spine", spineChip, -1, -1, -1, "rdma-spine"));
        }

        for (int n = 0; n < Nodes; n++)
        {
            string node = "n" + I(n);
            for (int p = 0; p < Planes; p++)
            {
                b.AddSwitch(new SwitchSpec(L1(n, p), "l1", l1Chip, n, 0, p, node + ".l1"));
            }

            string leaf = node + ".rdma-leaf";
            b.AddSwitch(new SwitchSpec(leaf, "rdma-leaf", leafChip, n, 0, -1, null));
            for (int k = 0; k < RdmaSpines; k++)
            {
                b.AddLink(leaf, Spine(k), RdmaBwPerNpu, RdmaHopLatency, LinkMedium.Optical, LinkNetwork.ScaleOut, TransceiversPerRdmaLink);
            }

            for (int j = 0; j < NpusPerNode; j++)
            {
                int chip = n * NpusPerNode + j;
                string npu = node + ".npu" + I(j);
                if (dies)
                {
                    string d0 = npu + ".d0", d1 = npu + ".d1";
                    b.AddDevice(d0, n, 0, chip, 0);
                    b.AddDevice(d1, n, 0, chip, 1);
                    b.AddLink(d0, d1, DieToDieBw, DieToDieLatency, LinkMedium.OnPackage);
                    foreach (string die in (string[])[d0, d1])
                    {
                        for (int p = 0; p < UbLinksPerDie; p++)
                        {
                            b.AddLink(die, L1(n, p), UbLinkBw, DeviceToL1Latency, plane: p);
                        }

                        b.AddLink(die, leaf, RdmaBwPerNpu / DiesPerChip, RdmaHopLatency, LinkMedium.Optical,
                            LinkNetwork.ScaleOut, TransceiversPerRdmaLink / DiesPerChip);
                    }
                }
                else
                {
                    b.AddDevice(npu, n, 0, chip);
                    for (int p = 0; p < UbLinksPerDie; p++)
                    {
                        for (int die = 0; die < DiesPerChip; die++)
                        {
                            b.AddLink(npu, L1(n, p), UbLinkBw, DeviceToL1Latency, plane: p);
                        }
                    }

                    b.AddLink(npu, leaf, RdmaBwPerNpu, RdmaHopLatency, LinkMedium.Optical, LinkNetwork.ScaleOut, TransceiversPerRdmaLink);
                }
            }

            for (int p = 0; p < Planes; p++)
            {
                for (int c = 0; c < L2PerPlane; c++)
                {
                    b.AddLink(L1(n, p), L2(p, c), UbLinkBw, L1ToL2Latency, LinkMedium.Optical, LinkNetwork.ScaleUp,
                        TransceiversPerL1L2Link, p);
                }
            }
        }

        return b.Build();
    }

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string L1(int node, int plane) => $"n{I(node)}.l1p{I(plane)}";

    private static string L2(int plane, int chip) => $"l2p{I(plane)}c{I(chip)}";

    private static string Spine(int k) => "rdma-spine" + I(k);
}
