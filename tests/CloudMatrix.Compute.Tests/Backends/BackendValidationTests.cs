using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Tests.Backends;

/// <summary>Bad arguments to the public backend entry points are refused up front, naming the parameter as written.</summary>
public sealed class BackendValidationTests : IDisposable
{
    private readonly ComputeBackend _cpu = ComputeBackend.Create("cpu-simd");

    public void Dispose() => _cpu.Dispose();

    [Fact]
    public void Copy2DWithNegativeCounts_IsRefused_NamingThem()
    {
        // A negative row count copied nothing and returned; a negative column count was reported as 'length'.
        using var src = _cpu.Allocate<float>(16);
        using var dst = _cpu.Allocate<float>(16);
        var rows = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Copy2D(src, 0, 4, dst, 0, 4, -1, 2));
        Assert.Equal("rows", rows.ParamName);
        Assert.Equal(-1, rows.ActualValue);
        var cols = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Copy2D(src, 0, 4, dst, 0, 4, 2, -1));
        Assert.Equal("cols", cols.ParamName);
    }

    [Fact]
    public void Copy2DWithALeadingDimensionBelowTheColumns_IsRefused()
    {
        // Rows overlapped silently (or ran backwards with a negative leading dimension).
        using var src = _cpu.Allocate<float>(16);
        using var dst = _cpu.Allocate<float>(16);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Copy2D(src, 0, 1, dst, 0, 4, 2, 2));
        Assert.Equal("sourceLd", ex.ParamName);
        Assert.Contains("at least 2", ex.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Copy2D(src, 8, 4, dst, 0, -4, 2, 2));
        Assert.Equal("destinationLd", negative.ParamName);
    }

    [Fact]
    public void Copy2DOfABlockLargerThanTheBuffer_IsRefused_WithTheSizes()
    {
        // A block whose element count overflowed an int surfaced as an unnamed OverflowException.
        using var src = _cpu.Allocate<float>(16);
        using var dst = _cpu.Allocate<float>(16);
        var huge = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Copy2D(src, 0, 100_000, dst, 0, 100_000, 100_000, 100_000));
        Assert.Equal("sourceOffset", huge.ParamName);
        Assert.Contains("10000000000 elements", huge.Message, StringComparison.Ordinal);
        var past = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Copy2D(src, 0, 4, dst, 4, 4, 4, 4));
        Assert.Equal("destinationOffset", past.ParamName);
        Assert.Contains("[0, 0]", past.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Copy2DWithNothingToCopy_StillChecksItsBuffers()
    {
        using var dst = _cpu.Allocate<float>(4);
        var ex = Assert.Throws<ArgumentNullException>(() => _cpu.Copy2D(null!, 0, 4, dst, 0, 4, 0, 4));
        Assert.Equal("source", ex.ParamName);
    }

    [Fact]
    public void GemmBatchErrors_NameTasks_AndTheTaskIndex()
    {
        // ParamName was the internal 't', a label such as 'GEMM task 0 A', or missing.
        using var a = _cpu.Allocate<BFloat16>(16);
        using var b = _cpu.Allocate<BFloat16>(16);
        using var c = _cpu.Allocate<float>(16);
        DeviceGemmTask ok = new() { M = 2, N = 2, K = 2, A = a, Lda = 2, B = b, Ldb = 2, CFloat = c, Ldc = 2 };

        var dims = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.GemmBatch([ok, ok with { M = 0 }]));
        Assert.Equal("tasks", dims.ParamName);
        Assert.Contains("tasks[1]", dims.Message, StringComparison.Ordinal);
        Assert.Contains("at least 1", dims.Message, StringComparison.Ordinal);

        var past = Assert.Throws<ArgumentException>(() => _cpu.GemmBatch([ok with { M = 4, N = 4, K = 4, Lda = 4, Ldb = 4, Ldc = 4, AOffset = 4 }]));
        Assert.Equal("tasks", past.ParamName);
        Assert.Contains("tasks[0]: A", past.Message, StringComparison.Ordinal);
        Assert.Contains("offset 4", past.Message, StringComparison.Ordinal);

        var ld = Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.GemmBatch([ok with { Ldb = 1 }]));
        Assert.Equal("tasks", ld.ParamName);
        Assert.Contains("leading dimension of B is 1", ld.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<ArgumentNullException>(() => _cpu.GemmBatch([ok with { A = null! }]));
        Assert.Equal("tasks", missing.ParamName);
        Assert.Contains("tasks[0].A is null", missing.Message, StringComparison.Ordinal);

        using var other = ComputeBackend.Create("cpu-simd");
        using var foreign = other.Allocate<BFloat16>(16);
        var wrong = Assert.Throws<ArgumentException>(() => _cpu.GemmBatch([ok with { B = foreign }]));
        Assert.Equal("tasks", wrong.ParamName);
        Assert.Contains("tasks[0].B belongs to backend", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GemmBatchedWithAStrideNearLongMax_IsRefused_NotAnOverflow()
    {
        // (batchCount - 1) * stride overflowed and surfaced as an unnamed OverflowException.
        using var a = _cpu.Allocate<BFloat16>(16);
        using var b = _cpu.Allocate<BFloat16>(16);
        using var c = _cpu.Allocate<float>(16);
        const long Stride = (long.MaxValue / 2) + 1;
        var ex = Assert.Throws<ArgumentException>(() => _cpu.GemmBatched(GemmTranspose.None, GemmTranspose.None, 2, 2, 2, 1, a, 2, Stride, b, 2, 0, 0, c, 2, 4, 3));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("need 9223372036854775812", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoChoiceWithANullProbe_IsRefused_NamingTheEntry()
    {
        var ex = Assert.Throws<ArgumentException>(() => BackendRegistry.AutoChoice([null!]));
        Assert.Equal("probes", ex.ParamName);
        Assert.Contains("probes[0] is null", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 4, 4, 1, 1, "request.M is 0")]
    [InlineData(4, 4, 4, 0, 1, "request.Threads is 0; it must be in 1..4096")]
    [InlineData(4, 4, 4, 5000, 1, "request.Threads is 5000; it must be in 1..4096")]
    [InlineData(4, 4, 4, 1, 0, "request.Repeat is 0")]
    public void GemmBenchmarkOutOfRange_NamesTheRequestField(int m, int n, int k, int threads, int repeat, string expected)
    {
        // ParamName was the bare field ('M'), or 'ThreadCount' from inside the kernel's options.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GemmBenchmark.Run(new GemmBenchmarkRequest(m, n, k, threads, GemmTranspose.None, GemmTranspose.None, repeat, 1)));
        Assert.Equal("request", ex.ParamName);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GemmBenchmarkWithBadTransposeOrBackend_IsRefused_BeforeAllocating()
    {
        var trans = Assert.Throws<ArgumentOutOfRangeException>(() => GemmBenchmark.Run(new GemmBenchmarkRequest(4, 4, 4, 1, (GemmTranspose)5, GemmTranspose.None, 1, 1)));
        Assert.Equal("request", trans.ParamName);
        Assert.Contains("request.TransA is 5; it must be None or Transpose", trans.Message, StringComparison.Ordinal);
        var none = Assert.Throws<ArgumentNullException>(() => GemmBenchmark.Run(new GemmBenchmarkRequest(4, 4, 4, 1, GemmTranspose.None, GemmTranspose.None, 1, 1, null!)));
        Assert.Equal("request", none.ParamName);
        Assert.Contains("request.Backend is null", none.Message, StringComparison.Ordinal);
        var bogus = Assert.Throws<ArgumentException>(() => GemmBenchmark.Run(new GemmBenchmarkRequest(4, 4, 4, 1, GemmTranspose.None, GemmTranspose.None, 1, 1, "bogus")));
        Assert.Equal("request", bogus.ParamName);
        Assert.Contains("valid names: auto, cpu-simd", bogus.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void GemmBenchmarkOverTheMemoryBudget_IsRefused_WithNeedAndBudget()
    {
        Skip.If(MemoryBudget.Bytes >= 12_800_000_000L, "the memory budget in force would admit the product");
        // The library entry point allocated 12 GB and started a 40000^3 product; only the command line checked the budget.
        var ex = Assert.Throws<MemoryBudgetExceededException>(() => GemmBenchmark.Run(new GemmBenchmarkRequest(40_000, 40_000, 40_000, 1, GemmTranspose.None, GemmTranspose.None, 1, 1)));
        Assert.Equal(12_800_000_000d, ex.NeedBytes);
        Assert.Contains("memory budget", ex.Message, StringComparison.Ordinal);
    }
}
