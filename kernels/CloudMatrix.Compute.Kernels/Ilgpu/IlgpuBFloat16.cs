using CloudMatrix.Compute.Numerics;
using ILGPU;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// bfloat16 inside ILGPU kernels, where there is no bfloat16 type: values travel as their raw <see cref="ushort"/>
/// bits, widen exactly to FP32 with a shift, and narrow with the very integer routine the CPU uses
/// (<see cref="BFloat16.RoundToBFloat16Bits(uint)"/>), so a kernel's stores are bit-identical to the CPU's.
/// </summary>
internal static class IlgpuBFloat16
{
    /// <summary>Widens bfloat16 bits to the FP32 value they denote (exact for every pattern).</summary>
    public static float Widen(ushort bits) => Interop.IntAsFloat((uint)bits << 16);

    /// <summary>Narrows to bfloat16 bits: round to nearest, ties to even; NaN becomes a quiet NaN of the same sign.</summary>
    public static ushort Narrow(float value) => BFloat16.RoundToBFloat16Bits(Interop.FloatAsInt(value));
}
