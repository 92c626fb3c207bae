using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Tests;

public class TensorShapeTests
{
    [Fact]
    public void NewTensor_HasRowMajorStrides_AndZeros()
    {
        var t = new DenseTensor<float>(2, 3, 4);
        Assert.Equal([2, 3, 4], t.Shape.ToArray());
        Assert.Equal([12, 4, 1], t.Strides.ToArray());
        Assert.Equal(24, t.Length);
        Assert.Equal(96, t.SizeInBytes);
        Assert.All(t.Span.ToArray(), v => Assert.Equal(0f, v));
        t[1, 2, 3] = 7;
        Assert.Equal(7f, t.Span[(1 * 12) + (2 * 4) + 3]);
    }

    [Fact]
    public void ZeroExtent_IsAnEmptyTensor()
    {
        var t = new DenseTensor<double>(0, 5);
        Assert.Equal(0, t.Length);
        Assert.Equal(0, t.AsMatrix().Span.Length);
        Assert.Equal(0, t.AsTensorSpan().FlattenedLength);
        Assert.Equal(0, new DenseTensor<float>(3, 0).AsMatrix().AsTensorSpan().FlattenedLength);
        Assert.Equal(0, t.AsMatrix().ToDense().Length);
        Assert.Equal(0, new DenseTensor<float>(4, 4).AsMatrix().Tile(2, 1, 0, 3).Length);
    }

    [Fact]
    public void NegativeDimension_IsRefused_NamingShapeAndValue()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DenseTensor<BFloat16>(4, -3));
        Assert.Equal("shape", e.ParamName);
        Assert.Contains("-3", e.Message, StringComparison.Ordinal);
        Assert.Contains("shape[1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverflowingShape_IsRefused_NamingShape()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DenseTensor<float>(65_536, 65_536));
        Assert.Equal("shape", e.ParamName);
        Assert.Contains("[65536, 65536]", e.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => DenseTensor.Random<double>([int.MaxValue, 2, int.MaxValue], 1));
        Assert.Equal("shape", e2.ParamName);
    }

    [Fact]
    public void EmptyShape_IsRefused() =>
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new DenseTensor<float>()).ParamName);

    [Fact]
    public void UnsupportedElementType_IsRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => new DenseTensor<int>(2));
        Assert.Contains("Int32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_SharesStorage_AndChecksLength()
    {
        var data = new float[6];
        var t = DenseTensor.Wrap(data, 2, 3);
        t[1, 0] = 5;
        Assert.Equal(5f, data[3]);
        var e = Assert.Throws<ArgumentException>(() => DenseTensor.Wrap(new float[5], 2, 3));
        Assert.Equal("storage", e.ParamName);
        Assert.Contains("5", e.Message, StringComparison.Ordinal);
        Assert.Contains("6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Indexer_OutOfRange_NamesIndicesAndValue()
    {
        var t = new DenseTensor<float>(2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t[1, 3]);
        Assert.Equal("indices", e.ParamName);
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => t[1]).ParamName);
        Assert.Equal("row", Assert.Throws<ArgumentOutOfRangeException>(() => t.AsMatrix()[-1, 0]).ParamName);
        Assert.Equal("column", Assert.Throws<ArgumentOutOfRangeException>(() => t.AsMatrix()[0, 3]).ParamName);
    }

    [Fact]
    public void AsMatrix_OnRank3_IsRefused() =>
        Assert.Throws<InvalidOperationException>(() => new DenseTensor<float>(2, 2, 2).AsMatrix());

    [Fact]
    public void TensorSpan_SeesTheSameElements()
    {
        DenseTensor<double> t = DenseTensor.Random<double>([4, 6], seed: 3);
        MatrixView<double> tile = t.AsMatrix().Tile(1, 2, 2, 3);
        System.Numerics.Tensors.TensorSpan<double> span = tile.AsTensorSpan();
        Assert.Equal(t[2, 4], span[1, 2]);
        span[0, 0] = 42;
        Assert.Equal(42, t[1, 2]);
    }
}
