using System.Runtime.CompilerServices;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// Where <see cref="AsyncTensorCoreGemmKernels"/> keeps every element in shared memory (byte offsets), which global
/// elements each 16-byte copy brings, and which row each lane hands to <c>ldmatrix</c>. Plain functions of integers,
/// used by the kernel and by a host test that replays them (copies, <c>ldmatrix</c>, <c>mma</c>) against a plain
/// matrix product.
/// </summary>
/// <remarks>
/// <para>An operand tile holds op(A) (128 rows of M by 32 of K) or op(B) (32 of K by 128 columns of N) in the
/// operand's storage order. K-contiguous (op(A) = A, op(B) = B^T): 128 rows of 64 bytes, the four 16-byte pieces of row
/// <c>r</c> at positions <c>piece ^ ((r / 2) % 4)</c>, so the eight rows an <c>ldmatrix</c> phase reads fall in eight
/// distinct groups of four banks. M- or N-contiguous (op(A) = A^T, op(B) = B): 32 rows (one per k) of 256 bytes,
/// 272 apart, for the same reason.</para>
/// </remarks>
internal static class AsyncTensorCoreLayout
{
    /// <summary>Rows of C (of op(A)) per group.</summary>
    public const int TileRows = 128;

    /// <summary>Columns of C (of op(B)) per group.</summary>
    public const int TileCols = 128;

    /// <summary>Depth of a K slice, in elements.</summary>
    public const int TileDepth = 32;

    /// <summary>Threads per group: four warps.</summary>
    public const int GroupSize = 128;

    /// <summary>Rows and columns of a warp's block of C.</summary>
    public const int WarpTile = 64;

    /// <summary>Bytes of a K-contiguous tile row (32 bfloat16).</summary>
    public const int AlongKRowBytes = 64;

    /// <summary>Bytes between the rows (one per k) of an M- or N-contiguous tile: 256 of data and 16 of padding.</summary>
    public const int AcrossRowBytes = 272;

    /// <summary>Bytes reserved for one operand tile (the larger layout: 32 x 272).</summary>
    public const int OperandTileBytes = TileDepth * AcrossRowBytes;

    /// <summary>Bytes of one stage: an op(A) tile, then an op(B) tile.</summary>
    public const int StageBytes = 2 * OperandTileBytes;

    /// <summary>Floats between staged rows of C in the epilogue (64 and 4 of padding).</summary>
    public const int EpilogueStride = WarpTile + 4;

    /// <summary>Bytes of one warp's 16 x 64 epilogue slice.</summary>
    public const int EpilogueWarpBytes = 16 * EpilogueStride * 4;

    /// <summary>
    /// The operand elements of 16-byte copy <paramref name="piece"/> (0 .. 511) of the slice at K offset
    /// <paramref name="k0"/>: the first element's row (of op(A); column of op(B)) and k, and how many bytes exist
    /// (0 .. 16; the copy zero-fills the rest). K-contiguous: 8 consecutive k of one row. Otherwise 8 consecutive
    /// rows (columns) at one k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Row, int K, int Bytes) Piece(bool alongK, int piece, int tileBase, int rows, int k0, int depth)
    {
        if (alongK)
        {
            int row = tileBase + (piece >> 2);
            int k = k0 + (8 * (piece & 3));
            int available = row < rows ? depth - k : 0;
            return (row, k, 2 * Bound(available));
        }

        int kk = k0 + (piece >> 4);
        int first = tileBase + (8 * (piece & 15));
        int count = kk < depth ? rows - first : 0;
        return (first, kk, 2 * Bound(count));
    }

    /// <summary>How many of a copy's 8 elements exist, given how many remain (any int).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bound(int remaining) => remaining <= 0 ? 0 : remaining >= 8 ? 8 : remaining;

    /// <summary>The tile byte where copy <paramref name="piece"/> lands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PieceOffset(bool alongK, int piece)
    {
        if (alongK)
        {
            int row = piece >> 2;
            return (row * AlongKRowBytes) + (((piece & 3) ^ ((row >> 1) & 3)) << 4);
        }

        return ((piece >> 4) * AcrossRowBytes) + ((piece & 15) << 4);
    }

    /// <summary>
    /// The element offset (from the operand's start) of the first element of copy <paramref name="thread"/> (a thread's
    /// first piece) in the slice at K offset 0 of the tile whose first row (column) is <paramref name="tileBase"/>,
    /// for a tile inside the matrix; the thread's other pieces are <see cref="PieceSourceStride"/> apart and each slice
    /// <see cref="SliceSourceStride"/> further.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long FirstPieceSource(bool alongK, int thread, int tileBase, int ld) => alongK
        ? ((long)(tileBase + (thread >> 2)) * ld) + (8 * (thread & 3))
        : ((long)(thread >> 4) * ld) + tileBase + (8 * (thread & 15));

    /// <summary>Elements between a thread's consecutive pieces (pieces <c>thread + 128 i</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long PieceSourceStride(bool alongK, int ld) => alongK ? 32L * ld : 8L * ld;

    /// <summary>Elements between the same piece of consecutive slices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long SliceSourceStride(bool alongK, int ld) => alongK ? TileDepth : (long)TileDepth * ld;

    /// <summary>Tile bytes between a thread's consecutive pieces: 32 rows of 64 bytes, or 8 rows of 272.</summary>
    public const int AlongKPieceTargetStride = 32 * AlongKRowBytes;

    /// <summary>Tile bytes between a thread's consecutive pieces of an M- or N-contiguous tile.</summary>
    public const int AcrossPieceTargetStride = 8 * AcrossRowBytes;

    /// <summary>
    /// The tile byte of the 8-element row lane <paramref name="lane"/> hands to <c>ldmatrix.x4</c> for the A fragment
    /// (16 rows from <paramref name="warpRow"/>, 16 k from 16 <paramref name="step"/>): matrix <c>lane / 8</c> is rows
    /// +0 / +8 and k +0 / +8 in the order of the <c>mma</c> registers a0 .. a3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AFragmentLane(bool alongK, int warpRow, int lane, int step)
    {
        int matrix = lane >> 3;
        int r = lane & 7;
        if (alongK)
        {
            int row = warpRow + r + (8 * (matrix & 1));
            int piece = (2 * step) + (matrix >> 1);
            return (row * AlongKRowBytes) + ((piece ^ ((row >> 1) & 3)) << 4);
        }

        int k = (16 * step) + r + (8 * (matrix >> 1));
        return (k * AcrossRowBytes) + (2 * (warpRow + (8 * (matrix & 1))));
    }

    /// <summary>
    /// The tile byte of the row lane <paramref name="lane"/> hands to <c>ldmatrix.x4</c> for two B fragments (16
    /// columns from <paramref name="warpCol"/>): matrices are b0, b1 of the first 8 columns, then b0, b1 of the next.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BFragmentLane(bool alongK, int warpCol, int lane, int step)
    {
        int matrix = lane >> 3;
        int r = lane & 7;
        if (alongK)
        {
            int col = warpCol + r + (8 * (matrix >> 1));
            int piece = (2 * step) + (matrix & 1);
            return (col * AlongKRowBytes) + ((piece ^ ((col >> 1) & 3)) << 4);
        }

        int k = (16 * step) + r + (8 * (matrix & 1));
        return (k * AcrossRowBytes) + (2 * (warpCol + (8 * (matrix >> 1))));
    }
}
