using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>AVX2 + FMA FP32 microkernels (16 ymm registers); same contract as <see cref="MicroKernels512"/>.</summary>
internal static unsafe class MicroKernels256
{
    /// <summary>6 x 16 tile: 12 ymm accumulators (fits the 16 AVX2 registers with B and one broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel6x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default; Vector256<float> c0_1 = default;
        Vector256<float> c1_0 = default; Vector256<float> c1_1 = default;
        Vector256<float> c2_0 = default; Vector256<float> c2_1 = default;
        Vector256<float> c3_0 = default; Vector256<float> c3_1 = default;
        Vector256<float> c4_0 = default; Vector256<float> c4_1 = default;
        Vector256<float> c5_0 = default; Vector256<float> c5_1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(a1, b1, c1_1);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(a2, b1, c2_1);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c3_0 = Fma.MultiplyAdd(a3, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(a3, b1, c3_1);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c4_0 = Fma.MultiplyAdd(a4, b0, c4_0);
            c4_1 = Fma.MultiplyAdd(a4, b1, c4_1);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c5_0 = Fma.MultiplyAdd(a5, b0, c5_0);
            c5_1 = Fma.MultiplyAdd(a5, b1, c5_1);
            a += 6;
            b += 16;
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Vector256.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector256.Store(c0_1 * va, c + (0 * ldc) + 8);
            Vector256.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector256.Store(c1_1 * va, c + (1 * ldc) + 8);
            Vector256.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector256.Store(c2_1 * va, c + (2 * ldc) + 8);
            Vector256.Store(c3_0 * va, c + (3 * ldc) + 0);
            Vector256.Store(c3_1 * va, c + (3 * ldc) + 8);
            Vector256.Store(c4_0 * va, c + (4 * ldc) + 0);
            Vector256.Store(c4_1 * va, c + (4 * ldc) + 8);
            Vector256.Store(c5_0 * va, c + (5 * ldc) + 0);
            Vector256.Store(c5_1 * va, c + (5 * ldc) + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (0 * ldc) + 8, c0_1, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (1 * ldc) + 8, c1_1, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (2 * ldc) + 8, c2_1, va, vb);
            Update(c + (3 * ldc) + 0, c3_0, va, vb);
            Update(c + (3 * ldc) + 8, c3_1, va, vb);
            Update(c + (4 * ldc) + 0, c4_0, va, vb);
            Update(c + (4 * ldc) + 8, c4_1, va, vb);
            Update(c + (5 * ldc) + 0, c5_0, va, vb);
            Update(c + (5 * ldc) + 8, c5_1, va, vb);
        }
    }

    /// <summary>3 x 16 tile: 6 ymm accumulators (fits the 16 AVX2 registers with B and one broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel3x16(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default; Vector256<float> c0_1 = default;
        Vector256<float> c1_0 = default; Vector256<float> c1_1 = default;
        Vector256<float> c2_0 = default; Vector256<float> c2_1 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(a1, b1, c1_1);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(a2, b1, c2_1);
            a += 3;
            b += 16;
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Vector256.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector256.Store(c0_1 * va, c + (0 * ldc) + 8);
            Vector256.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector256.Store(c1_1 * va, c + (1 * ldc) + 8);
            Vector256.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector256.Store(c2_1 * va, c + (2 * ldc) + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (0 * ldc) + 8, c0_1, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (1 * ldc) + 8, c1_1, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (2 * ldc) + 8, c2_1, va, vb);
        }
    }

    /// <summary>6 x 8 tile: 6 ymm accumulators (fits the 16 AVX2 registers with B and one broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel6x8(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default;
        Vector256<float> c1_0 = default;
        Vector256<float> c2_0 = default;
        Vector256<float> c3_0 = default;
        Vector256<float> c4_0 = default;
        Vector256<float> c5_0 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c3_0 = Fma.MultiplyAdd(a3, b0, c3_0);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c4_0 = Fma.MultiplyAdd(a4, b0, c4_0);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c5_0 = Fma.MultiplyAdd(a5, b0, c5_0);
            a += 6;
            b += 8;
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Vector256.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector256.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector256.Store(c2_0 * va, c + (2 * ldc) + 0);
            Vector256.Store(c3_0 * va, c + (3 * ldc) + 0);
            Vector256.Store(c4_0 * va, c + (4 * ldc) + 0);
            Vector256.Store(c5_0 * va, c + (5 * ldc) + 0);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
            Update(c + (3 * ldc) + 0, c3_0, va, vb);
            Update(c + (4 * ldc) + 0, c4_0, va, vb);
            Update(c + (5 * ldc) + 0, c5_0, va, vb);
        }
    }

    /// <summary>3 x 8 tile: 3 ymm accumulators (fits the 16 AVX2 registers with B and one broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Kernel3x8(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default;
        Vector256<float> c1_0 = default;
        Vector256<float> c2_0 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
            a += 3;
            b += 8;
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Vector256.Store(c0_0 * va, c + (0 * ldc) + 0);
            Vector256.Store(c1_0 * va, c + (1 * ldc) + 0);
            Vector256.Store(c2_0 * va, c + (2 * ldc) + 0);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Update(c + (0 * ldc) + 0, c0_0, va, vb);
            Update(c + (1 * ldc) + 0, c1_0, va, vb);
            Update(c + (2 * ldc) + 0, c2_0, va, vb);
        }
    }


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector256<float> acc, Vector256<float> alpha, Vector256<float> beta) =>
        Vector256.Store(Fma.MultiplyAdd(acc, alpha, Vector256.Load(c) * beta), c);
}
