using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Kernels.Peak;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Benchmarks.Gemm;

/// <summary>
/// The BF16 GEMM against OpenBLAS <c>cblas_sgemm</c> in the same run, same shapes, same thread count. The peer gets
/// the same values (the BF16 operands widened to FP32): it multiplies FP32 inputs, so it moves twice the bytes of A
/// and B, and both accumulate in FP32 with FP32 output.
/// </summary>
/// <remarks>
/// Shard shapes: an 8192³ product on a 48 x 8 device grid (48 row blocks of A and C, 8 column blocks of B and C,
/// K whole). 8192 / 48 is not an integer, so row blocks are 171 rows (32 devices) or 170 rows (16 devices); the
/// benchmark takes the larger, 171 x 1024 x 8192, and the same split the other way round, 1024 x 171 x 8192 (8 row
/// blocks, 48 column blocks). Run: bench/run-gemm.sh.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[Config(typeof(Config))]
public unsafe class GemmBenchmarks
{
    private BFloat16[] _a = [];
    private BFloat16[] _b = [];
    private float[] _a32 = [];
    private float[] _b32 = [];
    private float[] _c = [];
    private GemmOptions _options = GemmOptions.Default;
    private GemmOptions _managedOptions = GemmOptions.Default;
    private TorchPeer? _torch;

    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(512, 512, 512, "512³"),
        new(1024, 1024, 1024, "1024³"),
        new(2048, 2048, 2048, "2048³"),
        new(4096, 4096, 4096, "4096³"),
        new(8192, 8192, 8192, "8192³"),
        new(171, 1024, 8192, "171x1024x8192"),
        new(1024, 171, 8192, "1024x171x8192"),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = new(512, 512, 512, "512³");

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        OpenBlas.RequireNativeKernels();
        Console.WriteLine($"// OpenBLAS core: {OpenBlas.CoreName}; config: {OpenBlas.Config}");
        Console.WriteLine($"// CloudMatrix default kernel: {BFloat16Gemm.KernelName}; managed: {GemmMicroKernel.Vector512.Name}");
        OpenBlas.SetNumThreads(Threads);
        _options = new GemmOptions { ThreadCount = Threads };
        _managedOptions = new GemmOptions { ThreadCount = Threads, SimdWidth = GemmSimdWidth.Vector512 };
        var random = new Random(42);
        _a = Fill(random, Shape.M * Shape.K);
        _b = Fill(random, Shape.K * Shape.N);
        _a32 = new float[_a.Length];
        _b32 = new float[_b.Length];
        BFloat16Convert.ToSingle(_a, _a32);
        BFloat16Convert.ToSingle(_b, _b32);
        _c = new float[Shape.M * Shape.N];
        _torch = TorchPeer.Start(Shape.M, Shape.N, Shape.K, Threads);
        Console.WriteLine(_torch is null ? "// PyTorch peer: not available (apt-get install python3-torch)" : $"// PyTorch peer: {_torch.Version}");
    }

    [Benchmark(Baseline = true, Description = "OpenBLAS sgemm")]
    public void OpenBlasSgemm()
    {
        fixed (float* a = _a32, b = _b32, c = _c)
        {
            OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.NoTrans, OpenBlas.NoTrans, Shape.M, Shape.N, Shape.K, 1f,
                a, Shape.K, b, Shape.N, 0f, c, Shape.N);
        }
    }

    [Benchmark(Description = "CloudMatrix bf16 (default kernel)")]
    public void CloudMatrixBf16() =>
        BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, Shape.M, Shape.N, Shape.K, 1f,
            _a, Shape.K, _b, Shape.N, 0f, _c, Shape.N, _options);

    [Benchmark(Description = "CloudMatrix bf16 (managed Vector512)")]
    public void CloudMatrixBf16Managed() =>
        BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, Shape.M, Shape.N, Shape.K, 1f,
            _a, Shape.K, _b, Shape.N, 0f, _c, Shape.N, _managedOptions);

    [Benchmark(Description = "vdpbf16ps peak, same FLOP")]
    public void Bf16DotPeak() => HostPeak.RunFlop(PeakInstruction.BFloat16DotZmm, Threads, Shape.Flops);

    [Benchmark(Description = "PyTorch bf16 matmul")]
    public void TorchBf16() => _torch?.Multiply();

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch?.Dispose();
        _torch = null;
    }

    private static BFloat16[] Fill(Random random, int count)
    {
        var values = new BFloat16[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (BFloat16)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GflopsColumn());
            SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(BenchmarkDotNet.Columns.RatioStyle.Trend);
        }
    }
}
