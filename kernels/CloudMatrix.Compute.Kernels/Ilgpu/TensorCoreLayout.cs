using System.Runtime.CompilerServices;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// Where the tensor-core GEMM (<see cref="TensorCoreGemmKernels"/>) keeps every element: how a thread's staging chunk
/// maps to the operand in global memory and to the shared tile, which shared words form a thread's <c>mma</c>
/// fragments, and which element of C each accumulator holds. Plain functions of integers, used by the kernel and by
/// a host test that replays them against the PTX ISA's fragment tables and a plain matrix product.
/// </summary>
/// <remarks>
/// <para>Shared tiles hold k-pairs: word <c>kp</c> of staged row <c>r</c> packs elements <c>2kp</c> (low 16 bits) and
/// <c>2kp + 1</c> (high 16 bits) of row <c>r</c> of op(A) (a tile is 128 rows of M by 32 of K), or of column
/// <c>r</c> of op(B) (128 columns of N by 32 of K). That is the order in which <c>mma.m16n8k16</c> takes its
/// bfloat16 operands, so each fragment register is one 32-bit shared load, whatever the operand's storage order.</para>
/// <para>A staged row is <see cref="SharedStride"/> = 20 words (16 pairs and 4 of padding): the eight rows and four
/// pairs a fragment load touches fall in 32 distinct banks, and rows stay 16-byte aligned for 128-bit stores.</para>
/// </remarks>
internal static class TensorCoreLayout
{
    /// <summary>Rows of C (of op(A)) per group.</summary>
    public const int TileRows = 128;

    /// <summary>Columns of C (of op(B)) per group.</summary>
    public const int TileCols = 128;

    /// <summary>Depth of the K slice staged per step, in elements.</summary>
    public const int TileDepth = 32;

    /// <summary>K-pairs per staged row.</summary>
    public const int PairsPerRow = TileDepth / 2;

    /// <summary>Words (k-pairs and padding) between consecutive staged rows.</summary>
    public const int SharedStride = PairsPerRow + 4;

    /// <summary>Words of one staged operand tile.</summary>
    public const int TileWords = TileRows * SharedStride;

    /// <summary>Threads per group: four warps.</summary>
    public const int GroupSize = 128;

    /// <summary>Staging chunks per operand tile: each is 16 elements, 8 words.</summary>
    public const int ChunksPerTile = TileRows * TileDepth / 16;

    /// <summary>Rows (of op(A)) or columns (of op(B)) of a warp's 64 x 64 block of C.</summary>
    public const int WarpTile = 64;

    /// <summary>
    /// The first staged row and pair of chunk <paramref name="chunk"/> (0 .. 255). With K contiguous in memory
    /// (op(A) = A, or op(B) = B^T) a chunk is 16 consecutive elements of one row: pairs <c>Pair .. Pair + 7</c> of row
    /// <c>Row</c>. Otherwise it is 8 consecutive rows at two consecutive k: pair <c>Pair</c> of rows
    /// <c>Row .. Row + 7</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Row, int Pair) ChunkOrigin(bool kContiguous, int chunk) => kContiguous
        ? (chunk >> 1, (chunk & 1) * 8)
        : ((chunk >> 4) * 8, chunk & 15);

    /// <summary>
    /// The tile position (row, k) of half <paramref name="half"/> (0 = low, 1 = high 16 bits) of word
    /// <paramref name="word"/> (0 .. 7) of chunk <paramref name="chunk"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Row, int K) ChunkElement(bool kContiguous, int chunk, int word, int half)
    {
        (int row, int pair) = ChunkOrigin(kContiguous, chunk);
        return kContiguous
            ? (row, (2 * (pair + word)) + half)
            : (row + word, (2 * pair) + half);
    }

    /// <summary>The shared word (within one operand tile) that receives word <paramref name="word"/> of a chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int StagedWord(bool kContiguous, int chunk, int word)
    {
        (int row, int pair) = ChunkOrigin(kContiguous, chunk);
        return kContiguous ? (row * SharedStride) + pair + word : ((row + word) * SharedStride) + pair;
    }

    /// <summary>The first row (of op(A)) or column (of op(B)) of warp <paramref name="warp"/>'s block of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Row, int Col) WarpOrigin(int warp) => ((warp >> 1) * WarpTile, (warp & 1) * WarpTile);

    /// <summary>
    /// The shared word of A-fragment register <paramref name="register"/> (0 .. 3) of lane <paramref name="lane"/>,
    /// for the 16-row fragment whose first staged row is <paramref name="fragmentRow"/> and the 16-deep step
    /// <paramref name="step"/> (0 or 1) of the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int AFragmentWord(int fragmentRow, int step, int lane, int register) =>
        ((fragmentRow + (lane >> 2) + (8 * (register & 1))) * SharedStride) + (8 * step) + (lane & 3) + (4 * (register >> 1));

    /// <summary>
    /// The shared word of B-fragment register <paramref name="register"/> (0 or 1) of lane <paramref name="lane"/>,
    /// for the 8-column fragment whose first staged column is <paramref name="fragmentCol"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BFragmentWord(int fragmentCol, int step, int lane, int register) =>
        ((fragmentCol + (lane >> 2)) * SharedStride) + (8 * step) + (lane & 3) + (4 * register);

    /// <summary>
    /// The element of a 16 x 8 block of C that accumulator register <paramref name="register"/> (0 .. 3) of lane
    /// <paramref name="lane"/> holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Row, int Col) AccumulatorElement(int lane, int register) =>
        ((lane >> 2) + (8 * (register >> 1)), (2 * (lane & 3)) + (register & 1));
}
