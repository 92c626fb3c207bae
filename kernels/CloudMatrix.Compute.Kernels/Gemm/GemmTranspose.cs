namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>How a GEMM operand is read from its row-major storage (BLAS's op(X)).</summary>
public enum GemmTranspose
{
    /// <summary>op(X) = X: the operand is stored as written (A as M x K, B as K x N).</summary>
    None = 0,

    /// <summary>op(X) = X^T: the operand is stored transposed (A as K x M, B as N x K).</summary>
    Transpose = 1,
}
