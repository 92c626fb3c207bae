using ILGPU;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// Element-wise ILGPU kernels: float/bfloat16 conversion and the steps of a sum of N buffers. Each thread reads
/// element <c>i</c> of its inputs before it writes element <c>i</c> of its output, so an output may be one of the
/// inputs (in-place).
/// </summary>
/// <remarks>
/// A sum of N buffers is built from these steps in one fixed order, <c>((s0 + s1) + s2) + ... + s(N-1)</c>, in FP32,
/// with bfloat16 inputs widened exactly and the result rounded once on store; this is the order of
/// <see cref="Reduce.BufferSum"/> on the CPU, so both give the same bits.
/// </remarks>
internal static class IlgpuElementwiseKernels
{
    /// <summary><c>destination[i] = round(source[i])</c> to bfloat16 bits.</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void ConvertToBFloat16(Index1D i, ArrayView<float> source, ArrayView<ushort> destination) =>
        destination[i] = IlgpuBFloat16.Narrow(source[i]);

    /// <summary><c>destination[i] = widen(source[i])</c> from bfloat16 bits (exact).</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void ConvertToSingle(Index1D i, ArrayView<ushort> source, ArrayView<float> destination) =>
        destination[i] = IlgpuBFloat16.Widen(source[i]);

    /// <summary><c>destination[i] = x[i] + y[i]</c> in FP32.</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void AddSingle(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> destination) =>
        destination[i] = x[i] + y[i];

    /// <summary><c>destination[i] = widen(x[i]) + widen(y[i])</c>: the first step of a bfloat16 sum, kept in FP32.</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void AddBFloat16ToSingle(Index1D i, ArrayView<ushort> x, ArrayView<ushort> y, ArrayView<float> destination) =>
        destination[i] = IlgpuBFloat16.Widen(x[i]) + IlgpuBFloat16.Widen(y[i]);

    /// <summary><c>destination[i] = sum[i] + widen(y[i])</c>: a middle step of a bfloat16 sum, kept in FP32.</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void AccumulateBFloat16(Index1D i, ArrayView<float> sum, ArrayView<ushort> y, ArrayView<float> destination) =>
        destination[i] = sum[i] + IlgpuBFloat16.Widen(y[i]);

    /// <summary><c>destination[i] = round(sum[i] + widen(y[i]))</c>: the last step of a bfloat16 sum.</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void FinishBFloat16(Index1D i, ArrayView<float> sum, ArrayView<ushort> y, ArrayView<ushort> destination) =>
        destination[i] = IlgpuBFloat16.Narrow(sum[i] + IlgpuBFloat16.Widen(y[i]));

    /// <summary><c>destination[i] = round(widen(x[i]) + widen(y[i]))</c>: a whole sum of two bfloat16 buffers.</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void AddBFloat16(Index1D i, ArrayView<ushort> x, ArrayView<ushort> y, ArrayView<ushort> destination) =>
        destination[i] = IlgpuBFloat16.Narrow(IlgpuBFloat16.Widen(x[i]) + IlgpuBFloat16.Widen(y[i]));

    /// <summary><c>destination[i] = round(widen(x[i]))</c>: the sum of one bfloat16 buffer (equal bits, except that a
    /// signalling NaN comes out quiet, as every bfloat16 store does).</summary>
    [IlgpuKernel(explicitlyGrouped: false)]
    public static void RoundTripBFloat16(Index1D i, ArrayView<ushort> x, ArrayView<ushort> destination) =>
        destination[i] = IlgpuBFloat16.Narrow(IlgpuBFloat16.Widen(x[i]));
}
