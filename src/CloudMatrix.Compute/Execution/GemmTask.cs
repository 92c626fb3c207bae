namespace CloudMatrix.Compute.Execution;

/// <summary>
/// One device's GEMM in a <see cref="GemmStep"/>: <c>C (+)= A · B</c> on views of its local blocks. A view starts at
/// (row, column) of the device's block in its slot; its leading dimension is the block's width.
/// </summary>
/// <param name="Position">The mesh position that runs it.</param>
/// <param name="A">Slot of A.</param>
/// <param name="ARow">First row of the A view within the local block.</param>
/// <param name="ACol">First column of the A view.</param>
/// <param name="B">Slot of B.</param>
/// <param name="BRow">First row of the B view.</param>
/// <param name="BCol">First column of the B view.</param>
/// <param name="C">Slot of C.</param>
/// <param name="CRow">First row of the C view.</param>
/// <param name="CCol">First column of the C view.</param>
/// <param name="M">Rows of the product.</param>
/// <param name="N">Columns of the product.</param>
/// <param name="K">Shared dimension.</param>
/// <param name="Accumulate">Add to C (beta = 1) instead of overwriting it.</param>
public sealed record GemmTask(
    int Position,
    string A, int ARow, int ACol,
    string B, int BRow, int BCol,
    string C, int CRow, int CCol,
    int M, int N, int K, bool Accumulate)
{
    /// <summary>Floating-point operations, 2·M·N·K.</summary>
    public double Flops => 2.0 * M * N * K;
}
