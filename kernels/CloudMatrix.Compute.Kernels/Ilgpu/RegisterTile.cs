using System.Runtime.InteropServices;
using ILGPU;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// Four consecutive floats of shared memory, 16-byte aligned: ILGPU reads such a struct with one 128-bit load
/// (<c>ld.shared.v4.f32</c>), a quarter of the load instructions four scalar reads would take.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal readonly struct Float4(float x, float y, float z, float w)
{
    public readonly float X = x;
    public readonly float Y = y;
    public readonly float Z = z;
    public readonly float W = w;
}

/// <summary>
/// Eight floats held in registers. Kernels index registers only with constants, so the values are named fields
/// rather than an array: an array would be placed in (slow) local memory unless every loop over it were unrolled.
/// </summary>
internal readonly struct Float8(float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
{
    public readonly float V0 = v0;
    public readonly float V1 = v1;
    public readonly float V2 = v2;
    public readonly float V3 = v3;
    public readonly float V4 = v4;
    public readonly float V5 = v5;
    public readonly float V6 = v6;
    public readonly float V7 = v7;

    /// <summary>Joins two quads: <paramref name="low"/> becomes V0..V3, <paramref name="high"/> V4..V7.</summary>
    public static Float8 Join(Float4 low, Float4 high) =>
        new(low.X, low.Y, low.Z, low.W, high.X, high.Y, high.Z, high.W);

    /// <summary>Returns <c>acc + a * b</c> element-wise (one multiply and one add per element, in FP32).</summary>
    public static Float8 MultiplyAdd(Float8 acc, float a, Float8 b) => new(
        acc.V0 + (a * b.V0), acc.V1 + (a * b.V1), acc.V2 + (a * b.V2), acc.V3 + (a * b.V3),
        acc.V4 + (a * b.V4), acc.V5 + (a * b.V5), acc.V6 + (a * b.V6), acc.V7 + (a * b.V7));
}

/// <summary>
/// One thread's 8 x 8 block of FP32 accumulators: row <c>i</c> is <c>R{i}</c>, column <c>j</c> its field <c>V{j}</c>.
/// </summary>
internal readonly struct Block8x8(Float8 r0, Float8 r1, Float8 r2, Float8 r3, Float8 r4, Float8 r5, Float8 r6, Float8 r7)
{
    public readonly Float8 R0 = r0;
    public readonly Float8 R1 = r1;
    public readonly Float8 R2 = r2;
    public readonly Float8 R3 = r3;
    public readonly Float8 R4 = r4;
    public readonly Float8 R5 = r5;
    public readonly Float8 R6 = r6;
    public readonly Float8 R7 = r7;

    /// <summary>Adds the outer product <c>a b^T</c> of a column of op(A) and a row of op(B).</summary>
    public static Block8x8 MultiplyAdd(Block8x8 acc, Float8 a, Float8 b) => new(
        Float8.MultiplyAdd(acc.R0, a.V0, b), Float8.MultiplyAdd(acc.R1, a.V1, b),
        Float8.MultiplyAdd(acc.R2, a.V2, b), Float8.MultiplyAdd(acc.R3, a.V3, b),
        Float8.MultiplyAdd(acc.R4, a.V4, b), Float8.MultiplyAdd(acc.R5, a.V5, b),
        Float8.MultiplyAdd(acc.R6, a.V6, b), Float8.MultiplyAdd(acc.R7, a.V7, b));
}
