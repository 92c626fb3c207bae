namespace CloudMatrix.Compute.Topology;

/// <summary>
/// The collective cost constants of the presets, each next to its source. Which were fitted to which published
/// measurement, and the error on the measurements kept aside, is in <c>docs/validation.md</c>; a test pins each row.
/// Override any of them per system with <see cref="SystemSpec.WithCommunication"/> (or a topology file's
/// <c>communication</c> object).
/// </summary>
public static class CommunicationPresets
{
    /// <summary>
    /// NCCL on Hopper (NVLink 4, NDR InfiniBand): LL, LL128 and Simple, plus NVLink SHARP (NVLS) in the switches.
    /// Launch and step latencies are NCCL's own tuner constants (<c>src/graph/tuning.cc</c>, v2.30: base latency
    /// 6.6 / 14 / 8.4 us; per step 0.6 / 1.9 / 3.4 us on NVLink and 2.7 / 4.0 / 14 us on the network). Simple's NVLink
    /// efficiency is fitted to NVIDIA's figure of 370 GB/s effective out of 450 (nccl-tests issue 212); NVLS's to its
    /// peak all-reduce busbw of ~480 GB/s on 8 GPUs and its pipeline fill to ~250 GB/s algbw at 256 MiB (same thread).
    /// NVLS runs NCCL's pipeline (16 channels on Hopper, at most 32 heads, 128 KiB chunks; <c>src/transport/nvls.cc</c>).
    /// </summary>
    public static CommunicationCosts NcclHopper { get; } = Nccl(NvlsEfficiency, NvlsChannelsHopper,
        "NCCL tuning.cc v2.30 latencies; efficiencies fitted in docs/validation.md",
        "efficiency fitted to ~480 GB/s peak NVLS all-reduce busbw on 8 H100 (nccl-tests issue 212, NVIDIA); latency to ~6 us on 2 H100 (nccl issue 1259)");

    /// <summary>
    /// NCCL on Blackwell (NVLink 5): <see cref="NcclHopper"/>'s protocols (NCCL's tuner uses the same latencies on
    /// both), with NVLS at NCCL's own Blackwell-to-Hopper ratio of NVLS efficiency (<c>tuning.cc</c> v2.28:
    /// 0.74 / 0.85) and on 32 channels (<c>NVLS_NCHANNELS_SM100</c>, NCCL 2.25 - 2.26). Not fitted to any NVLink 5
    /// measurement; docs/validation.md checks it against held-out 8-GPU and 72-GPU runs.
    /// </summary>
    public static CommunicationCosts NcclBlackwell { get; } = Nccl(NvlsEfficiency * NvlsBlackwellToHopper, NvlsChannelsBlackwell,
        "NCCL tuning.cc v2.30 latencies; Hopper efficiencies (docs/validation.md); NVLS scaled by NCCL's Blackwell/Hopper ratio",
        "Hopper NVLS fit (nccl-tests issue 212) x 0.74/0.85, NCCL tuning.cc v2.28's Blackwell/Hopper NVLS efficiency; 32 channels (NCCL nvls.cc, SM100)");

    private static CommunicationCosts Nccl(double nvlsEfficiency, int nvlsChannels, string source, string nvlsSource) => new()
    {
        Protocols =
        [
            // LL: 8 bytes on the wire per 4 of data (a flag per word), so at most half the rate.
            new CollectiveProtocol("LL", 6.6e-6, new LinkClassCost(0.6e-6, LlNvLinkEfficiency), new LinkClassCost(2.7e-6, LlNetEfficiency))
            {
                Source = "NCCL tuning.cc v2.30 latencies; efficiency: half the rate for the flags (LL's 4+4 byte lines)",
            },
            // LL128: 8 bytes of flag per 128-byte line (120/128), on top of Simple's copy efficiency.
            new CollectiveProtocol("LL128", 14e-6, new LinkClassCost(1.9e-6, SimpleNvLinkEfficiency * 120 / 128), new LinkClassCost(4.0e-6, SimpleNetEfficiency * 120 / 128))
            {
                Source = "NCCL tuning.cc v2.30 latencies; efficiency: Simple's x 120/128 (LL128's flag per line)",
            },
            new CollectiveProtocol("Simple", 8.4e-6, new LinkClassCost(3.4e-6, SimpleNvLinkEfficiency), new LinkClassCost(14e-6, SimpleNetEfficiency))
            {
                Source = "NCCL tuning.cc v2.30 latencies; NVLink efficiency 370/450 (nccl-tests issue 212, NVIDIA)",
            },
        ],
        InSwitch = new CollectiveProtocol("NVLS", NvlsLaunch, new LinkClassCost(NvlsStep, nvlsEfficiency), new LinkClassCost(14e-6, SimpleNetEfficiency))
        {
            Source = nvlsSource,
        },
        InSwitchPipeline = new InSwitchPipeline(nvlsChannels, NvlsMaxHeads, NvlsMaxChunkBytes, NvlsFillLoops)
        {
            Source = "NCCL 2.25-2.26 NVLS kernel: channels per GPU generation, heads <= 32, chunk rule of enqueue.cc; fill fitted to ~250 GB/s algbw at 256 MiB on 8 H100 (nccl-tests issue 212)",
        },
        ReducePipelineSlices = 8,
        Source = source,
    };

    /// <summary>
    /// NCCL over Google Cloud A3 Mega's GPUDirect-TCPXO (8 x 200 Gb/s per node): the NVLink side as
    /// <see cref="NcclHopper"/>, the network side fitted to one published 16-GPU all-reduce sweep (docs/validation.md):
    /// TCPXO's offloaded TCP costs a large fixed time per collective, and its small-message protocol moves data slowly.
    /// </summary>
    public static CommunicationCosts NcclA3MegaTcpxo { get; } = new()
    {
        Protocols =
        [
            new CollectiveProtocol("LL128", TcpxoLlLaunch, new LinkClassCost(1.9e-6, SimpleNvLinkEfficiency * 120 / 128), new LinkClassCost(TcpxoLlStep, TcpxoLlEfficiency))
            {
                Source = "fitted: docs/validation.md, A3 Mega 16-GPU all_reduce_perf (8 B and 8 MiB rows)",
            },
            new CollectiveProtocol("Simple", TcpxoSimpleLaunch, new LinkClassCost(3.4e-6, SimpleNvLinkEfficiency), new LinkClassCost(TcpxoSimpleStep, TcpxoSimpleEfficiency))
            {
                Source = "fitted: docs/validation.md, A3 Mega 16-GPU all_reduce_perf (64 MiB and 8 GiB rows)",
            },
        ],
        ReducePipelineSlices = 8,
        Source = "NVLink side: NCCL tuning.cc v2.30 and nccl-tests issue 212; network side fitted (docs/validation.md)",
    };

    /// <summary>
    /// CloudMatrix384's UB as HCCL drives it: one-sided writes achieve 137 GB/s of a die's 196 GB/s intra-node
    /// (2506.12708v2 Table 1: 0.70, the same efficiency Huawei's own msmodeling uses); the preset's link latencies
    /// already give Table 1's 1.3 / 2.1 us paths, so no extra step latency is added.
    /// </summary>
    public static CommunicationCosts HcclCloudMatrix384 { get; } = new()
    {
        Protocols =
        [
            new CollectiveProtocol("UB", 0, new LinkClassCost(0, UbWriteEfficiency), new LinkClassCost(0, RdmaEfficiency))
            {
                Source = "2506.12708v2 Table 1: UB write 137 GB/s per die of 7 x 28 = 196 GB/s",
            },
        ],
        Source = "2506.12708v2 Table 1 (UB write bandwidth); see docs/validation.md",
    };

    // nccl-tests issue 212 (NVIDIA, sjeaugey): "an effective NVLink bandwidth of 370GB/s" of the 450 GB/s line rate.
    private const double SimpleNvLinkEfficiency = 370.0 / 450;

    // No published figure for NDR InfiniBand under NCCL was used; 0.92 of 50 GB/s is the usual ~46 GB/s busbw.
    private const double SimpleNetEfficiency = 0.92;

    // LL: half the rate for the flag words, and in practice less (fewer threads); a prior, not fitted.
    private const double LlNvLinkEfficiency = 0.25;
    private const double LlNetEfficiency = 0.25;

    // Fitted with the fill below to ~480 GB/s busbw at 8 GiB: busbw = 2(n-1)/n x S/t with (n+1)/n S per port at
    // 450 x eff, so eff = 480/700, times the fill's share at 8 GiB (1 + 3.1 loops x 16 MiB / 8 GiB) (docs/validation.md).
    private const double NvlsEfficiency = 480.0 / 700 * (1 + NvlsFillLoops * 16.0 / 8192);

    // NCCL tuning.cc (v2.28) nvlsEfficiency: Hopper 0.85, Blackwell 0.74 (of NCCL's own NVLink rates).
    private const double NvlsBlackwellToHopper = 0.74 / 0.85;

    // NCCL src/transport/nvls.cc (2.25 - 2.26): NVLS_NCHANNELS_SM90 16, NVLS_NCHANNELS_SM100 32; NCCL_NVLS_CHUNKSIZE
    // 128 KiB; src/include/device.h NCCL_MAX_NVLS_ARITY 32 ("Limit NVLS heads to 32", 2.25.1 release notes).
    private const int NvlsChannelsHopper = 16;
    private const int NvlsChannelsBlackwell = 32;
    private const int NvlsMaxHeads = 32;
    private const int NvlsMaxChunkBytes = 128 * 1024;

    // Fitted to nccl-tests issue 212: ~250 GB/s algbw at 256 MiB on 8 H100 where the peak is ~275 ("256M is too small
    // to reach peak bandwidth"); with 64 KiB chunks a loop there is 16 x 8 x 64 KiB = 8 MiB, so 256 x (275/250 - 1)/8.
    private const double NvlsFillLoops = 3.1;

    // Fitted to ~6 us for a 128-byte NVLSTree all-reduce on 2 H100 under CUDA graphs (nccl issue 1259): launch plus
    // one step plus the 0.2 us NVSwitch path.
    private const double NvlsLaunch = 4.0e-6;
    private const double NvlsStep = 1.8e-6;

    // Fitted to the A3 Mega sweep (docs/validation.md).
    private const double TcpxoLlLaunch = 120e-6;
    private const double TcpxoLlStep = 1e-6;
    private const double TcpxoLlEfficiency = 0.1;
    private const double TcpxoSimpleLaunch = 680e-6;
    private const double TcpxoSimpleStep = 2e-6;
    private const double TcpxoSimpleEfficiency = 0.96;

    // 2506.12708v2 Table 1: NPU-NPU write 137 GB/s intra-node per die, of 7 x 28 GB/s = 196 GB/s.
    private const double UbWriteEfficiency = 137.0 / 196;

    // No RDMA-plane measurement in the sources used: the UB's, as Huawei's msmodeling uses one efficiency (0.7) for
    // every link (one efficiency for all links also lets the model time without a second network graph).
    private const double RdmaEfficiency = UbWriteEfficiency;
}
