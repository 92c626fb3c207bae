using CloudMatrix.Compute.Kernels.Ilgpu;
using static CloudMatrix.Compute.Kernels.Ilgpu.TensorCoreLayout;

namespace CloudMatrix.Compute.Kernels.Tests.Ilgpu;

/// <summary>
/// Replays on the host what one group of the tensor-core GEMM does with its indices: stage op(A) and op(B) chunk by
/// chunk (<see cref="TensorCoreLayout.ChunkElement"/>, <see cref="TensorCoreLayout.StagedWord"/>), gather each lane's
/// fragment registers (<see cref="TensorCoreLayout.AFragmentWord"/>, <see cref="TensorCoreLayout.BFragmentWord"/>),
/// multiply them as <c>mma.m16n8k16.row.col</c> does according to the PTX ISA's fragment tables (written out here
/// independently, element by element), and place each accumulator with
/// <see cref="TensorCoreLayout.AccumulatorElement"/>. The result must equal a plain product of the same tile, for
/// every storage order and for tiles cut by the matrix edges and the K tail. Operands are small integers, so every
/// sum is exact and the comparison is for equality. The GPU itself checks the rest (the PTX and the loads).
/// </summary>
public sealed class TensorCoreLayoutTests
{
    public static TheoryData<bool, bool, int, int, int> Problems()
    {
        var data = new TheoryData<bool, bool, int, int, int>();
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                // A full tile with two slices; a tile cut in M, N and K (K tail inside a pair and inside a slice).
                data.Add(ta, tb, 128, 128, 64);
                data.Add(ta, tb, 77, 50, 45);
                data.Add(ta, tb, 1, 3, 1);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void OneGroup_ReplayedThroughItsIndexFunctions_ComputesTheTileProduct(bool transA, bool transB, int m, int n, int k)
    {
        var rng = new Random((m * 7919) + (n * 31) + k + (transA ? 1 : 0) + (transB ? 2 : 0));
        // op(A) is m x k, op(B) is k x n, as small integers (exact in bfloat16 and in every partial sum).
        int[,] opA = SmallIntegers(rng, m, k);
        int[,] opB = SmallIntegers(rng, k, n);

        // Elements travel as 16-bit codes through staging and fragments, as bfloat16 bits do in the kernel.
        long[,] tile = ReplayGroup(transA, transB, opA, opB, m, n, k);

        for (int i = 0; i < TileRows; i++)
        {
            for (int j = 0; j < TileCols; j++)
            {
                long expected = 0;
                if (i < m && j < n)
                {
                    for (int p = 0; p < k; p++)
                    {
                        expected += (long)opA[i, p] * opB[p, j];
                    }
                }

                Assert.True(expected == tile[i, j], $"C[{i},{j}]: {tile[i, j]}, expected {expected} (transA {transA}, transB {transB}, {m}x{n}x{k})");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Staging_FillsEveryPairOfTheTileExactlyOnce(bool alongK)
    {
        var owner = new int[TileWords];
        Array.Fill(owner, -1);
        for (int chunk = 0; chunk < ChunksPerTile; chunk++)
        {
            for (int word = 0; word < 8; word++)
            {
                int slot = StagedWord(alongK, chunk, word);
                Assert.InRange(slot, 0, TileWords - 1);
                Assert.True(owner[slot] < 0, $"word {slot} written by chunks {owner[slot]} and {chunk}");
                owner[slot] = chunk;

                // The word holds elements (row, 2 pair) and (row, 2 pair + 1) of the tile: staged row r, pair p.
                (int row, int kLow) = ChunkElement(alongK, chunk, word, 0);
                (int rowHigh, int kHigh) = ChunkElement(alongK, chunk, word, 1);
                Assert.Equal(row, rowHigh);
                Assert.Equal(kLow + 1, kHigh);
                Assert.Equal(0, kLow % 2);
                Assert.Equal((row * SharedStride) + (kLow / 2), slot);
            }
        }

        // 128 rows of 16 pairs are written; the 4 padding words of each row are not.
        for (int row = 0; row < TileRows; row++)
        {
            for (int word = 0; word < SharedStride; word++)
            {
                Assert.Equal(word < PairsPerRow, owner[(row * SharedStride) + word] >= 0);
            }
        }
    }

    [Fact]
    public void FragmentLoads_HitThirtyTwoDistinctBanks()
    {
        // One 32-bit shared load per lane per fragment register: conflict-free when the 32 words of a warp's load lie
        // in 32 distinct banks (word index mod 32).
        for (int step = 0; step < 2; step++)
        {
            for (int register = 0; register < 4; register++)
            {
                var banks = Enumerable.Range(0, 32).Select(lane => AFragmentWord(48, step, lane, register) % 32).Distinct().Count();
                Assert.Equal(32, banks);
            }

            for (int register = 0; register < 2; register++)
            {
                var banks = Enumerable.Range(0, 32).Select(lane => BFragmentWord(56, step, lane, register) % 32).Distinct().Count();
                Assert.Equal(32, banks);
            }
        }
    }

    [Fact]
    public void Interleaving_TwoStrips_GivesThePairsOfEachRow()
    {
        // A strip is eight consecutive rows at one k, packed two per word as memory holds them (first in the low
        // half). Word w of a strip chunk must pair row w at k (low) with row w at k + 1 (high).
        ushort[] atK = [0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1006, 0x1007, 0x1008];
        ushort[] atNextK = [0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008];
        for (int i = 0; i < 4; i++)
        {
            uint low = atK[2 * i] | ((uint)atK[(2 * i) + 1] << 16);
            uint high = atNextK[2 * i] | ((uint)atNextK[(2 * i) + 1] << 16);
            Assert.Equal(atK[2 * i] | ((uint)atNextK[2 * i] << 16), TensorCoreGemmKernels.PairLow(low, high));
            Assert.Equal(atK[(2 * i) + 1] | ((uint)atNextK[(2 * i) + 1] << 16), TensorCoreGemmKernels.PairHigh(low, high));
        }
    }

    /// <summary>One group's 128 x 128 tile (rows and columns from 0), every slice, staged and multiplied as the kernel does.</summary>
    private static long[,] ReplayGroup(bool transA, bool transB, int[,] opA, int[,] opB, int m, int n, int k)
    {
        bool aAlongK = !transA;
        bool bAlongK = transB;
        var accumulators = new long[GroupSize / 32, 32, 128];
        for (int k0 = 0; k0 < k; k0 += TileDepth)
        {
            uint[] aTile = Stage(aAlongK, (row, kk) => row < m && k0 + kk < k ? opA[row, k0 + kk] : 0);
            uint[] bTile = Stage(bAlongK, (col, kk) => col < n && k0 + kk < k ? opB[k0 + kk, col] : 0);
            for (int warp = 0; warp < GroupSize / 32; warp++)
            {
                (int warpRow, int warpCol) = WarpOrigin(warp);
                for (int step = 0; step < 2; step++)
                {
                    for (int mi = 0; mi < 4; mi++)
                    {
                        for (int ni = 0; ni < 8; ni++)
                        {
                            var a = new uint[32, 4];
                            var b = new uint[32, 2];
                            for (int lane = 0; lane < 32; lane++)
                            {
                                for (int r = 0; r < 4; r++)
                                {
                                    a[lane, r] = aTile[AFragmentWord(warpRow + (16 * mi), step, lane, r)];
                                }

                                for (int r = 0; r < 2; r++)
                                {
                                    b[lane, r] = bTile[BFragmentWord(warpCol + (8 * ni), step, lane, r)];
                                }
                            }

                            long[,] d = IsaMma(a, b);
                            for (int lane = 0; lane < 32; lane++)
                            {
                                for (int r = 0; r < 4; r++)
                                {
                                    accumulators[warp, lane, (4 * ((8 * mi) + ni)) + r] += d[lane, r];
                                }
                            }
                        }
                    }
                }
            }
        }

        var tile = new long[TileRows, TileCols];
        var written = new bool[TileRows, TileCols];
        for (int warp = 0; warp < GroupSize / 32; warp++)
        {
            (int warpRow, int warpCol) = WarpOrigin(warp);
            for (int lane = 0; lane < 32; lane++)
            {
                for (int mi = 0; mi < 4; mi++)
                {
                    for (int ni = 0; ni < 8; ni++)
                    {
                        for (int r = 0; r < 4; r++)
                        {
                            (int row, int col) = AccumulatorElement(lane, r);
                            int i = warpRow + (16 * mi) + row, j = warpCol + (8 * ni) + col;
                            Assert.False(written[i, j], $"C[{i},{j}] held twice");
                            written[i, j] = true;
                            tile[i, j] = accumulators[warp, lane, (4 * ((8 * mi) + ni)) + r];
                        }
                    }
                }
            }
        }

        Assert.All(written.Cast<bool>(), Assert.True);
        return tile;
    }

    /// <summary>A staged operand tile: every chunk's words, filled from (row, k within the slice) as the kernel packs them.</summary>
    private static uint[] Stage(bool alongK, Func<int, int, int> element)
    {
        var tile = new uint[TileWords];
        for (int chunk = 0; chunk < ChunksPerTile; chunk++)
        {
            for (int word = 0; word < 8; word++)
            {
                (int row, int kLow) = ChunkElement(alongK, chunk, word, 0);
                (int rowHigh, int kHigh) = ChunkElement(alongK, chunk, word, 1);
                tile[StagedWord(alongK, chunk, word)] = Encode(element(row, kLow)) | ((uint)Encode(element(rowHigh, kHigh)) << 16);
            }
        }

        return tile;
    }

    /// <summary>
    /// <c>mma.sync.aligned.m16n8k16.row.col</c> for 16-bit operands, from the PTX ISA's fragment tables: lane
    /// <c>l</c> has groupID <c>l / 4</c> and threadID_in_group <c>l % 4</c>; register <c>i / 2</c> holds element
    /// <c>i</c> in its low (even <c>i</c>) or high half.
    /// </summary>
    private static long[,] IsaMma(uint[,] a, uint[,] b)
    {
        var matA = new long?[16, 16];
        var matB = new long?[16, 8];
        for (int lane = 0; lane < 32; lane++)
        {
            int group = lane / 4, inGroup = lane % 4;
            for (int i = 0; i < 8; i++)
            {
                // A (16 x 16, row): a0..a7.
                int row = i is < 2 or (>= 4 and < 6) ? group : group + 8;
                int col = i < 4 ? (inGroup * 2) + (i & 1) : (inGroup * 2) + (i & 1) + 8;
                Assert.Null(matA[row, col]);
                matA[row, col] = Decode(Half(a[lane, i / 2], i % 2));
            }

            for (int i = 0; i < 4; i++)
            {
                // B (16 x 8, col): b0..b3.
                int row = i < 2 ? (inGroup * 2) + (i & 1) : (inGroup * 2) + (i & 1) + 8;
                Assert.Null(matB[row, group]);
                matB[row, group] = Decode(Half(b[lane, i / 2], i % 2));
            }
        }

        var d = new long[32, 4];
        for (int lane = 0; lane < 32; lane++)
        {
            int group = lane / 4, inGroup = lane % 4;
            for (int i = 0; i < 4; i++)
            {
                // C/D (16 x 8): c0..c3.
                int row = i < 2 ? group : group + 8;
                int col = (inGroup * 2) + (i & 1);
                long sum = 0;
                for (int p = 0; p < 16; p++)
                {
                    sum += matA[row, p]!.Value * matB[p, col]!.Value;
                }

                d[lane, i] = sum;
            }
        }

        return d;
    }

    private static ushort Half(uint word, int half) => (ushort)(half == 0 ? word & 0xFFFF : word >> 16);

    // Small integers as 16-bit codes (two's complement); the replay only needs a code that survives packing.
    /// <summary>A rows x cols matrix of integers in [-8, 8], filled row by row: exact in bfloat16 and in every partial sum.</summary>
    internal static int[,] SmallIntegers(Random rng, int rows, int cols)
    {
        var x = new int[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                x[i, j] = rng.Next(-8, 9);
            }
        }

        return x;
    }

    private static ushort Encode(int value) => (ushort)(short)value;

    private static long Decode(ushort code) => (short)code;
}
