using System.Globalization;

namespace CloudMatrix.Compute.Topology;

/// <summary>Builds the GB200 NVL72 preset: a single-tier NVLink 5 switch fabric.</summary>
internal static class Gb200Nvl72Preset
{
    private const int Gpus = 72;                          // NVIDIA: 72 B200 GPUs per rack
    private const int GpusPerTray = 4;                    // NVIDIA: 18 compute trays x (2 Grace + 4 B200)
    private const int Trays = Gpus / GpusPerTray;
    private const int NvSwitches = 18;                    // DGX GB200 reference architecture: 9 trays x 2 NVSwitch chips
    private const double Bf16PerGpu = 2.5e15;             // NVIDIA spec table: 180 PFLOPS dense per rack = 2.5 per GPU
    private const double Fp16PerGpu = 2.5e15;             // NVIDIA spec table: FP16 = BF16 dense
    private const double Fp32PerGpu = 5760e12 / Gpus;     // NVIDIA GB200 NVL72 spec table: FP32 5,760 TFLOPS per rack
    private const long HbmBytesPerGpu = 192_000_000_000;  // NVIDIA: 192 GB per GPU (186 usable); 13.8 TB per rack
    private const double HbmBwPerGpu = 8e12;              // NVIDIA: 8 TB/s per GPU; 576 TB/s per rack
    // DGX GB200 reference architecture: 18 NVLink 5 links per GPU, 900 GB/s each way in all, one link to each chip.
    private const double NvLinkBw = 900e9 / NvSwitches;
    // No public hop latency: NCCL tuning.cc (v2.30) per-step NVLink latency for Ring/LL is 0.6 us, taken as the
    // GPU-GPU path (2 hops of 0.3 us).
    private const double NvLinkHopLatency = 0.3e-6;
    private const int CpusPerTray = 2;                    // NVIDIA: 36 Grace CPUs per rack
    private const double GraceC2cBw = 450e9;              // NVIDIA: NVLink-C2C 900 GB/s both ways
    private const double PowerWatts = 145e3;              // seed article / SemiAnalysis: ~145 kW per rack
    private const double CostUsd = 2.5e6;                 // seed article / SemiAnalysis: ~$2.5M per rack

    // The scale-out NICs are not modelled (no figure in the sources used), so ScaleOutBytesPerSecond stays 0.
    public static NpuSpec Gpu { get; } = new("B200", 1, Bf16PerGpu, Fp16PerGpu, Fp32PerGpu, Fp32PerGpu, HbmBytesPerGpu, HbmBwPerGpu)
    {
        ScaleUpLinks = NvSwitches,
        ScaleUpLinkBytesPerSecond = NvLinkBw,
    };

    public static SystemSpec Build()
    {
        var b = new TopologyBuilder("gb200-nvl72", Gpu)
        {
            Cpu = new CpuSpec("Grace", CpusPerTray, GraceC2cBw),
            NodeCount = Trays,
            RackCount = 1,
            SupernodeCount = 1,
            PowerWatts = PowerWatts,
            CostUsd = CostUsd,
        };
        b.Source("power_watts", "seed article / SemiAnalysis: ~145 kW per rack");
        b.Source("cost_usd", "seed article / SemiAnalysis: ~$2.5M per rack");
        b.Source("fabric", "NVIDIA DGX GB200 reference architecture: 18 NVSwitch chips, one NVLink 5 link per GPU per chip");
        // No NVL72 collective measurement was fitted: NCCL's Hopper constants (tuner latencies, NVLink efficiencies)
        // with NVLS at NCCL's own Blackwell ratio and on NCCL's Blackwell channel count. docs/validation.md checks them
        // against held-out NVL72 runs (4-GPU ring, 8-GPU NVLS, the 72-GPU rack).
        b.Communication = CommunicationPresets.NcclBlackwell;
        b.Source("communication", "prior: NCCL on Blackwell (CommunicationPresets.NcclBlackwell), checked against held-out NVL72 runs in docs/validation.md");

        var chip = new SwitchChipSpec("NVSwitch (NVLink 5)", Gpus, NvLinkBw);
        for (int k = 0; k < NvSwitches; k++)
        {
            b.AddSwitch(new SwitchSpec("nvswitch" + k.ToString(CultureInfo.InvariantCulture), "nvswitch", chip, -1, 0, -1, "nvswitch"));
        }

        for (int g = 0; g < Gpus; g++)
        {
            string id = "gpu" + g.ToString(CultureInfo.InvariantCulture);
            b.AddDevice(id, g / GpusPerTray, 0);
            for (int k = 0; k < NvSwitches; k++)
            {
                b.AddLink(id, "nvswitch" + k.ToString(CultureInfo.InvariantCulture), NvLinkBw, NvLinkHopLatency);
            }
        }

        return b.Build();
    }
}
