using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;
using CsCheck;

namespace CloudMatrix.Compute.Tests;

public class TensorViewTests
{
    // A parent whose every element names its own row-major index, so any misaddressed read shows.
    private static DenseTensor<double> Numbered(params int[] shape)
    {
        var t = new DenseTensor<double>(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Span[i] = i;
        }

        return t;
    }

    private static readonly Gen<(int Rows, int Cols, int R0, int C0, int H, int W)> TileGen =
        from rows in Gen.Int[1, 24]
        from cols in Gen.Int[1, 24]
        from r0 in Gen.Int[0, rows]
        from c0 in Gen.Int[0, cols]
        from h in Gen.Int[0, rows - r0]
        from w in Gen.Int[0, cols - c0]
        select (rows, cols, r0, c0, h, w);

    [Fact]
    public void Tile_ReadsExactlyTheElementsItsIndicesName() =>
        TileGen.Sample(p =>
        {
            DenseTensor<double> parent = Numbered(p.Rows, p.Cols);
            MatrixView<double> tile = parent.AsMatrix().Tile(p.R0, p.C0, p.H, p.W);
            Assert.Equal((p.H, p.W, p.Cols), (tile.Rows, tile.Columns, tile.LeadingDimension));
            for (int i = 0; i < p.H; i++)
            {
                for (int j = 0; j < p.W; j++)
                {
                    double expected = ((p.R0 + i) * p.Cols) + p.C0 + j;
                    Assert.Equal(expected, tile[i, j]);
                    Assert.Equal(expected, tile.Row(i)[j]);
                    Assert.Equal(expected, tile.Span[(i * tile.LeadingDimension) + j]); // Span starts at (0, 0)
                }
            }

            if (tile.Length > 0)
            {
                Assert.Equal((p.R0 * p.Cols) + p.C0, tile.Offset);
                Assert.Equal(((p.H - 1) * p.Cols) + p.W, tile.Span.Length);
            }
        }, iter: 400);

    [Fact]
    public void Tile_WritesExactlyTheElementsItsIndicesName() =>
        TileGen.Sample(p =>
        {
            DenseTensor<double> parent = Numbered(p.Rows, p.Cols);
            parent.AsMatrix().Tile(p.R0, p.C0, p.H, p.W).Fill(-1);
            for (int r = 0; r < p.Rows; r++)
            {
                for (int c = 0; c < p.Cols; c++)
                {
                    bool inside = r >= p.R0 && r < p.R0 + p.H && c >= p.C0 && c < p.C0 + p.W;
                    Assert.Equal(inside ? -1 : (r * p.Cols) + c, parent[r, c]);
                }
            }
        }, iter: 400);

    [Fact]
    public void NestedBlocks_ComposeOffsets() =>
        TileGen.Sample(p =>
        {
            DenseTensor<double> parent = Numbered(p.Rows, p.Cols);
            MatrixView<double> rows = parent.AsMatrix().RowBlock(p.R0, p.Rows - p.R0);
            MatrixView<double> both = rows.ColumnBlock(p.C0, p.Cols - p.C0).Tile(0, 0, p.H, p.W);
            Assert.Equal(parent.AsMatrix().Tile(p.R0, p.C0, p.H, p.W).ToDense().Span.ToArray(), both.ToDense().Span.ToArray());
        }, iter: 200);

    private static readonly Gen<(int[] Shape, Range[] Ranges)> SliceGen =
        from rank in Gen.Int[1, 4]
        from shape in Gen.Int[1, 6].Array[rank]
        from starts in Gen.Int[0, 6].Array[rank]
        from lengths in Gen.Int[0, 6].Array[rank]
        select (shape, shape.Select((extent, k) =>
        {
            int start = Math.Min(starts[k], extent);
            return new Range(start, start + Math.Min(lengths[k], extent - start));
        }).ToArray());

    [Fact]
    public void Slice_ReadsAndWritesExactlyTheElementsItsIndicesName() =>
        SliceGen.Sample(p =>
        {
            DenseTensor<double> parent = Numbered(p.Shape);
            TensorView<double> view = parent.Slice(p.Ranges);
            int[] starts = p.Ranges.Select(r => r.Start.Value).ToArray();
            Assert.Equal(p.Ranges.Select(r => r.End.Value - r.Start.Value).ToArray(), view.Shape.ToArray());

            // Every parent element: inside the slice iff each index lies in its range; read through the view, then
            // write a marker through it and check that only those parent elements changed.
            var inside = new List<(int[] Parent, int[] Local)>();
            ForEachIndex(p.Shape, index =>
            {
                if (index.Select((v, k) => v >= starts[k] && v < p.Ranges[k].End.Value).All(b => b))
                {
                    inside.Add(((int[])index.Clone(), index.Select((v, k) => v - starts[k]).ToArray()));
                }
            });
            Assert.Equal(inside.Count, view.Length);
            foreach (var (parentIndex, local) in inside)
            {
                Assert.Equal(parent[parentIndex], view[local]);
                view[local] = -1 - view[local];
            }

            ForEachIndex(p.Shape, index =>
            {
                double original = RowMajor(index, p.Shape);
                bool wasInside = inside.Exists(e => e.Parent.SequenceEqual(index));
                Assert.Equal(wasInside ? -1 - original : original, parent[index]);
            });
        }, iter: 200);

    private static int RowMajor(int[] index, int[] shape)
    {
        int flat = 0;
        for (int k = 0; k < shape.Length; k++)
        {
            flat = (flat * shape[k]) + index[k];
        }

        return flat;
    }

    private static void ForEachIndex(int[] shape, Action<int[]> action)
    {
        var index = new int[shape.Length];
        int count = shape.Aggregate(1, (a, b) => a * b);
        for (int n = 0; n < count; n++)
        {
            action(index);
            for (int k = shape.Length - 1; k >= 0 && ++index[k] == shape[k]; k--)
            {
                index[k] = 0;
            }
        }
    }

    [Fact]
    public void Slice_OfRank2_AsMatrix_KeepsParentRowStride()
    {
        DenseTensor<float> t = DenseTensor.Random<float>([10, 12], seed: 9);
        MatrixView<float> m = t.Slice(2..7, 3..^1).AsMatrix();
        Assert.Equal((5, 8, 12, (2 * 12) + 3), (m.Rows, m.Columns, m.LeadingDimension, m.Offset));
        Assert.Equal(t[6, 10], m[4, 7]);
        Assert.False(m.IsContiguous);
        Assert.True(t.Slice(2..7).AsMatrix().IsContiguous);
    }

    [Fact]
    public void ViewsOutOfRange_AreRefused_NamingParameterAndValue()
    {
        MatrixView<float> m = new DenseTensor<float>(4, 6).AsMatrix();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => m.Tile(1, 2, 4, 2));
        Assert.Equal("rowCount", e.ParamName);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        Assert.Equal("startColumn", Assert.Throws<ArgumentOutOfRangeException>(() => m.ColumnBlock(7, 0)).ParamName);
        Assert.Equal("startRow", Assert.Throws<ArgumentOutOfRangeException>(() => m.RowBlock(-1, 1)).ParamName);
        Assert.Equal("columnCount", Assert.Throws<ArgumentOutOfRangeException>(() => m.ColumnBlock(2, 5)).ParamName);
        Assert.Equal("row", Assert.Throws<ArgumentOutOfRangeException>(() => m.Row(4)).ParamName);

        var t = new DenseTensor<float>(4, 6);
        var s = Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(1..5));
        Assert.Equal("ranges", s.ParamName);
        Assert.Contains("1..5", s.Message, StringComparison.Ordinal);
        Assert.Equal("ranges", Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(.., 4..2)).ParamName);
        Assert.Equal("ranges", Assert.Throws<ArgumentException>(() => t.Slice(.., .., ..)).ParamName);
    }

    [Fact]
    public void ConvertTo_BetweenStridedViews_ConvertsEachElement()
    {
        DenseTensor<double> source = DenseTensor.Random<double>([9, 11], seed: 4, RandomDistribution.Normal(0, 1000));
        var target = new DenseTensor<BFloat16>(20, 20);
        MatrixView<double> from = source.AsMatrix().Tile(1, 2, 6, 7);
        MatrixView<BFloat16> to = target.AsMatrix().Tile(10, 5, 6, 7);
        from.ConvertTo(to);
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 7; j++)
            {
                Assert.Equal(((BFloat16)from[i, j]).ToBits(), to[i, j].ToBits());
            }
        }

        for (int r = 0; r < 20; r++)
        {
            for (int c = 0; c < 20; c++)
            {
                if (r < 10 || r >= 16 || c < 5 || c >= 12)
                {
                    Assert.Equal(0, target[r, c].ToBits()); // nothing written outside the destination tile
                }
            }
        }

        var e = Assert.Throws<ArgumentException>(() => from.ConvertTo(target.AsMatrix().Tile(0, 0, 7, 6)));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("7 x 6", e.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentException>(() => source.Slice(0..2).ConvertTo(new DenseTensor<float>(3, 11).AsView()));
        Assert.Equal("destination", e2.ParamName);
        Assert.Contains("[3, 11]", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_RunsOnAShard_WithoutACopy()
    {
        // C's tile = A's row block x B's column block, with the views passed straight to the kernel.
        DenseTensor<BFloat16> a = DenseTensor.Random<BFloat16>([12, 10], seed: 1);
        DenseTensor<BFloat16> b = DenseTensor.Random<BFloat16>([10, 14], seed: 2);
        var c = new DenseTensor<float>(12, 14);
        MatrixView<BFloat16> aRows = a.AsMatrix().RowBlock(4, 5);
        MatrixView<BFloat16> bCols = b.AsMatrix().ColumnBlock(3, 6);
        MatrixView<float> cTile = c.AsMatrix().Tile(4, 3, 5, 6);
        BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, 5, 6, 10, 1f,
            aRows.Span, aRows.LeadingDimension, bCols.Span, bCols.LeadingDimension, 0f, cTile.Span, cTile.LeadingDimension);

        for (int i = 0; i < 12; i++)
        {
            for (int j = 0; j < 14; j++)
            {
                bool inTile = i >= 4 && i < 9 && j >= 3 && j < 9;
                double expected = 0;
                for (int p = 0; p < 10 && inTile; p++)
                {
                    expected += (double)a[i, p] * b[p, j];
                }

                Assert.Equal(expected, c[i, j], 1e-5);
            }
        }
    }
}
