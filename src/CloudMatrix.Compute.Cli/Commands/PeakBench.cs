using System.Runtime.Intrinsics.X86;
using CloudMatrix.Compute.Kernels.Peak;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>What <c>cmx bench peak</c> reports (JSON fields in snake_case; GFLOP/s = 1e9 FLOP/s, GB/s = 1e9 bytes/s).</summary>
/// <param name="CpuFamily">x86 family from CPUID (25 = Zen 3/4, 26 = Zen 5); 0 off x86.</param>
/// <param name="CpuModel">x86 model from CPUID; 0 off x86.</param>
/// <param name="Threads">Threads of the all-threads figures.</param>
/// <param name="Accumulators">Independent accumulator chains per thread in the instruction loops.</param>
/// <param name="Bf16DotGflopsOneThread"><c>vdpbf16ps</c> zmm on one thread (64 FLOP per instruction); null where the host lacks AVX512_BF16.</param>
/// <param name="Bf16DotGflops"><c>vdpbf16ps</c> zmm on <paramref name="Threads"/> threads; null likewise.</param>
/// <param name="Fp32FmaGflopsOneThread"><c>vfmadd231ps</c> zmm on one thread (32 FLOP per instruction); null without AVX-512F.</param>
/// <param name="Fp32FmaGflops"><c>vfmadd231ps</c> zmm on <paramref name="Threads"/> threads; null likewise.</param>
/// <param name="MemoryBytes">Bytes of each streamed buffer.</param>
/// <param name="MemoryReadGbpsOneThread">Streaming read (vector sum) on one thread, GB/s.</param>
/// <param name="MemoryReadGbps">Streaming read on <paramref name="Threads"/> threads, GB/s.</param>
/// <param name="MemoryCopyGbpsOneThread">Bytes copied per second on one thread (traffic is twice this), GB/s.</param>
/// <param name="MemoryCopyGbps">Bytes copied per second on <paramref name="Threads"/> threads, GB/s.</param>
internal sealed record PeakBenchResult(
    int CpuFamily, int CpuModel, int Threads, int Accumulators,
    double? Bf16DotGflopsOneThread, double? Bf16DotGflops, double? Fp32FmaGflopsOneThread, double? Fp32FmaGflops,
    long MemoryBytes, double MemoryReadGbpsOneThread, double MemoryReadGbps, double MemoryCopyGbpsOneThread, double MemoryCopyGbps);

/// <summary>The limits benchmark: instruction peaks and memory bandwidth, in process.</summary>
internal static class PeakBench
{
    /// <summary>The instruction's name in reports.</summary>
    public static string Describe(PeakInstruction instruction) =>
        instruction == PeakInstruction.BFloat16DotZmm ? "vdpbf16ps-zmm" : "fp32-fma-zmm";

    public static PeakBenchResult Run(int threads, int accumulators, int memoryMiB, TextWriter progress)
    {
        double? Peak(PeakInstruction instruction, int t)
        {
            if (!HostPeak.IsSupported(instruction))
            {
                return null;
            }

            progress.WriteLine($"peak: {Describe(instruction)} on {t} thread(s)");
            return HostPeak.MeasureGflops(instruction, t, accumulators, trialSeconds: 0.1, trials: 5);
        }

        double? dot1 = Peak(PeakInstruction.BFloat16DotZmm, 1), dot = Peak(PeakInstruction.BFloat16DotZmm, threads);
        double? fma1 = Peak(PeakInstruction.Fp32FmaZmm, 1), fma = Peak(PeakInstruction.Fp32FmaZmm, threads);
        long bytes = (long)memoryMiB << 20;
        progress.WriteLine($"peak: memory, 2 x {memoryMiB} MiB, 1 and {threads} thread(s)");
        MemoryBandwidth one = HostPeak.MeasureMemoryBandwidth(1, bytes);
        MemoryBandwidth all = HostPeak.MeasureMemoryBandwidth(threads, bytes);
        (int family, int model) = CpuFamilyAndModel();
        return new PeakBenchResult(family, model, threads, accumulators, dot1, dot, fma1, fma, bytes,
            one.ReadBytesPerSecond / 1e9, all.ReadBytesPerSecond / 1e9, one.CopyBytesPerSecond / 1e9, all.CopyBytesPerSecond / 1e9);
    }

    public static void Print(PeakBenchResult r, TextWriter output)
    {
        static string F(double? value) => value is double v ? $"{v,8:F1}" : "     n/a";
        output.WriteLine($"host limits (x86 family {r.CpuFamily}, model {r.CpuModel}), {r.Accumulators} accumulators per thread, best of 5");
        output.WriteLine($"                          1 thread  {r.Threads} threads");
        output.WriteLine($"  vdpbf16ps zmm GFLOP/s   {F(r.Bf16DotGflopsOneThread)}  {F(r.Bf16DotGflops)}");
        output.WriteLine($"  FP32 FMA zmm GFLOP/s    {F(r.Fp32FmaGflopsOneThread)}  {F(r.Fp32FmaGflops)}");
        output.WriteLine($"  memory read GB/s        {F(r.MemoryReadGbpsOneThread)}  {F(r.MemoryReadGbps)}");
        output.WriteLine($"  memory copy GB/s        {F(r.MemoryCopyGbpsOneThread)}  {F(r.MemoryCopyGbps)}   (bytes copied; traffic is twice)");
    }

    /// <summary>Family and model as CPUID leaf 1 encodes them (extended fields added when the base family is 15).</summary>
    private static (int Family, int Model) CpuFamilyAndModel()
    {
        if (!X86Base.IsSupported)
        {
            return (0, 0);
        }

        (int eax, _, _, _) = X86Base.CpuId(1, 0);
        int family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
        if (family == 0xF)
        {
            family += (eax >> 20) & 0xFF;
        }

        if (family >= 0x6)
        {
            model += ((eax >> 16) & 0xF) << 4;
        }

        return (family, model);
    }
}
