using CloudMatrix.Compute.Kernels.Gemm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace CloudMatrix.Compute.Kernels.Peak;

/// <summary>
/// Throughput loops in machine code generated at run time (the mechanism of <see cref="BFloat16DotKernels"/>):
/// <c>accumulators</c> independent chains of one instruction, so the loop is bound by issue width, not latency.
/// </summary>
/// <remarks>
/// <para>Arguments (System V): rdi = iterations (each runs every chain <see cref="Unroll"/> times), rsi = two zmm of
/// operands (64 bytes each), rdx = where the accumulators are stored at the end (accumulators x 16 floats). The
/// accumulators start at zero. Storing them keeps the result observable, so tests check it in closed form.</para>
/// </remarks>
internal static unsafe class PeakLoops
{
    /// <summary>Times each chain advances per loop iteration (a short body would leave loop overhead visible).</summary>
    internal const int Unroll = 4;

    /// <summary>Most chains a loop may have: two zmm are the operands.</summary>
    internal const int MaxAccumulators = 30;

    private static readonly Dictionary<(PeakInstruction, int), nint> Cache = [];
    private static readonly Lock Gate = new();

    /// <summary>Whether the host can run the loop of <paramref name="instruction"/>.</summary>
    internal static bool IsSupported(PeakInstruction instruction) => instruction switch
    {
        PeakInstruction.BFloat16DotZmm => BFloat16DotKernels.CpuSupportsBf16Dot && ExecutableMemory.IsSupported,
        PeakInstruction.Fp32FmaZmm => System.Runtime.Intrinsics.X86.Avx512F.IsSupported && ExecutableMemory.IsSupported,
        _ => false,
    };

    /// <summary>The generated loop, or 0 when the host cannot run it.</summary>
    internal static nint Get(PeakInstruction instruction, int accumulators)
    {
        if (!IsSupported(instruction) || accumulators is < 1 or > MaxAccumulators)
        {
            return 0;
        }

        lock (Gate)
        {
            if (!Cache.TryGetValue((instruction, accumulators), out nint loop))
            {
                loop = Build(instruction, accumulators);
                Cache[(instruction, accumulators)] = loop;
            }

            return loop;
        }
    }

    /// <summary>Runs <paramref name="iterations"/> iterations of a loop from <see cref="Get"/>.</summary>
    internal static void Run(nint loop, long iterations, float* operands, float* accumulators) =>
        ((delegate* unmanaged<long, float*, float*, void>)loop)(iterations, operands, accumulators);

    /// <summary>Multiply-adds one instruction of <paramref name="instruction"/> performs (FLOP = twice this).</summary>
    internal static int MultiplyAddsPerInstruction(PeakInstruction instruction) =>
        instruction == PeakInstruction.BFloat16DotZmm ? 32 : 16;

    private static nint Build(PeakInstruction instruction, int accumulators)
    {
        AssemblerRegisterZMM[] zmm =
        [
            zmm0, zmm1, zmm2, zmm3, zmm4, zmm5, zmm6, zmm7, zmm8, zmm9, zmm10, zmm11, zmm12, zmm13, zmm14, zmm15,
            zmm16, zmm17, zmm18, zmm19, zmm20, zmm21, zmm22, zmm23, zmm24, zmm25, zmm26, zmm27, zmm28, zmm29, zmm30, zmm31,
        ];
        AssemblerRegisterZMM x = zmm30, y = zmm31;
        var c = new Assembler(64);
        Label loop = c.CreateLabel(), done = c.CreateLabel();

        c.vmovups(x, __zmmword_ptr[rsi]);
        c.vmovups(y, __zmmword_ptr[rsi + 64]);
        for (int i = 0; i < accumulators; i++)
        {
            c.vpxord(zmm[i], zmm[i], zmm[i]);
        }

        c.test(rdi, rdi);
        c.jle(done);
        c.Label(ref loop);
        for (int u = 0; u < Unroll; u++)
        {
            for (int i = 0; i < accumulators; i++)
            {
                if (instruction == PeakInstruction.BFloat16DotZmm)
                {
                    c.vdpbf16ps(zmm[i], x, y);
                }
                else
                {
                    c.vfmadd231ps(zmm[i], x, y);
                }
            }
        }

        c.dec(rdi);
        c.jnz(loop);
        c.Label(ref done);
        for (int i = 0; i < accumulators; i++)
        {
            c.vmovups(__zmmword_ptr[rdx + (64 * i)], zmm[i]);
        }

        c.vzeroupper();
        c.ret();

        using var stream = new MemoryStream();
        c.Assemble(new StreamCodeWriter(stream), 0);
        return (nint)ExecutableMemory.TryMap(stream.ToArray());
    }
}
