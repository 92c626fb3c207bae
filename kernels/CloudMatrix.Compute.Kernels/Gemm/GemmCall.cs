namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// One validated GEMM on pinned storage: what the driver and the worker threads share. Exactly one of
/// <see cref="C"/> and <see cref="CBFloat16"/> is set.
/// </summary>
internal unsafe struct GemmCall
{
    public GemmTranspose TransA;
    public GemmTranspose TransB;
    public int M;
    public int N;
    public int K;
    public float Alpha;
    public float Beta;
    public ushort* A;
    public nint Lda;
    public ushort* B;
    public nint Ldb;
    public float* C;
    public ushort* CBFloat16;
    public nint Ldc;
}
