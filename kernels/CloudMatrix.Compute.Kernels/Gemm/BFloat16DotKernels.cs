using System.Runtime.Intrinsics.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// Microkernels on AVX512_BF16's <c>vdpbf16ps</c> (two bfloat16 products summed into each FP32 lane per
/// instruction: twice the multiply-adds of an FP32 FMA). .NET has no intrinsic for it, so the kernels are assembled
/// at run time (Iced) into executable pages and called through unmanaged function pointers.
/// </summary>
/// <remarks>
/// <para>Packed layout: k is taken in pairs. An A micro-panel holds, per pair, MR 32-bit words (bfloat16 of step 2q
/// in the low half, step 2q + 1 in the high half); a B micro-panel holds NR such words per pair. An odd last step is
/// paired with zero.</para>
/// <para>Arguments (System V): edi = pairs, rsi = packed A, rdx = packed B, rcx = C, r8 = ldc (elements),
/// xmm0 = alpha, xmm1 = beta. Same contract as the managed kernels: C = alpha * acc + beta * C, C not read when
/// beta is +0 or -0.</para>
/// <para>Numerics (Intel SDM, VDPBF16PS): each lane adds the odd-step product, then the even-step product, each
/// rounded to nearest even in FP32 (products of two bfloat16 are exact), so the FP32 accumulation bound is unchanged;
/// the instruction treats subnormal inputs as zero and flushes subnormal results to zero.</para>
/// </remarks>
internal static unsafe class BFloat16DotKernels
{
    private static readonly Lazy<GemmMicroKernel?> Instance = new(() => Build(DotKernelConfig.Default));

    /// <summary>Whether the CPU has AVX512_BF16 (CPUID leaf 7, sub-leaf 1, EAX bit 5) and AVX-512F.</summary>
    internal static bool CpuSupportsBf16Dot
    {
        get
        {
            if (!Avx512F.IsSupported || !Avx512BW.IsSupported)
            {
                return false;
            }

            (int eax, _, _, _) = X86Base.CpuId(7, 1);
            return (eax & (1 << 5)) != 0;
        }
    }

    /// <summary>The generated kernel, or null when the CPU or the OS cannot run it.</summary>
    internal static GemmMicroKernel? Kernel => Instance.Value;

    /// <summary>Assembles the four tile shapes of <paramref name="config"/>; null when the CPU or the OS cannot run them.</summary>
    internal static GemmMicroKernel? Build(DotKernelConfig config)
    {
        if (!CpuSupportsBf16Dot || !ExecutableMemory.IsSupported)
        {
            return null;
        }

        try
        {
            // The four tile shapes, each with ordinary and with streaming stores, share one mapping; each entry
            // starts on a 64-byte boundary.
            (int Rows, int Vectors)[] shapes =
                [(config.Rows, config.Vectors), (config.ShortRows, config.Vectors), (config.Rows, 1), (config.ShortRows, 1)];
            var code = new List<byte>();
            int[] offsets = new int[2 * shapes.Length];
            for (int s = 0; s < offsets.Length; s++)
            {
                while (code.Count % 64 != 0)
                {
                    code.Add(0xCC);
                }

                offsets[s] = code.Count;
                var assembler = new Assembler(64);
                (int rows, int vectors) = shapes[s % shapes.Length];
                Emit(assembler, rows, vectors, config, nonTemporal: s >= shapes.Length);
                using var stream = new MemoryStream();
                assembler.Assemble(new StreamCodeWriter(stream), 0);
                code.AddRange(stream.ToArray());
            }

            byte* pages = (byte*)ExecutableMemory.TryMap(code.ToArray());
            if (pages == null)
            {
                return null;
            }

            nint At(int s) => (nint)(pages + offsets[s]);
            return GemmMicroKernel.Native(
                config.Name, mr: config.Rows, nr: 16 * config.Vectors, mc: config.Mc, kc: config.Kc, nc: config.Nc,
                At(0), mrShort: config.ShortRows, nrNarrow: 16, At(1), At(2), At(3), [At(4), At(5), At(6), At(7)]);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // An assembler failure leaves the managed kernels in charge.
            return null;
        }
    }

    /// <summary>
    /// Emits one <c>rows x (16 * vectors)</c> kernel: accumulators from zmm0 up, B vectors from zmm31 down. With
    /// <paramref name="nonTemporal"/>, a write-only C (beta 0) is stored with <c>vmovntps</c> (every row of the tile
    /// must start on a 64-byte boundary: the caller checks) and not prefetched; beta != 0 still reads and stores C
    /// the ordinary way.
    /// </summary>
    private static void Emit(Assembler c, int rows, int vectors, DotKernelConfig config, bool nonTemporal)
    {
        AssemblerRegisterZMM[] zmm =
        [
            zmm0, zmm1, zmm2, zmm3, zmm4, zmm5, zmm6, zmm7, zmm8, zmm9, zmm10, zmm11, zmm12, zmm13, zmm14, zmm15,
            zmm16, zmm17, zmm18, zmm19, zmm20, zmm21, zmm22, zmm23, zmm24, zmm25, zmm26, zmm27, zmm28, zmm29, zmm30, zmm31,
        ];
        if ((rows + 1) * vectors > zmm.Length)
        {
            throw new ArgumentException($"A {rows} x {16 * vectors} tile needs more than 32 zmm registers.", nameof(rows));
        }

        AssemblerRegisterZMM Acc(int r, int v) => zmm[(r * vectors) + v];
        AssemblerRegisterZMM B(int v) => zmm[31 - v];
        int unroll = config.Unroll;
        int aBytes = 4 * rows, bBytes = 64 * vectors;

        Label loop = c.CreateLabel(), rest = c.CreateLabel(), restLoop = c.CreateLabel(), store = c.CreateLabel(), withBeta = c.CreateLabel();

        // alpha and beta arrive in xmm0 and xmm1, which are accumulators here: park them in the red zone (System V
        // leaves 128 bytes below rsp to a leaf function) and read them back as broadcasts when storing.
        c.vmovss(__dword_ptr[rsp - 8], xmm0);
        c.vmovss(__dword_ptr[rsp - 4], xmm1);
        c.vmovd(eax, xmm1);
        c.and(eax, 0x7FFF_FFFF);
        c.lea(r9, __[r8 * 4]);

        // Start the C tile on its way to L1; it is touched only after the k loop. (A streamed C is not read, and
        // bringing its lines in would cost the very read the streaming stores save.)
        if (!nonTemporal)
        {
            c.mov(r10, rcx);
            for (int r = 0; r < rows; r++)
            {
                for (int v = 0; v < vectors; v++)
                {
                    c.prefetcht0(__byte_ptr[r10 + (64 * v)]);
                }

                c.add(r10, r9);
            }
        }

        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vpxord(Acc(r, v), Acc(r, v), Acc(r, v));
            }
        }

        c.test(edi, edi);
        c.jle(store);
        c.mov(r11d, edi);
        c.and(r11d, unroll - 1);
        c.shr(edi, (byte)System.Numerics.BitOperations.Log2((uint)unroll));
        c.test(edi, edi); // a shift by 0 leaves the flags alone
        c.jz(rest);

        c.Label(ref loop);
        for (int u = 0; u < unroll; u++)
        {
            EmitStep(c, rows, vectors, aBytes * u, bBytes * u, config, Acc, B);
        }

        c.add(rsi, aBytes * unroll);
        c.add(rdx, bBytes * unroll);
        c.dec(edi);
        c.jnz(loop);

        c.Label(ref rest);
        c.test(r11d, r11d);
        c.jz(store);
        c.Label(ref restLoop);
        EmitStep(c, rows, vectors, 0, 0, config, Acc, B);
        c.add(rsi, aBytes);
        c.add(rdx, bBytes);
        c.dec(r11d);
        c.jnz(restLoop);

        c.Label(ref store);
        c.test(eax, eax);
        c.jnz(withBeta);
        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vmulps(Acc(r, v), Acc(r, v), __dword_bcst[rsp - 8]);
                if (nonTemporal)
                {
                    c.vmovntps(__zmmword_ptr[rcx + (64 * v)], Acc(r, v));
                }
                else
                {
                    c.vmovups(__zmmword_ptr[rcx + (64 * v)], Acc(r, v));
                }
            }

            c.add(rcx, r9);
        }

        c.vzeroupper();
        c.ret();

        // The B registers are free once the k loop is done: one holds beta, the next (or one past the tile) is scratch.
        c.Label(ref withBeta);
        AssemblerRegisterZMM beta = zmm[31], scratch = zmm[30];
        c.vbroadcastss(beta, __dword_ptr[rsp - 4]);
        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vmulps(scratch, beta, __zmmword_ptr[rcx + (64 * v)]);
                c.vfmadd231ps(scratch, Acc(r, v), __dword_bcst[rsp - 8]);
                c.vmovups(__zmmword_ptr[rcx + (64 * v)], scratch);
            }

            c.add(rcx, r9);
        }

        c.vzeroupper();
        c.ret();
    }

    /// <summary>One k pair: load the B vectors, then one <c>vdpbf16ps</c> per accumulator with A broadcast from memory.</summary>
    private static void EmitStep(
        Assembler c, int rows, int vectors, int aOffset, int bOffset, DotKernelConfig config,
        Func<int, int, AssemblerRegisterZMM> acc, Func<int, AssemblerRegisterZMM> b)
    {
        if (config.PrefetchB > 0)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.prefetcht0(__byte_ptr[rdx + (bOffset + (64 * v) + config.PrefetchB)]);
            }
        }

        if (config.PrefetchA > 0)
        {
            c.prefetcht0(__byte_ptr[rsi + (aOffset + config.PrefetchA)]);
        }

        for (int v = 0; v < vectors; v++)
        {
            c.vmovups(b(v), __zmmword_ptr[rdx + (bOffset + (64 * v))]);
        }

        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vdpbf16ps(acc(r, v), b(v), __dword_bcst[rsi + (aOffset + (4 * r))]);
            }
        }
    }
}
