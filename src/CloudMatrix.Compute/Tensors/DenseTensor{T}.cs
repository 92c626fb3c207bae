namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// A dense, row-major tensor of <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/> that
/// owns one array. Slices, row and column blocks and tiles are zero-copy views of it (<see cref="TensorView{T}"/>,
/// <see cref="MatrixView{T}"/>). Create one with <c>new DenseTensor&lt;T&gt;(shape)</c> (zeros) or the factories of
/// <see cref="DenseTensor"/> (seeded random, wrap an array).
/// </summary>
/// <typeparam name="T">The element type: <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class DenseTensor<T>
    where T : unmanaged
{
    private readonly T[] _storage;
    private readonly int[] _shape;
    private readonly int[] _strides;

    /// <summary>A zero-filled tensor of the given shape.</summary>
    /// <param name="shape">Extent of each axis: at least one axis, each at least 0, at most
    /// <see cref="Array.MaxLength"/> elements in all.</param>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the element count overflows.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported element type.</exception>
    public DenseTensor(params ReadOnlySpan<int> shape)
    {
        ElementConvert.EnsureSupported<T>();
        (_shape, _strides, int length) = Shapes.RowMajor(shape, nameof(shape));
        _storage = new T[length];
    }

    /// <summary>Wraps <paramref name="storage"/> (no copy); its length must equal the shape's element count.</summary>
    internal DenseTensor(T[] storage, ReadOnlySpan<int> shape)
    {
        ElementConvert.EnsureSupported<T>();
        (_shape, _strides, int length) = Shapes.RowMajor(shape, nameof(shape));
        if (storage.Length != length)
        {
            throw new ArgumentException(
                $"storage has {storage.Length} elements but shape {Shapes.Format(shape)} needs exactly {length}.", nameof(storage));
        }

        _storage = storage;
    }

    /// <summary>The extent of each axis.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Row-major strides in elements: the last is 1, each other is the product of the extents after it.</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length => _storage.Length;

    /// <summary>Every element in row-major order (the whole backing storage).</summary>
    public Span<T> Span => _storage;

    /// <summary>Size of the elements in bytes.</summary>
    public long SizeInBytes => (long)_storage.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>The element at <paramref name="indices"/> (one index per axis).</summary>
    /// <param name="indices">One index per axis, each in [0, extent).</param>
    /// <returns>A reference into the storage.</returns>
    /// <exception cref="ArgumentException">The number of indices is not <see cref="Rank"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its axis.</exception>
    public ref T this[params ReadOnlySpan<int> indices] => ref AsView()[indices];

    /// <summary>The whole tensor as a view.</summary>
    /// <returns>A view of the same storage.</returns>
    public TensorView<T> AsView() => new(_storage, 0, _shape, _strides);

    /// <summary>A zero-copy view of the sub-block <paramref name="ranges"/> selects (one range per leading axis,
    /// the other axes whole); see <see cref="TensorView{T}.Slice(ReadOnlySpan{Range})"/>.</summary>
    /// <param name="ranges">At most <see cref="Rank"/> ranges, each inside its axis.</param>
    /// <returns>A view of the same storage.</returns>
    /// <exception cref="ArgumentException">More ranges than axes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A range is outside its axis or reversed.</exception>
    public TensorView<T> Slice(params ReadOnlySpan<Range> ranges) => AsView().Slice(ranges);

    /// <summary>This rank-2 tensor as a matrix view (leading dimension = the number of columns), the starting point
    /// for row blocks, column blocks and tiles.</summary>
    /// <returns>A view of the same storage.</returns>
    /// <exception cref="InvalidOperationException">The tensor is not rank 2.</exception>
    public MatrixView<T> AsMatrix() => AsView().AsMatrix();

    /// <summary>A new tensor of the same shape with the elements converted to <typeparamref name="TTo"/>: narrowing
    /// rounds once to nearest, ties to even; widening is exact.</summary>
    /// <typeparam name="TTo">The new element type.</typeparam>
    /// <returns>The converted copy.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="TTo"/> is not a supported element type.</exception>
    public DenseTensor<TTo> ConvertTo<TTo>()
        where TTo : unmanaged
    {
        var result = new DenseTensor<TTo>(Shape);
        ElementConvert.Convert<T, TTo>(_storage, result.Span);
        return result;
    }

    /// <summary>A copy with its own storage.</summary>
    /// <returns>The copy.</returns>
    public DenseTensor<T> Clone() => new((T[])_storage.Clone(), _shape);

    /// <summary>The tensor as a <see cref="System.Numerics.Tensors.TensorSpan{T}"/>, for the operations of
    /// System.Numerics.Tensors.</summary>
    /// <returns>A tensor span over the same storage.</returns>
    public System.Numerics.Tensors.TensorSpan<T> AsTensorSpan() => AsView().AsTensorSpan();

    /// <summary>A description such as <c>DenseTensor&lt;bf16&gt; [128, 64]</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"DenseTensor<{ElementConvert.Name<T>()}> {Shapes.Format(Shape)}";
}
