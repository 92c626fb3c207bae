using System.Runtime.CompilerServices;

namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// A zero-copy, row-major N-D window on a tensor's storage (the result of slicing): element (i0, ..., iN-1) lies at
/// <c>Offset + sum(i_k * Strides[k])</c> of the backing array, and the last stride is 1.
/// </summary>
/// <typeparam name="T">The element type: <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>Writes through a view change the parent; two views may overlap. Create views with
/// <see cref="DenseTensor{T}.Slice(ReadOnlySpan{Range})"/> or <see cref="DenseTensor{T}.AsView"/>.</remarks>
public readonly struct TensorView<T>
    where T : unmanaged
{
    private readonly T[] _storage;
    private readonly int[] _shape;
    private readonly int[] _strides;

    internal TensorView(T[] storage, int offset, int[] shape, int[] strides)
    {
        _storage = storage;
        Offset = offset;
        _shape = shape;
        _strides = strides;
    }

    /// <summary>The extent of each axis.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The distance in elements between neighbours along each axis (the parent's row-major strides).</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Number of axes.</summary>
    public int Rank => _shape?.Length ?? 0;

    /// <summary>Index in elements of the first element in the backing storage.</summary>
    public int Offset { get; }

    /// <summary>Number of elements (the product of <see cref="Shape"/>).</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int extent in Shape)
            {
                length *= extent;
            }

            return Rank == 0 ? 0 : length;
        }
    }

    /// <summary>Whether the elements lie next to each other with no gap (then <see cref="Span"/> holds exactly them).</summary>
    public bool IsContiguous
    {
        get
        {
            if (Length == 0)
            {
                return true;
            }

            int expected = 1;
            for (int axis = Rank - 1; axis >= 0; axis--)
            {
                if (_shape[axis] != 1 && _strides[axis] != expected)
                {
                    return false;
                }

                expected *= _shape[axis];
            }

            return true;
        }
    }

    /// <summary>The backing storage from the first element of the view to its last (empty when the view is); between
    /// rows it includes elements outside the view.</summary>
    public Span<T> Span
    {
        get
        {
            if (Length == 0)
            {
                return Span<T>.Empty;
            }

            int last = 0;
            for (int axis = 0; axis < Rank; axis++)
            {
                last += (_shape[axis] - 1) * _strides[axis];
            }

            return _storage.AsSpan(Offset, last + 1);
        }
    }

    /// <summary>The element at <paramref name="indices"/> (one index per axis).</summary>
    /// <param name="indices">One index per axis, each in [0, extent).</param>
    /// <returns>A reference into the backing storage.</returns>
    /// <exception cref="ArgumentException">The number of indices is not <see cref="Rank"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside its axis.</exception>
    /// <exception cref="InvalidOperationException">The view is the default value (no storage).</exception>
    public ref T this[params ReadOnlySpan<int> indices] => ref _storage[ElementIndex(indices)];

    /// <summary>
    /// A view of the sub-block that <paramref name="ranges"/> selects, one range per leading axis; axes without a
    /// range are kept whole. <c>view.Slice(2..5, ..)</c> keeps rows 2, 3 and 4.
    /// </summary>
    /// <param name="ranges">At most <see cref="Rank"/> ranges, each inside its axis (from-end indices allowed).</param>
    /// <returns>A view of the same storage.</returns>
    /// <exception cref="ArgumentException">More ranges than axes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A range is outside its axis or reversed.</exception>
    public TensorView<T> Slice(params ReadOnlySpan<Range> ranges)
    {
        if (ranges.Length > Rank)
        {
            throw new ArgumentException(
                $"ranges has {ranges.Length} entries but the view {Shapes.Format(Shape)} has {Rank} axes.", nameof(ranges));
        }

        int offset = Offset;
        int[] shape = Shape.ToArray();
        bool empty = false;
        for (int axis = 0; axis < ranges.Length; axis++)
        {
            int extent = _shape[axis];
            int start = ranges[axis].Start.IsFromEnd ? extent - ranges[axis].Start.Value : ranges[axis].Start.Value;
            int end = ranges[axis].End.IsFromEnd ? extent - ranges[axis].End.Value : ranges[axis].End.Value;
            if (start < 0 || end > extent || start > end)
            {
                throw new ArgumentOutOfRangeException(nameof(ranges), ranges[axis],
                    $"ranges[{axis}] is {ranges[axis]}, i.e. [{start}, {end}), but axis {axis} has extent {extent}: " +
                    $"it must satisfy 0 <= start <= end <= {extent}.");
            }

            shape[axis] = end - start;
            empty |= end == start;
            offset += start * _strides[axis];
        }

        return new TensorView<T>(_storage, empty ? Offset : offset, shape, _strides);
    }

    /// <summary>This rank-2 view as a <see cref="MatrixView{T}"/> (leading dimension = the row stride).</summary>
    /// <returns>A matrix view of the same elements.</returns>
    /// <exception cref="InvalidOperationException">The view is not rank 2.</exception>
    public MatrixView<T> AsMatrix()
    {
        if (Rank != 2)
        {
            throw new InvalidOperationException(
                $"Only a rank-2 view is a matrix; this one has shape {Shapes.Format(Shape)} (rank {Rank}).");
        }

        return new MatrixView<T>(_storage, Offset, _shape[0], _shape[1], Math.Max(_strides[0], _shape[1]));
    }

    /// <summary>Copies into <paramref name="destination"/>, which must have the same shape.</summary>
    /// <param name="destination">The target view; must not overlap this view.</param>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public void CopyTo(TensorView<T> destination) => ConvertTo(destination);

    /// <summary>Converts into <paramref name="destination"/> (same shape, any supported element type): narrowing
    /// rounds once to nearest, ties to even; widening is exact.</summary>
    /// <typeparam name="TTo">The destination element type.</typeparam>
    /// <param name="destination">The target view; must not overlap this view.</param>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="TTo"/> is not a supported element type.</exception>
    public void ConvertTo<TTo>(TensorView<TTo> destination)
        where TTo : unmanaged
    {
        ElementConvert.EnsureSupported<TTo>();
        if (!Shape.SequenceEqual(destination.Shape))
        {
            throw new ArgumentException(
                $"destination has shape {Shapes.Format(destination.Shape)} but the source has {Shapes.Format(Shape)}; they must match.",
                nameof(destination));
        }

        if (Length == 0)
        {
            return;
        }

        if (IsContiguous && destination.IsContiguous)
        {
            ElementConvert.Convert<T, TTo>(Span, destination.Span);
            return;
        }

        // Walk the rows (every axis but the last, odometer order); each row is contiguous in both views.
        int rowLength = _shape[Rank - 1];
        var index = new int[Rank - 1];
        int rows = Length / rowLength;
        for (int row = 0; row < rows; row++)
        {
            int source = Offset, target = destination.Offset;
            for (int axis = 0; axis < index.Length; axis++)
            {
                source += index[axis] * _strides[axis];
                target += index[axis] * destination._strides[axis];
            }

            ElementConvert.Convert<T, TTo>(_storage.AsSpan(source, rowLength), destination._storage.AsSpan(target, rowLength));
            for (int axis = index.Length - 1; axis >= 0 && ++index[axis] == _shape[axis]; axis--)
            {
                index[axis] = 0;
            }
        }
    }

    /// <summary>A new dense tensor of the same shape holding a copy of the elements.</summary>
    /// <returns>The copy.</returns>
    public DenseTensor<T> ToDense()
    {
        var result = new DenseTensor<T>(Shape);
        CopyTo(result.AsView());
        return result;
    }

    /// <summary>The same elements as a <see cref="System.Numerics.Tensors.TensorSpan{T}"/>, for the operations of
    /// System.Numerics.Tensors; an empty view gives <see cref="System.Numerics.Tensors.TensorSpan{T}.Empty"/>.</summary>
    /// <returns>A tensor span over the same storage.</returns>
    public System.Numerics.Tensors.TensorSpan<T> AsTensorSpan()
    {
        var lengths = new nint[Rank];
        var strides = new nint[Rank];
        for (int axis = 0; axis < Rank; axis++)
        {
            lengths[axis] = _shape[axis];
            strides[axis] = _strides[axis];
        }

        // System.Numerics.Tensors 10.0 refuses a zero extent over empty memory, so an empty view maps to Empty.
        return Length == 0
            ? System.Numerics.Tensors.TensorSpan<T>.Empty
            : new System.Numerics.Tensors.TensorSpan<T>(Span, lengths, strides);
    }

    /// <summary>A description such as <c>TensorView&lt;bf16&gt; [4, 8] (strides [16, 1], offset 3)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"TensorView<{ElementConvert.Name<T>()}> {Shapes.Format(Shape)} (strides {Shapes.Format(Strides)}, offset {Offset})";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ElementIndex(ReadOnlySpan<int> indices)
    {
        if (indices.Length != Rank || _storage is null)
        {
            if (_storage is null)
            {
                throw new InvalidOperationException("This view is default(TensorView<T>): it has no axes and no elements; create views with DenseTensor<T>.AsView or Slice.");
            }

            throw new ArgumentException(
                $"indices has {indices.Length} entries but the view {Shapes.Format(Shape)} has {Rank} axes.", nameof(indices));
        }

        int index = Offset;
        for (int axis = 0; axis < indices.Length; axis++)
        {
            if ((uint)indices[axis] >= (uint)_shape[axis])
            {
                throw new ArgumentOutOfRangeException(nameof(indices), indices[axis],
                    $"indices[{axis}] is {indices[axis]}; it must be in [0, {_shape[axis] - 1}] (axis {axis} has extent {_shape[axis]}).");
            }

            index += indices[axis] * _strides[axis];
        }

        return index;
    }
}
