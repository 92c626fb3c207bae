using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CloudMatrix.Compute.Kernels.Gemm;

// Generated shape: every tile size is the same code with a different number of accumulators, so the kernels
// below are written out in full (the JIT keeps each accumulator in its own zmm register only when it is a
// separate local). A kernel reads a packed A micro-panel (kc x MR, MR floats per k) and a packed B micro-panel
// (kc x NR, NR floats per k) and writes C = alpha * acc + beta * C, or alpha * acc when beta is 0 (C not read).

/// <summary>AVX-512 FP32 FMA microkernels (32 zmm registers).</summary>
internal static unsafe class MicroKernels512
{
    /// <summary>12 x 32 tile: 24 zmm accumulators, A broadcast per row, B loaded as 2 vectors per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel12x32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default;
        Vector512<float> c5_0 = default; Vector512<float> c5_1 = default;
        Vector512<float> c6_0 = default; Vector512<float> c6_1 = default;
        Vector512<float> c7_0 = default; Vector512<float> c7_1 = default;
        Vector512<float> c8_0 = default; Vector512<float> c8_1 = default;
        Vector512<float> c9_0 = default; Vector512<float> c9_1 = default;
        Vector512<float> c10_0 = default; Vector512<float> c10_1 = default;
        Vector512<float> c11_0 = default; Vector512<float> c11_1 = default;

        // Start the C tile on its way to L1 now; it is read or written only after the k loop.
        Sse.Prefetch0(c + (0 * ldc) + 0); Sse.Prefetch0(c + (0 * ldc) + 16);
        Sse.Prefetch0(c + (1 * ldc) + 0); Sse.Prefetch0(c + (1 * ldc) + 16);
        Sse.Prefetch0(c + (2 * ldc) + 0); Sse.Prefetch0(c + (2 * ldc) + 16);
        Sse.Prefetch0(c + (3 * ldc) + 0); Sse.Prefetch0(c + (3 * ldc) + 16);
        Sse.Prefetch0(c + (4 * ldc) + 0); Sse.Prefetch0(c + (4 * ldc) + 16);
        Sse.Prefetch0(c + (5 * ldc) + 0); Sse.Prefetch0(c + (5 * ldc) + 16);
        Sse.Prefetch0(c + (6 * ldc) + 0); Sse.Prefetch0(c + (6 * ldc) + 16);
        Sse.Prefetch0(c + (7 * ldc) + 0); Sse.Prefetch0(c + (7 * ldc) + 16);
        Sse.Prefetch0(c + (8 * ldc) + 0); Sse.Prefetch0(c + (8 * ldc) + 16);
        Sse.Prefetch0(c + (9 * ldc) + 0); Sse.Prefetch0(c + (9 * ldc) + 16);
        Sse.Prefetch0(c + (10 * ldc) + 0); Sse.Prefetch0(c + (10 * ldc) + 16);
        Sse.Prefetch0(c + (11 * ldc) + 0); Sse.Prefetch0(c + (11 * ldc) + 16);

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(a4, b1, c4_1);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Avx512F.FusedMultiplyAdd(a5, b1, c5_1);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c6_0 = Avx512F.FusedMultiplyAdd(a6, b0, c6_0);
            c6_1 = Avx512F.FusedMultiplyAdd(a6, b1, c6_1);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c7_0 = Avx512F.FusedMultiplyAdd(a7, b0, c7_0);
            c7_1 = Avx512F.FusedMultiplyAdd(a7, b1, c7_1);
            Vector512<float> a8 = Vector512.Create(a[8]);
            c8_0 = Avx512F.FusedMultiplyAdd(a8, b0, c8_0);
            c8_1 = Avx512F.FusedMultiplyAdd(a8, b1, c8_1);
            Vector512<float> a9 = Vector512.Create(a[9]);
            c9_0 = Avx512F.FusedMultiplyAdd(a9, b0, c9_0);
            c9_1 = Avx512F.FusedMultiplyAdd(a9, b1, c9_1);
            Vector512<float> a10 = Vector512.Create(a[10]);
            c10_0 = Avx512F.FusedMultiplyAdd(a10, b0, c10_0);
            c10_1 = Avx512F.FusedMultiplyAdd(a10, b1, c10_1);
            Vector512<float> a11 = Vector512.Create(a[11]);
            c11_0 = Avx512F.FusedMultiplyAdd(a11, b0, c11_0);
            c11_1 = Avx512F.FusedMultiplyAdd(a11, b1, c11_1);
            a += 12;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector512.Store(c0_1 * va, c + (0 * ldc) + 16);
            Vector512.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector512.Store(c1_1 * va, c + (1 * ldc) + 16);
            Vector512.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector512.Store(c2_1 * va, c + (2 * ldc) + 16);
            Vector512.Store(c3_0 * va, c + (3 * ldc) + 0);
            Vector512.Store(c3_1 * va, c + (3 * ldc) + 16);
            Vector512.Store(c4_0 * va, c + (4 * ldc) + 0);
            Vector512.Store(c4_1 * va, c + (4 * ldc) + 16);
            Vector512.Store(c5_0 * va, c + (5 * ldc) + 0);
            Vector512.Store(c5_1 * va, c + (5 * ldc) + 16);
            Vector512.Store(c6_0 * va, c + (6 * ldc) + 0);
            Vector512.Store(c6_1 * va, c + (6 * ldc) + 16);
            Vector512.Store(c7_0 * va, c + (7 * ldc) + 0);
            Vector512.Store(c7_1 * va, c + (7 * ldc) + 16);
            Vector512.Store(c8_0 * va, c + (8 * ldc) + 0);
            Vector512.Store(c8_1 * va, c + (8 * ldc) + 16);
            Vector512.Store(c9_0 * va, c + (9 * ldc) + 0);
            Vector512.Store(c9_1 * va, c + (9 * ldc) + 16);
            Vector512.Store(c10_0 * va, c + (10 * ldc) + 0);
            Vector512.Store(c10_1 * va, c + (10 * ldc) + 16);
            Vector512.Store(c11_0 * va, c + (11 * ldc) + 0);
            Vector512.Store(c11_1 * va, c + (11 * ldc) + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (0 * ldc) + 16, c0_1, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (1 * ldc) + 16, c1_1, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (2 * ldc) + 16, c2_1, va, vb);
            Update(c + (3 * ldc) + 0, c3_0, va, vb);
            Update(c + (3 * ldc) + 16, c3_1, va, vb);
            Update(c + (4 * ldc) + 0, c4_0, va, vb);
            Update(c + (4 * ldc) + 16, c4_1, va, vb);
            Update(c + (5 * ldc) + 0, c5_0, va, vb);
            Update(c + (5 * ldc) + 16, c5_1, va, vb);
            Update(c + (6 * ldc) + 0, c6_0, va, vb);
            Update(c + (6 * ldc) + 16, c6_1, va, vb);
            Update(c + (7 * ldc) + 0, c7_0, va, vb);
            Update(c + (7 * ldc) + 16, c7_1, va, vb);
            Update(c + (8 * ldc) + 0, c8_0, va, vb);
            Update(c + (8 * ldc) + 16, c8_1, va, vb);
            Update(c + (9 * ldc) + 0, c9_0, va, vb);
            Update(c + (9 * ldc) + 16, c9_1, va, vb);
            Update(c + (10 * ldc) + 0, c10_0, va, vb);
            Update(c + (10 * ldc) + 16, c10_1, va, vb);
            Update(c + (11 * ldc) + 0, c11_0, va, vb);
            Update(c + (11 * ldc) + 16, c11_1, va, vb);
        }
    }

    /// <summary>6 x 32 tile: 12 zmm accumulators, A broadcast per row, B loaded as 2 vectors per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel6x32(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default; Vector512<float> c0_1 = default;
        Vector512<float> c1_0 = default; Vector512<float> c1_1 = default;
        Vector512<float> c2_0 = default; Vector512<float> c2_1 = default;
        Vector512<float> c3_0 = default; Vector512<float> c3_1 = default;
        Vector512<float> c4_0 = default; Vector512<float> c4_1 = default;
        Vector512<float> c5_0 = default; Vector512<float> c5_1 = default;

        // Start the C tile on its way to L1 now; it is read or written only after the k loop.
        Sse.Prefetch0(c + (0 * ldc) + 0); Sse.Prefetch0(c + (0 * ldc) + 16);
        Sse.Prefetch0(c + (1 * ldc) + 0); Sse.Prefetch0(c + (1 * ldc) + 16);
        Sse.Prefetch0(c + (2 * ldc) + 0); Sse.Prefetch0(c + (2 * ldc) + 16);
        Sse.Prefetch0(c + (3 * ldc) + 0); Sse.Prefetch0(c + (3 * ldc) + 16);
        Sse.Prefetch0(c + (4 * ldc) + 0); Sse.Prefetch0(c + (4 * ldc) + 16);
        Sse.Prefetch0(c + (5 * ldc) + 0); Sse.Prefetch0(c + (5 * ldc) + 16);

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(a4, b1, c4_1);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Avx512F.FusedMultiplyAdd(a5, b1, c5_1);
            a += 6;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector512.Store(c0_1 * va, c + (0 * ldc) + 16);
            Vector512.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector512.Store(c1_1 * va, c + (1 * ldc) + 16);
            Vector512.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector512.Store(c2_1 * va, c + (2 * ldc) + 16);
            Vector512.Store(c3_0 * va, c + (3 * ldc) + 0);
            Vector512.Store(c3_1 * va, c + (3 * ldc) + 16);
            Vector512.Store(c4_0 * va, c + (4 * ldc) + 0);
            Vector512.Store(c4_1 * va, c + (4 * ldc) + 16);
            Vector512.Store(c5_0 * va, c + (5 * ldc) + 0);
            Vector512.Store(c5_1 * va, c + (5 * ldc) + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (0 * ldc) + 16, c0_1, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (1 * ldc) + 16, c1_1, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (2 * ldc) + 16, c2_1, va, vb);
            Update(c + (3 * ldc) + 0, c3_0, va, vb);
            Update(c + (3 * ldc) + 16, c3_1, va, vb);
            Update(c + (4 * ldc) + 0, c4_0, va, vb);
            Update(c + (4 * ldc) + 16, c4_1, va, vb);
            Update(c + (5 * ldc) + 0, c5_0, va, vb);
            Update(c + (5 * ldc) + 16, c5_1, va, vb);
        }
    }

    /// <summary>12 x 16 tile: 12 zmm accumulators, A broadcast per row, B loaded as 1 vectors per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel12x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c5_0 = default;
        Vector512<float> c6_0 = default;
        Vector512<float> c7_0 = default;
        Vector512<float> c8_0 = default;
        Vector512<float> c9_0 = default;
        Vector512<float> c10_0 = default;
        Vector512<float> c11_0 = default;

        // Start the C tile on its way to L1 now; it is read or written only after the k loop.
        Sse.Prefetch0(c + (0 * ldc) + 0);
        Sse.Prefetch0(c + (1 * ldc) + 0);
        Sse.Prefetch0(c + (2 * ldc) + 0);
        Sse.Prefetch0(c + (3 * ldc) + 0);
        Sse.Prefetch0(c + (4 * ldc) + 0);
        Sse.Prefetch0(c + (5 * ldc) + 0);
        Sse.Prefetch0(c + (6 * ldc) + 0);
        Sse.Prefetch0(c + (7 * ldc) + 0);
        Sse.Prefetch0(c + (8 * ldc) + 0);
        Sse.Prefetch0(c + (9 * ldc) + 0);
        Sse.Prefetch0(c + (10 * ldc) + 0);
        Sse.Prefetch0(c + (11 * ldc) + 0);

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
            Vector512<float> a6 = Vector512.Create(a[6]);
            c6_0 = Avx512F.FusedMultiplyAdd(a6, b0, c6_0);
            Vector512<float> a7 = Vector512.Create(a[7]);
            c7_0 = Avx512F.FusedMultiplyAdd(a7, b0, c7_0);
            Vector512<float> a8 = Vector512.Create(a[8]);
            c8_0 = Avx512F.FusedMultiplyAdd(a8, b0, c8_0);
            Vector512<float> a9 = Vector512.Create(a[9]);
            c9_0 = Avx512F.FusedMultiplyAdd(a9, b0, c9_0);
            Vector512<float> a10 = Vector512.Create(a[10]);
            c10_0 = Avx512F.FusedMultiplyAdd(a10, b0, c10_0);
            Vector512<float> a11 = Vector512.Create(a[11]);
            c11_0 = Avx512F.FusedMultiplyAdd(a11, b0, c11_0);
            a += 12;
            b += 16;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector512.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector512.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector512.Store(c3_0 * va, c + (3 * ldc) + 0);
            Vector512.Store(c4_0 * va, c + (4 * ldc) + 0);
            Vector512.Store(c5_0 * va, c + (5 * ldc) + 0);
            Vector512.Store(c6_0 * va, c + (6 * ldc) + 0);
            Vector512.Store(c7_0 * va, c + (7 * ldc) + 0);
            Vector512.Store(c8_0 * va, c + (8 * ldc) + 0);
            Vector512.Store(c9_0 * va, c + (9 * ldc) + 0);
            Vector512.Store(c10_0 * va, c + (10 * ldc) + 0);
            Vector512.Store(c11_0 * va, c + (11 * ldc) + 0);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (3 * ldc) + 0, c3_0, va, vb);
            Update(c + (4 * ldc) + 0, c4_0, va, vb);
            Update(c + (5 * ldc) + 0, c5_0, va, vb);
            Update(c + (6 * ldc) + 0, c6_0, va, vb);
            Update(c + (7 * ldc) + 0, c7_0, va, vb);
            Update(c + (8 * ldc) + 0, c8_0, va, vb);
            Update(c + (9 * ldc) + 0, c9_0, va, vb);
            Update(c + (10 * ldc) + 0, c10_0, va, vb);
            Update(c + (11 * ldc) + 0, c11_0, va, vb);
        }
    }

    /// <summary>6 x 16 tile: 6 zmm accumulators, A broadcast per row, B loaded as 1 vectors per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel6x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default;
        Vector512<float> c1_0 = default;
        Vector512<float> c2_0 = default;
        Vector512<float> c3_0 = default;
        Vector512<float> c4_0 = default;
        Vector512<float> c5_0 = default;

        // Start the C tile on its way to L1 now; it is read or written only after the k loop.
        Sse.Prefetch0(c + (0 * ldc) + 0);
        Sse.Prefetch0(c + (1 * ldc) + 0);
        Sse.Prefetch0(c + (2 * ldc) + 0);
        Sse.Prefetch0(c + (3 * ldc) + 0);
        Sse.Prefetch0(c + (4 * ldc) + 0);
        Sse.Prefetch0(c + (5 * ldc) + 0);

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
            a += 6;
            b += 16;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector512.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector512.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector512.Store(c3_0 * va, c + (3 * ldc) + 0);
            Vector512.Store(c4_0 * va, c + (4 * ldc) + 0);
            Vector512.Store(c5_0 * va, c + (5 * ldc) + 0);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (3 * ldc) + 0, c3_0, va, vb);
            Update(c + (4 * ldc) + 0, c4_0, va, vb);
            Update(c + (5 * ldc) + 0, c5_0, va, vb);
        }
    }


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector512<float> acc, Vector512<float> alpha, Vector512<float> beta) =>
        Vector512.Store(Avx512F.FusedMultiplyAdd(acc, alpha, Vector512.Load(c) * beta), c);
}
