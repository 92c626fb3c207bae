using CloudMatrix.Compute.Kernels.Ilgpu;
using static CloudMatrix.Compute.Kernels.Ilgpu.AsyncTensorCoreLayout;
using static CloudMatrix.Compute.Kernels.Tests.Ilgpu.TensorCoreLayoutTests;

namespace CloudMatrix.Compute.Kernels.Tests.Ilgpu;

/// <summary>
/// Replays on the host what one group of <see cref="AsyncTensorCoreGemmKernels"/> does with its addresses: the 16-byte
/// copies of every slice (<see cref="AsyncTensorCoreLayout.Piece"/>, <see cref="AsyncTensorCoreLayout.PieceOffset"/>,
/// with the copy's zero fill), each lane's <c>ldmatrix</c> rows (<see cref="AsyncTensorCoreLayout.AFragmentLane"/>,
/// <see cref="AsyncTensorCoreLayout.BFragmentLane"/> and the kernel's constant offsets), <c>ldmatrix</c> itself (with
/// and without <c>.trans</c>) and <c>mma.m16n8k16.row.col</c> as the PTX ISA describes them, written out here
/// element by element. The result must equal a plain product of the same tile for every storage order, for tiles cut
/// by the matrix edges and the K tail. Operands are small integers, so every sum is exact.
/// </summary>
public sealed class AsyncTensorCoreLayoutTests
{
    public static TheoryData<bool, bool, int, int, int, int> Problems()
    {
        var data = new TheoryData<bool, bool, int, int, int, int>();
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                // A full tile with two slices; tiles cut in M, N and K (K tails inside a copy and inside a slice);
                // the second tile of a 200 x 136 product (rows and columns from 128).
                data.Add(ta, tb, 128, 128, 64, 0);
                data.Add(ta, tb, 77, 50, 45, 0);
                data.Add(ta, tb, 1, 3, 1, 0);
                data.Add(ta, tb, 200, 136, 40, 128);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void OneGroup_ReplayedThroughItsAddresses_ComputesTheTileProduct(bool transA, bool transB, int m, int n, int k, int tileBase)
    {
        var rng = new Random((m * 7919) + (n * 31) + k + (transA ? 1 : 0) + (transB ? 2 : 0) + tileBase);
        int[,] opA = SmallIntegers(rng, m, k);
        int[,] opB = SmallIntegers(rng, k, n);

        // Storage with leading dimensions padded to a multiple of 8 (the kernel's precondition), padding poisoned so a
        // read outside the matrix shows in the result.
        bool aAlongK = !transA;
        bool bAlongK = transB;
        int lda = RoundUp(aAlongK ? k : m);
        int ldb = RoundUp(bAlongK ? k : n);
        ushort[] a = Store(aAlongK, m, k, lda, (i, p) => opA[i, p]);
        ushort[] b = Store(bAlongK, n, k, ldb, (j, p) => opB[p, j]);

        long[,] c = ReplayGroup(a, lda, aAlongK, m, b, ldb, bAlongK, n, k, tileBase);
        for (int r = 0; r < TileRows; r++)
        {
            for (int col = 0; col < TileCols; col++)
            {
                int row = tileBase + r;
                int column = tileBase + col;
                long expected = 0;
                if (row < m && column < n)
                {
                    for (int p = 0; p < k; p++)
                    {
                        expected += (long)opA[row, p] * opB[p, column];
                    }
                }

                Assert.True(expected == c[r, col], $"C[{row}, {column}]: {c[r, col]}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void EveryLdmatrixPhase_HitsThirtyTwoDistinctBanks(bool forB, bool alongK)
    {
        // ldmatrix reads one 8 x 8 matrix per phase: the eight 16-byte rows of lanes 8i .. 8i + 7 must cover the
        // 32 banks once.
        for (int origin = 0; origin < 128; origin += 64)
        {
            for (int step = 0; step < 2; step++)
            {
                for (int matrix = 0; matrix < 4; matrix++)
                {
                    var banks = new HashSet<int>();
                    for (int r = 0; r < 8; r++)
                    {
                        int lane = (8 * matrix) + r;
                        int address = forB ? BFragmentLane(alongK, origin, lane, step) : AFragmentLane(alongK, origin, lane, step);
                        Assert.Equal(0, address % 16);
                        for (int word = 0; word < 4; word++)
                        {
                            banks.Add(((address / 4) + word) % 32);
                        }
                    }

                    Assert.Equal(32, banks.Count);
                }
            }
        }
    }

    [Fact]
    public void Copies_CoverEachTileOnce_OnSixteenByteBoundaries_InsideTheirTile()
    {
        foreach (bool alongK in new[] { false, true })
        {
            var seen = new HashSet<int>();
            for (int piece = 0; piece < 4 * GroupSize; piece++)
            {
                int offset = PieceOffset(alongK, piece);
                Assert.Equal(0, offset % 16);
                Assert.InRange(offset, 0, OperandTileBytes - 16);
                Assert.True(seen.Add(offset), $"piece {piece} lands where another did");
            }
        }

        Assert.True(2 * StageBytes <= 48 * 1024, "two stages must fit in the 48 KiB of static shared memory");
        Assert.True(4 * EpilogueWarpBytes <= 2 * StageBytes);
    }

    [Theory]
    [InlineData(false, 136, 0)]
    [InlineData(true, 136, 0)]
    [InlineData(false, 4096, 256)]
    [InlineData(true, 4104, 128)]
    public void FastCopies_AreTheBoundsCheckedCopies_OfWholeTilesAndSlices(bool alongK, int ld, int tileBase)
    {
        // The kernel's check-free copies: a thread's first source plus multiples of the piece and slice strides, and
        // its first target plus multiples of the layout's fixed stride (written into the instruction: 2048 or 2176).
        int targetStride = alongK ? AlongKPieceTargetStride : AcrossPieceTargetStride;
        Assert.Equal(alongK ? 2048 : 2176, targetStride);
        int rows = tileBase + TileRows;
        int depth = 3 * TileDepth;
        for (int thread = 0; thread < GroupSize; thread++)
        {
            for (int slice = 0; slice < 3; slice++)
            {
                for (int i = 0; i < 4; i++)
                {
                    int piece = thread + (i * GroupSize);
                    (int row, int k, int bytes) = Piece(alongK, piece, tileBase, rows, slice * TileDepth, depth);
                    Assert.Equal(16, bytes);
                    long general = alongK ? ((long)row * ld) + k : ((long)k * ld) + row;
                    long fast = FirstPieceSource(alongK, thread, tileBase, ld) + (i * PieceSourceStride(alongK, ld)) + (slice * SliceSourceStride(alongK, ld));
                    Assert.Equal(general, fast);
                    Assert.Equal(PieceOffset(alongK, piece), PieceOffset(alongK, thread) + (i * targetStride));
                }
            }
        }
    }

    [Fact]
    public void EpilogueStaging_PutsEveryAccumulatorAtItsElement()
    {
        // StageFragment writes registers 0, 1 of (mi, ni) at staged + 32 ni and registers 2, 3 at staged + 32 ni + 2176
        // (8 rows down), staged being region + ((lane / 4) * stride + 2 (lane % 4)) * 4.
        for (int lane = 0; lane < 32; lane++)
        {
            int staged = (((lane >> 2) * EpilogueStride) + (2 * (lane & 3))) * 4;
            for (int ni = 0; ni < 8; ni++)
            {
                for (int register = 0; register < 4; register++)
                {
                    (int row, int col) = TensorCoreLayout.AccumulatorElement(lane, register);
                    int written = staged + (32 * ni) + ((register >> 1) * 8 * EpilogueStride * 4) + (4 * (register & 1));
                    Assert.Equal(((row * EpilogueStride) + (8 * ni) + col) * 4, written);
                }
            }
        }
    }

    private static int RoundUp(int value) => Math.Max(8, (value + 7) / 8 * 8);

    /// <summary>Stores an operand: K-contiguous as rows x ld (K along a row), else K rows of ld (rows along a row).</summary>
    private static ushort[] Store(bool alongK, int rows, int depth, int ld, Func<int, int, int> element)
    {
        int lines = alongK ? rows : depth;
        var data = new ushort[(lines * ld) + 64];
        Array.Fill(data, Encode(1000));
        for (int row = 0; row < rows; row++)
        {
            for (int p = 0; p < depth; p++)
            {
                data[alongK ? (row * ld) + p : (p * ld) + row] = Encode(element(row, p));
            }
        }

        return data;
    }

    private static long[,] ReplayGroup(ushort[] a, int lda, bool aAlongK, int m, ushort[] b, int ldb, bool bAlongK, int n, int k, int tileBase)
    {
        var c = new long[TileRows, TileCols];
        var shared = new byte[StageBytes];
        int slices = (k + TileDepth - 1) / TileDepth;
        for (int slice = 0; slice < slices; slice++)
        {
            Array.Fill(shared, (byte)0xAB);
            Copy(shared, 0, a, lda, aAlongK, tileBase, m, slice * TileDepth, k);
            Copy(shared, OperandTileBytes, b, ldb, bAlongK, tileBase, n, slice * TileDepth, k);
            for (int warp = 0; warp < 4; warp++)
            {
                int warpRow = (warp >> 1) * WarpTile;
                int warpCol = (warp & 1) * WarpTile;
                for (int step = 0; step < 2; step++)
                {
                    // A: four x4 loads (fragment rows 16 apart); B: four x4 loads (pairs of 8-column fragments).
                    var aFragments = new uint[4][,];
                    for (int f = 0; f < 4; f++)
                    {
                        int offset = f * (aAlongK ? 1024 : 32);
                        aFragments[f] = Ldmatrix(shared, lane => AFragmentLane(aAlongK, warpRow, lane, step) + offset, transpose: !aAlongK);
                    }

                    var bFragments = new uint[4][,];
                    for (int pair = 0; pair < 4; pair++)
                    {
                        int offset = OperandTileBytes + (pair * (bAlongK ? 1024 : 32));
                        bFragments[pair] = Ldmatrix(shared, lane => BFragmentLane(bAlongK, warpCol, lane, step) + offset, transpose: !bAlongK);
                    }

                    for (int mi = 0; mi < 4; mi++)
                    {
                        for (int ni = 0; ni < 8; ni++)
                        {
                            uint[,] pairRegs = bFragments[ni >> 1];
                            var bRegs = new uint[32, 2];
                            for (int lane = 0; lane < 32; lane++)
                            {
                                bRegs[lane, 0] = pairRegs[lane, 2 * (ni & 1)];
                                bRegs[lane, 1] = pairRegs[lane, (2 * (ni & 1)) + 1];
                            }

                            long[,] product = IsaMma(aFragments[mi], bRegs);
                            for (int r = 0; r < 16; r++)
                            {
                                for (int col = 0; col < 8; col++)
                                {
                                    c[warpRow + (16 * mi) + r, warpCol + (8 * ni) + col] += product[r, col];
                                }
                            }
                        }
                    }
                }
            }
        }

        return c;
    }

    /// <summary>cp.async with a source size: <c>bytes</c> bytes from the source, zeros up to 16.</summary>
    private static void Copy(byte[] shared, int tile, ushort[] x, int ld, bool alongK, int tileBase, int rows, int k0, int depth)
    {
        for (int piece = 0; piece < 4 * GroupSize; piece++)
        {
            (int row, int kk, int bytes) = Piece(alongK, piece, tileBase, rows, k0, depth);
            Assert.Equal(0, bytes % 2);
            int source = bytes > 0 ? (alongK ? (row * ld) + kk : (kk * ld) + row) : 0;
            Assert.Equal(0, source % 8);
            int target = tile + PieceOffset(alongK, piece);
            for (int e = 0; e < 8; e++)
            {
                ushort value = 2 * e < bytes ? x[source + e] : (ushort)0;
                shared[target + (2 * e)] = (byte)value;
                shared[target + (2 * e) + 1] = (byte)(value >> 8);
            }
        }
    }

    /// <summary>
    /// <c>ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16</c>: lanes 8i .. 8i + 7 give the rows of matrix i; without
    /// .trans lane t receives elements (t / 4, 2 (t % 4)) and (t / 4, 2 (t % 4) + 1) of each matrix in its register i,
    /// with .trans elements (2 (t % 4), t / 4) and (2 (t % 4) + 1, t / 4).
    /// </summary>
    private static uint[,] Ldmatrix(byte[] shared, Func<int, int> rowAddress, bool transpose)
    {
        var regs = new uint[32, 4];
        for (int matrix = 0; matrix < 4; matrix++)
        {
            for (int t = 0; t < 32; t++)
            {
                (int r0, int c0, int r1, int c1) = transpose
                    ? (2 * (t % 4), t / 4, (2 * (t % 4)) + 1, t / 4)
                    : (t / 4, 2 * (t % 4), t / 4, (2 * (t % 4)) + 1);
                ushort low = Element(shared, rowAddress((8 * matrix) + r0), c0);
                ushort high = Element(shared, rowAddress((8 * matrix) + r1), c1);
                regs[t, matrix] = low | ((uint)high << 16);
            }
        }

        return regs;
    }

    private static ushort Element(byte[] shared, int rowAddress, int column) =>
        (ushort)(shared[rowAddress + (2 * column)] | (shared[rowAddress + (2 * column) + 1] << 8));

    /// <summary>
    /// <c>mma.m16n8k16.row.col</c> per the PTX ISA fragment tables (g = lane / 4, t = lane % 4): a0 holds A(g, 2t .. 2t+1),
    /// a1 A(g+8, ...), a2 A(g, 2t+8 ..), a3 A(g+8, 2t+8 ..); b0 B(2t .. 2t+1, g), b1 B(2t+8 .., g).
    /// </summary>
    private static long[,] IsaMma(uint[,] a, uint[,] b)
    {
        var aTile = new long[16, 16];
        var bTile = new long[16, 8];
        for (int lane = 0; lane < 32; lane++)
        {
            int g = lane / 4;
            int t = lane % 4;
            for (int half = 0; half < 2; half++)
            {
                aTile[g, (2 * t) + half] = Decode(a[lane, 0], half);
                aTile[g + 8, (2 * t) + half] = Decode(a[lane, 1], half);
                aTile[g, (2 * t) + 8 + half] = Decode(a[lane, 2], half);
                aTile[g + 8, (2 * t) + 8 + half] = Decode(a[lane, 3], half);
                bTile[(2 * t) + half, g] = Decode(b[lane, 0], half);
                bTile[(2 * t) + 8 + half, g] = Decode(b[lane, 1], half);
            }
        }

        var product = new long[16, 8];
        for (int r = 0; r < 16; r++)
        {
            for (int col = 0; col < 8; col++)
            {
                for (int p = 0; p < 16; p++)
                {
                    product[r, col] += aTile[r, p] * bTile[p, col];
                }
            }
        }

        return product;
    }

    private static ushort Encode(int value) => (ushort)(short)value;

    private static long Decode(uint word, int half) => (short)(half == 0 ? word & 0xFFFF : word >> 16);
}
