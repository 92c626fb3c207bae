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
    private static readonly Lazy<GemmMicroKernel?> Instance = new(Build);

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

    private static GemmMicroKernel? Build()
    {
        if (!CpuSupportsBf16Dot || !ExecutableMemory.IsSupported)
        {
            return null;
        }

        try
        {
            // The four tile shapes share one mapping; each entry starts on a 64-byte boundary.
            (int Rows, int Vectors)[] shapes = [(12, 2), (6, 2), (12, 1), (6, 1)];
            var code = new List<byte>();
            int[] offsets = new int[shapes.Length];
            for (int s = 0; s < shapes.Length; s++)
            {
                while (code.Count % 64 != 0)
                {
                    code.Add(0xCC);
                }

                offsets[s] = code.Count;
                var assembler = new Assembler(64);
                Emit(assembler, shapes[s].Rows, shapes[s].Vectors);
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
                "avx512bf16-dot-12x32", mr: 12, nr: 32, mc: 192, kc: 1024, nc: 4096,
                At(0), mrShort: 6, nrNarrow: 16, At(1), At(2), At(3));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // An assembler failure leaves the managed kernels in charge.
            return null;
        }
    }

    /// <summary>Emits one <c>rows x (16 * vectors)</c> kernel.</summary>
    private static void Emit(Assembler c, int rows, int vectors)
    {
        AssemblerRegisterZMM[] zmm =
        [
            zmm0, zmm1, zmm2, zmm3, zmm4, zmm5, zmm6, zmm7, zmm8, zmm9, zmm10, zmm11, zmm12, zmm13, zmm14, zmm15,
            zmm16, zmm17, zmm18, zmm19, zmm20, zmm21, zmm22, zmm23, zmm24, zmm25, zmm26, zmm27, zmm28, zmm29, zmm30, zmm31,
        ];
        AssemblerRegisterZMM Acc(int r, int v) => zmm[2 + (r * vectors) + v];
        AssemblerRegisterZMM[] b = [zmm26, zmm27];
        AssemblerRegisterZMM alpha = zmm30, beta = zmm31, scratch = zmm28;

        Label loop = c.CreateLabel(), store = c.CreateLabel(), withBeta = c.CreateLabel();

        // alpha and beta arrive in xmm0 and xmm1; keep them clear of the accumulators (zmm2 up).
        c.vbroadcastss(alpha, xmm0);
        c.vbroadcastss(beta, xmm1);
        c.vmovd(eax, xmm1);
        c.and(eax, 0x7FFF_FFFF);
        c.lea(r9, __[r8 * 4]);

        // Start the C tile on its way to L1; it is touched only after the k loop.
        c.mov(r10, rcx);
        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.prefetcht0(__byte_ptr[r10 + (64 * v)]);
            }

            c.add(r10, r9);
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
        c.Label(ref loop);
        for (int v = 0; v < vectors; v++)
        {
            c.vmovups(b[v], __zmmword_ptr[rdx + (64 * v)]);
        }

        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vdpbf16ps(Acc(r, v), b[v], __dword_bcst[rsi + (4 * r)]);
            }
        }

        c.add(rsi, 4 * rows);
        c.add(rdx, 64 * vectors);
        c.dec(edi);
        c.jnz(loop);

        c.Label(ref store);
        c.test(eax, eax);
        c.jnz(withBeta);
        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vmulps(Acc(r, v), Acc(r, v), alpha);
                c.vmovups(__zmmword_ptr[rcx + (64 * v)], Acc(r, v));
            }

            c.add(rcx, r9);
        }

        c.vzeroupper();
        c.ret();

        c.Label(ref withBeta);
        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                c.vmulps(scratch, beta, __zmmword_ptr[rcx + (64 * v)]);
                c.vfmadd231ps(scratch, Acc(r, v), alpha);
                c.vmovups(__zmmword_ptr[rcx + (64 * v)], scratch);
            }

            c.add(rcx, r9);
        }

        c.vzeroupper();
        c.ret();
    }
}
