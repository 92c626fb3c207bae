using System.CommandLine;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Cli;

/// <summary>
/// <c>cmx</c> with no verb: the main job. One BF16 matrix multiplication <c>C = A·B</c> sharded over the 384 NPUs of
/// the CloudMatrix384 preset as a (dp = 48 nodes) × (tp = 8 NPUs of a node) mesh, row-parallel in the Megatron sense:
/// A's rows are split across dp, the shared dimension K across tp. Every NPU runs its real GEMM on the chosen backend
/// (BF16 partial product, FP32 accumulation), each node all-reduces its 8 partials with a real collective (BF16 on the
/// wire, as the libraries do), and the result is spot-checked against an FP64 reference on the same BF16 inputs.
/// The same plan is timed on the modelled machine: per-NPU compute/HBM roofline, then the intra-node all-reduce on the
/// network model.
/// </summary>
/// <remarks>
/// The plan is the package's <c>row-parallel</c> strategy: the 48 node all-reduces are one collective step, simulated
/// together on the fabric; the roofline reads A's and B's shards once and writes the BF16 partial once.
/// </remarks>
internal static class MainJob
{
    private const int Dp = 48;
    private const int Tp = 8;

    private static readonly Option<int> SizeOption = new("--size")
    {
        Description = "M = N = K of the product; a multiple of 48 (dp) and of 8 (tp), i.e. of 48.",
        DefaultValueFactory = _ => 3072,
    };

    private static readonly Option<string> BackendOption = new("--backend")
    {
        Description = "Compute backend of the per-NPU GEMMs: auto, cpu-simd, ilgpu-cpu, cuda, opencl.",
        DefaultValueFactory = _ => "auto",
    };

    private static readonly Option<bool> EstimateOption = new("--estimate")
    {
        Description = "Timing only: simulate the plan without running any GEMM or collective on real data.",
    };

    /// <summary>Adds the main job's options to the root command and makes it the root's action.</summary>
    public static void Attach(RootCommand root, CliContext context)
    {
        root.Options.Add(SizeOption);
        root.Options.Add(BackendOption);
        root.Options.Add(EstimateOption);
        root.SetAction(parse => Run(
            context,
            parse.GetValue(SizeOption),
            parse.GetValue(BackendOption) ?? "auto",
            parse.GetValue(EstimateOption),
            parse.GetValue(CliContext.JsonOption)));
    }

    /// <summary>Runs the main job and returns the exit code: a thin caller of <c>MatMul.Plan</c> and <c>MatMulPlan.Execute</c>.</summary>
    public static int Run(CliContext context, int size, string backendName, bool estimateOnly, bool json)
    {
        if (size < Dp || size % Dp != 0)
        {
            throw new CliUsageException($"--size is {size}; it must be a positive multiple of 48 (dp = 48 row blocks, tp = 8 K blocks), e.g. 768, 3072 or 6144.");
        }

        context.Human(json).WriteLine($"CloudMatrix.Compute main job: C = A·B, BF16, M = N = K = {size}, row-parallel over dp = {Dp} nodes x tp = {Tp} NPUs of CloudMatrix384");
        var request = new Commands.MatmulCommand.MatmulRequest(
            Systems.CloudMatrix384(), size, size, size, $"dp={Dp},tp={Tp}", Strategy.RowParallel.Name, null, null, null,
            Uneven: false, Reduce: "auto", Backend: backendName, Estimate: estimateOnly, SpotCheck: SpotTiles(size), Trace: null);
        return Commands.MatmulCommand.Run(context, request, json);
    }

    // Every element up to 768^3 (M·N·K <= 2^31 would take tens of seconds of FP64 at 1536^3 and above): seeded tiles there.
    private static int SpotTiles(int size) => (long)size * size * size <= 768L * 768 * 768 ? 0 : 48;
}
