using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;
using CsCheck;

namespace CloudMatrix.Compute.Tests.Backends;

/// <summary>
/// The backend-independent suite: every backend runs it (one thin subclass each). GEMM is checked against an FP64
/// reference on the same bfloat16 inputs with an FP32 accumulation error bound; sums against the documented FP32
/// order (bit for bit) and FP64; conversions bit for bit against the scalar <see cref="BFloat16"/> conversion.
/// Shapes stay small (at most 64 x 64 x 64 plus tile edges) because ilgpu-cpu is an emulator.
/// </summary>
public abstract class BackendConformanceTests(BackendFixture fixture)
{
    private const double Fp32Unit = 1.0 / (1 << 24);

    // m, n, k: single elements, odd sizes, a full 64-cube, and shapes that cross the GPU kernel's 128-row,
    // 128-column and 16-deep tile edges (the last one in both directions at once).
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 3, 5, 7 },
        { 17, 33, 9 },
        { 64, 64, 64 },
        { 130, 3, 17 },
        { 2, 131, 33 },
        { 129, 130, 33 },
    };

    public static TheoryData<GemmTranspose, GemmTranspose> Transposes => new()
    {
        { GemmTranspose.None, GemmTranspose.None },
        { GemmTranspose.Transpose, GemmTranspose.None },
        { GemmTranspose.None, GemmTranspose.Transpose },
        { GemmTranspose.Transpose, GemmTranspose.Transpose },
    };

    private ComputeBackend Backend
    {
        get
        {
            Skip.If(fixture.Backend is null, fixture.SkipReason);
            return fixture.Backend!;
        }
    }

    [SkippableFact]
    public void Identity_NamesTheBackendAndItsDevice()
    {
        ComputeBackend backend = Backend;
        Assert.Equal(fixture.Name, backend.Name);
        Assert.False(string.IsNullOrWhiteSpace(backend.DeviceName));
        Assert.True(backend.MemoryBytes > 0);
        Assert.Null(backend.SelectionReason);
    }

    [SkippableFact]
    public void Allocate_IsZeroFilled_AndRoundTripsThroughTheHost_AtOffsets()
    {
        using DeviceBuffer<float> buffer = Backend.Allocate<float>(10);
        Assert.Equal(new float[10], buffer.ToArray());
        Assert.Equal(40, buffer.SizeInBytes);

        buffer.CopyFrom([1f, 2f, 3f], destinationOffset: 7);
        var tail = new float[4];
        buffer.CopyTo(tail, sourceOffset: 6);
        Assert.Equal([0f, 1f, 2f, 3f], tail);
    }

    [SkippableFact]
    public void HostMemory_IsOfferedOnlyByTheHostBackend_AndIsTheBufferItself()
    {
        using DeviceBuffer<float> buffer = Backend.Allocate<float>(4);
        bool onHost = buffer.TryGetHostMemory(out Memory<float> memory);
        Assert.Equal(Backend.Name == "cpu-simd", onHost);
        if (onHost)
        {
            memory.Span[2] = 5f;
            Assert.Equal([0f, 0f, 5f, 0f], buffer.ToArray());
        }
        else
        {
            Assert.True(memory.IsEmpty);
        }
    }

    [SkippableFact]
    public void Allocate_ZeroLength_IsAnEmptyBuffer()
    {
        using DeviceBuffer<BFloat16> buffer = Backend.Allocate<BFloat16>(0);
        Assert.Empty(buffer.ToArray());
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Gemm_SingleOutput_MatchesFp64Reference(int m, int n, int k)
    {
        foreach ((GemmTranspose ta, GemmTranspose tb) in Transposes.Select(row => ((GemmTranspose)row[0], (GemmTranspose)row[1])))
        {
            var problem = GemmProblem.Random(ta, tb, m, n, k, padding: 0, seed: (m * 1000) + (n * 10) + k);
            float[] c = RunSingle(problem, alpha: 1f, beta: 0f, initialC: null);
            problem.AssertClose(c, alpha: 1f, beta: 0f, initialC: null, bfloat16Output: false, $"{ta}/{tb}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Gemm_BFloat16Output_MatchesFp64ReferenceRoundedOnce(int m, int n, int k)
    {
        foreach ((GemmTranspose ta, GemmTranspose tb) in Transposes.Select(row => ((GemmTranspose)row[0], (GemmTranspose)row[1])))
        {
            var problem = GemmProblem.Random(ta, tb, m, n, k, padding: 0, seed: (k * 1000) + (m * 10) + n);
            float[] c = RunBFloat16(problem, alpha: 1f, beta: 0f, initialC: null);
            problem.AssertClose(c, alpha: 1f, beta: 0f, initialC: null, bfloat16Output: true, $"{ta}/{tb}");
        }
    }

    [SkippableFact]
    public void Gemm_PaddedLeadingDimensionsAlphaBeta_UpdatesOnlyTheView()
    {
        foreach ((GemmTranspose ta, GemmTranspose tb) in Transposes.Select(row => ((GemmTranspose)row[0], (GemmTranspose)row[1])))
        {
            var problem = GemmProblem.Random(ta, tb, 19, 23, 29, padding: 3, seed: 7);
            float[] initialC = Enumerable.Range(0, problem.CLength).Select(i => (float)((i % 11) - 5) / 4).ToArray();
            float[] c = RunSingle(problem, alpha: -0.75f, beta: 1.5f, initialC);
            problem.AssertClose(c, alpha: -0.75f, beta: 1.5f, initialC, bfloat16Output: false, $"{ta}/{tb}");

            float[] cb = RunBFloat16(problem, alpha: 2f, beta: -0.5f, initialC);
            problem.AssertClose(cb, alpha: 2f, beta: -0.5f, initialC, bfloat16Output: true, $"bf16 {ta}/{tb}");
        }
    }

    [SkippableFact]
    public void Gemm_RandomShapesLayoutsAndScales_MatchFp64Reference()
    {
        ComputeBackend backend = Backend;
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int)
            .Sample((m, n, k, layout, padding, seed) =>
            {
                var ta = (layout & 1) == 0 ? GemmTranspose.None : GemmTranspose.Transpose;
                var tb = (layout & 2) == 0 ? GemmTranspose.None : GemmTranspose.Transpose;
                var problem = GemmProblem.Random(ta, tb, m, n, k, padding, seed);
                var rng = new Random(seed);
                float alpha = (float)((rng.NextDouble() * 4) - 2), beta = rng.Next(3) == 0 ? 0f : (float)((rng.NextDouble() * 4) - 2);
                float[] initialC = Enumerable.Range(0, problem.CLength).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
                problem.AssertClose(RunSingle(problem, alpha, beta, initialC), alpha, beta, initialC, false, $"{backend.Name} {ta}/{tb} pad {padding}");
            }, iter: 12, threads: 1);
    }

    [SkippableFact]
    public void Gemm_BetaZero_DoesNotReadC_ButNaNInAOrBPropagates()
    {
        var problem = GemmProblem.Random(GemmTranspose.None, GemmTranspose.None, 5, 6, 7, padding: 0, seed: 3);
        problem.A[(2 * problem.Lda) + 4] = BFloat16.NaN; // row 2 of A
        float[] initialC = Enumerable.Repeat(float.NaN, problem.CLength).ToArray();

        float[] c = RunSingle(problem, alpha: 1f, beta: 0f, initialC);
        for (int i = 0; i < 5; i++)
        {
            for (int j = 0; j < 6; j++)
            {
                Assert.Equal(i == 2, float.IsNaN(c[(i * problem.Ldc) + j]));
            }
        }
    }

    [SkippableFact]
    public void Gemm_AlphaZeroTimesInfinity_IsNaN_AsIeeeSays()
    {
        var problem = GemmProblem.Random(GemmTranspose.None, GemmTranspose.None, 2, 2, 3, padding: 0, seed: 4);
        problem.B[1] = BFloat16.PositiveInfinity; // column 1 of B
        float[] c = RunSingle(problem, alpha: 0f, beta: 0f, initialC: null);
        Assert.True(float.IsNaN(c[1]) && float.IsNaN(c[problem.Ldc + 1]));
        Assert.Equal(0f, c[0]);
    }

    [SkippableFact]
    public void Gemm_IsDeterministic_BitForBit()
    {
        var problem = GemmProblem.Random(GemmTranspose.Transpose, GemmTranspose.None, 45, 37, 64, padding: 0, seed: 11);
        float[] first = RunSingle(problem, 1f, 0f, null);
        float[] second = RunSingle(problem, 1f, 0f, null);
        Assert.Equal(first.Select(BitConverter.SingleToUInt32Bits), second.Select(BitConverter.SingleToUInt32Bits));
    }

    [SkippableFact]
    public void GemmBatched_EachMatrixMatchesItsOwnGemm_WithASharedB()
    {
        const int batch = 3, m = 9, n = 17, k = 20;
        var rng = new Random(5);
        BFloat16[] a = RandomBFloat16(rng, batch * m * k);
        BFloat16[] b = RandomBFloat16(rng, k * n);
        int strideC = (m * n) + 5; // a gap between C matrices stays untouched
        using var da = Upload(a);
        using var db = Upload(b);
        using var dc = Backend.Allocate<float>(batch * strideC);
        dc.CopyFrom(Enumerable.Repeat(-7f, batch * strideC).ToArray());
        Backend.GemmBatched(GemmTranspose.None, GemmTranspose.None, m, n, k, 1f, da, k, m * k, db, n, 0, 0f, dc, n, strideC, batch);
        float[] c = dc.ToArray();

        for (int z = 0; z < batch; z++)
        {
            var problem = new GemmProblem(GemmTranspose.None, GemmTranspose.None, m, n, k, a[(z * m * k)..((z + 1) * m * k)], k, b, n, n);
            problem.AssertClose(c[(z * strideC)..((z * strideC) + (m * n))], 1f, 0f, null, false, $"matrix {z}");
            Assert.All(c[((z * strideC) + (m * n))..((z + 1) * strideC)], gap => Assert.Equal(-7f, gap));
        }
    }

    [SkippableFact]
    public void GemmBatched_ManyTilesInEveryDirection_MatchesFp64Reference()
    {
        // Two 300 x 260 x 70 products with a bfloat16 C: 3 x 3 tiles of the GPU kernel each, with partial edge tiles.
        const int batch = 2, m = 300, n = 260, k = 70;
        var rng = new Random(21);
        BFloat16[] a = RandomBFloat16(rng, batch * k * m); // stored transposed: K x M per matrix
        BFloat16[] b = RandomBFloat16(rng, batch * k * n);
        using var da = Upload(a);
        using var db = Upload(b);
        using var dc = Backend.Allocate<BFloat16>(batch * m * n);
        Backend.GemmBatched(GemmTranspose.Transpose, GemmTranspose.None, m, n, k, 1f, da, m, k * m, db, n, k * n, 0f, dc, n, m * n, batch);
        float[] c = dc.ToArray().Select(v => (float)v).ToArray();
        for (int z = 0; z < batch; z++)
        {
            var problem = new GemmProblem(GemmTranspose.Transpose, GemmTranspose.None, m, n, k,
                a[(z * k * m)..((z + 1) * k * m)], m, b[(z * k * n)..((z + 1) * k * n)], n, n);
            problem.AssertClose(c[(z * m * n)..((z + 1) * m * n)], 1f, 0f, null, true, $"matrix {z}");
        }
    }

    [SkippableFact]
    public void GemmBatched_OverlappingOutputs_AreRefused()
    {
        using var a = Backend.Allocate<BFloat16>(16);
        using var b = Backend.Allocate<BFloat16>(16);
        using var c = Backend.Allocate<float>(32);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Backend.GemmBatched(GemmTranspose.None, GemmTranspose.None, 4, 4, 4, 1f, a, 4, 0, b, 4, 0, 0f, c, 4, 8, 2));
        Assert.Equal("strideC", ex.ParamName);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    public void Reduce_Single_IsTheDocumentedFp32Order_BitForBit(int count)
    {
        var rng = new Random(count);
        float[][] sources = Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, 1000).Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-20, 20)))).ToArray())
            .ToArray();
        sources[0][3] = float.PositiveInfinity;
        sources[0][4] = float.NaN;

        var buffers = sources.Select(Upload).ToList();
        using var destination = Backend.Allocate<float>(1000);
        Backend.Reduce(buffers, destination);
        float[] actual = destination.ToArray();
        buffers.ForEach(d => d.Dispose());

        for (int i = 0; i < 1000; i++)
        {
            float expected = sources[0][i];
            double exact = sources[0][i];
            for (int s = 1; s < count; s++)
            {
                expected += sources[s][i];
                exact += sources[s][i];
            }

            if (float.IsNaN(expected))
            {
                // A NaN stays a NaN; its payload is the hardware's (x86 keeps the first NaN operand's, NVIDIA GPUs
                // give the canonical 0x7FFFFFFF; measured on an H100).
                Assert.True(float.IsNaN(actual[i]), $"element {i}: {actual[i]} where the sum is NaN");
                continue;
            }

            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual[i]));
            if (double.IsFinite(exact))
            {
                double magnitude = sources.Sum(s => Math.Abs((double)s[i]));
                Assert.True(Math.Abs(actual[i] - exact) <= count * Fp32Unit * magnitude, $"element {i}");
            }
        }
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Reduce_BFloat16_SumsInFp32AndRoundsOnce_BitForBit(int count)
    {
        var rng = new Random(100 + count);
        BFloat16[][] sources = Enumerable.Range(0, count).Select(_ => RandomBFloat16(rng, 777)).ToArray();
        sources[0][0] = BFloat16.FromBits(0x7F81);
        var buffers = sources.Select(Upload).ToList();
        using var destination = Backend.Allocate<BFloat16>(777);
        Backend.Reduce(buffers, destination);
        BFloat16[] actual = destination.ToArray();
        buffers.ForEach(d => d.Dispose());

        // A signalling NaN comes out a quiet NaN (exponent all ones, quiet bit set); the payload is the hardware's:
        // 0x7FC1 on x86 (the operand's, quieted), the canonical 0x7FFF on NVIDIA GPUs (measured on an H100).
        Assert.Equal(0x7FC0, actual[0].ToBits() & 0x7FC0);
        for (int i = 1; i < 777; i++)
        {
            float sum = sources[0][i];
            double exact = sources[0][i];
            for (int s = 1; s < count; s++)
            {
                sum += sources[s][i];
                exact += sources[s][i];
            }

            Assert.Equal(((BFloat16)sum).ToBits(), actual[i].ToBits());
            double magnitude = sources.Sum(s => Math.Abs((double)s[i]));
            Assert.True(Math.Abs(actual[i] - exact) <= (Math.Abs(exact) / 256) + (count * Fp32Unit * magnitude), $"element {i}");
        }
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void Reduce_IntoOneOfItsSources_EqualsTheOutOfPlaceSum(int destinationIndex)
    {
        var rng = new Random(destinationIndex);
        float[][] sources = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 300).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var buffers = sources.Select(Upload).ToList();
        using var outOfPlace = Backend.Allocate<float>(300);
        Backend.Reduce(buffers, outOfPlace);
        Backend.Reduce(buffers, buffers[destinationIndex]);
        Assert.Equal(outOfPlace.ToArray(), buffers[destinationIndex].ToArray());

        var bf = sources.Select(s => Upload(s.Select(v => (BFloat16)v).ToArray())).ToList();
        using var bfOut = Backend.Allocate<BFloat16>(300);
        Backend.Reduce(bf, bfOut);
        Backend.Reduce(bf, bf[destinationIndex]);
        Assert.Equal(bfOut.ToArray(), bf[destinationIndex].ToArray());
        buffers.Concat<IDisposable>(bf).ToList().ForEach(d => d.Dispose());
    }

    [SkippableFact]
    public void Reduce_OfOneBufferIntoItself_LeavesItUnchanged()
    {
        float[] values = [1.5f, -2f, float.NaN, 3e38f];
        using var x = Upload(values);
        Backend.Reduce([x], x);
        Assert.Equal(values.Select(BitConverter.SingleToUInt32Bits), x.ToArray().Select(BitConverter.SingleToUInt32Bits));
    }

    [SkippableFact]
    public void Reduce_Chunk_ChangesOnlyThatChunk()
    {
        float[] x = Enumerable.Range(0, 50).Select(i => (float)i).ToArray();
        float[] y = Enumerable.Range(0, 50).Select(i => 100f * i).ToArray();
        using var dx = Upload(x);
        using var dy = Upload(y);
        Backend.Reduce([dx, dy], dy, start: 10, length: 15);
        float[] result = dy.ToArray();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(i is >= 10 and < 25 ? 101f * i : 100f * i, result[i]);
        }
    }

    [SkippableFact]
    public void ConcurrentCallers_EachGetTheirOwnCorrectResult()
    {
        ComputeBackend backend = Backend;
        var results = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            using DeviceBuffer<float> x = backend.Allocate<float>(257);
            using DeviceBuffer<float> y = backend.Allocate<float>(257);
            x.CopyFrom(Enumerable.Range(0, 257).Select(i => (float)(i * t)).ToArray());
            y.CopyFrom(Enumerable.Repeat((float)t, 257).ToArray());
            backend.Reduce([x, y, x], y);
            results[t] = y.ToArray();
        });

        for (int t = 0; t < 8; t++)
        {
            Assert.Equal(Enumerable.Range(0, 257).Select(i => (float)((2 * i * t) + t)), results[t]);
        }
    }

    [SkippableFact]
    public void Convert_ToBFloat16_IsBitIdenticalToTheScalarConversion_IncludingSpecials()
    {
        var rng = new Random(9);
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN,
            BitConverter.UInt32BitsToSingle(0x7F800001), BitConverter.UInt32BitsToSingle(0xFFA5_0000), // signalling NaNs
            BitConverter.UInt32BitsToSingle(0x3F80_8000), BitConverter.UInt32BitsToSingle(0x3F81_8000), // ties to even
            BitConverter.UInt32BitsToSingle(0x7F7F_FFFF), float.Epsilon, BitConverter.UInt32BitsToSingle(0x0000_8000),
        };
        values.AddRange(Enumerable.Range(0, 3000).Select(_ => BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32))));
        using var source = Upload(values.ToArray());
        using var narrowed = Backend.Allocate<BFloat16>(values.Count);
        using var widened = Backend.Allocate<float>(values.Count);
        Backend.Convert(source, narrowed);
        Backend.Convert(narrowed, widened);

        BFloat16[] actual = narrowed.ToArray();
        float[] back = widened.ToArray();
        for (int i = 0; i < values.Count; i++)
        {
            BFloat16 expected = (BFloat16)values[i];
            Assert.Equal(expected.ToBits(), actual[i].ToBits());
            Assert.Equal((uint)expected.ToBits() << 16, BitConverter.SingleToUInt32Bits(back[i]));
        }
    }

    [SkippableFact]
    public void Copy_WithOffsets_MovesExactlyTheRange_AndRefusesOverlapInOneBuffer()
    {
        using var source = Upload(new[] { 1, 2, 3, 4, 5, 6 });
        using var destination = Backend.Allocate<int>(6);
        Backend.Copy(source, 1, destination, 3, 3);
        Assert.Equal([0, 0, 0, 2, 3, 4], destination.ToArray());

        Backend.Copy(source, 0, source, 3, 3);
        Assert.Equal([1, 2, 3, 1, 2, 3], source.ToArray());
        Assert.Throws<ArgumentException>(() => Backend.Copy(source, 0, source, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.Copy(source, 4, destination, 0, 3));
    }

    [SkippableFact]
    public void BadInput_IsRefusedWithTheParameterNamed()
    {
        using var small = Backend.Allocate<float>(3);
        using var large = Backend.Allocate<float>(4);
        using var bf = Backend.Allocate<BFloat16>(4);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => Backend.Convert(bf, small)).ParamName);
        Assert.Equal("sources", Assert.Throws<ArgumentException>(() => Backend.Reduce([small, large], large)).ParamName);
        Assert.Equal("sources", Assert.Throws<ArgumentException>(() => Backend.Reduce(Array.Empty<DeviceBuffer<float>>(), large)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Backend.Allocate<float>(-1));
        Assert.Equal("destinationOffset", Assert.Throws<ArgumentOutOfRangeException>(() => small.CopyFrom([1f, 2f], destinationOffset: 2)).ParamName);
        Assert.Equal("sourceOffset", Assert.Throws<ArgumentOutOfRangeException>(() => small.CopyTo(new float[4])).ParamName);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => Backend.Reduce([large], large, 2, 3)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() =>
            Backend.Gemm(GemmTranspose.None, GemmTranspose.None, 2, 2, 2, 1f, bf, 2, bf, 2, 0f, small, 2)).ParamName);

        using var other = new CpuSimdForeignBackend();
        using var foreign = other.Backend.Allocate<float>(4);
        var ex = Assert.Throws<ArgumentException>(() => Backend.Copy(foreign, large));
        Assert.Contains("belongs to backend", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void DisposedBuffer_IsRefused()
    {
        var buffer = Backend.Allocate<float>(4);
        using var other = Backend.Allocate<float>(4);
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Backend.Copy(buffer, other));
        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
    }

    [SkippableFact]
    public void OutOfMemory_IsReportedWithTheSizesInvolved()
    {
        ComputeBackend backend = Backend;
        using var held = backend.Allocate<float>(1000);
        long before = backend.AllocatedBytes;
        backend.MemoryLimitBytes = before + 1000;
        try
        {
            var ex = Assert.Throws<DeviceOutOfMemoryException>(() => backend.Allocate<float>(1000));
            Assert.Equal(4000, ex.RequestedBytes);
            Assert.Equal(before, ex.AllocatedBytes);
            Assert.Equal(before + 1000, ex.DeviceMemoryBytes);
            Assert.Contains("4000 bytes", ex.Message, StringComparison.Ordinal);
            Assert.Contains(backend.DeviceName, ex.Message, StringComparison.Ordinal);
            Assert.Equal(before, backend.AllocatedBytes);
        }
        finally
        {
            backend.MemoryLimitBytes = long.MaxValue;
        }
    }

    internal static BFloat16[] RandomBFloat16(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (BFloat16)((rng.NextDouble() * 2) - 1)).ToArray();

    private DeviceBuffer<T> Upload<T>(T[] values)
        where T : unmanaged
    {
        DeviceBuffer<T> buffer = Backend.Allocate<T>(values.Length);
        buffer.CopyFrom(values);
        return buffer;
    }

    private float[] RunSingle(GemmProblem p, float alpha, float beta, float[]? initialC)
    {
        using var a = Upload(p.A);
        using var b = Upload(p.B);
        using var c = Upload(initialC ?? new float[p.CLength]);
        Backend.Gemm(p.TransA, p.TransB, p.M, p.N, p.K, alpha, a, p.Lda, b, p.Ldb, beta, c, p.Ldc);
        return c.ToArray();
    }

    private float[] RunBFloat16(GemmProblem p, float alpha, float beta, float[]? initialC)
    {
        using var a = Upload(p.A);
        using var b = Upload(p.B);
        using var c = Upload((initialC ?? new float[p.CLength]).Select(v => (BFloat16)v).ToArray());
        Backend.Gemm(p.TransA, p.TransB, p.M, p.N, p.K, alpha, a, p.Lda, b, p.Ldb, beta, c, p.Ldc);
        return c.ToArray().Select(v => (float)v).ToArray();
    }

    /// <summary>A second backend whose buffers this backend must refuse.</summary>
    private sealed class CpuSimdForeignBackend : IDisposable
    {
        public ComputeBackend Backend { get; } = ComputeBackend.Create("cpu-simd");

        public void Dispose() => Backend.Dispose();
    }
}
