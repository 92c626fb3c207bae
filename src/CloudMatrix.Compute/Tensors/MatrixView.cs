using System.Runtime.CompilerServices;

namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// A zero-copy, row-major 2-D window on a tensor's storage: element (i, j) lies at <c>Offset + i * LeadingDimension + j</c>
/// of the backing array. Row blocks, column blocks and tiles of a view are views of the same storage, so a GEMM kernel
/// runs on a shard of a larger matrix without a copy: pass <see cref="Span"/> (which starts at element (0, 0)) with
/// <see cref="LeadingDimension"/> (the parent's row stride in elements).
/// </summary>
/// <typeparam name="T">The element type: <see cref="Numerics.BFloat16"/>, <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>Writes through a view change the parent; two views may overlap. The default value is a 0 x 0 view.</remarks>
public readonly struct MatrixView<T> : IEquatable<MatrixView<T>>
    where T : unmanaged
{
    private readonly T[]? _storage;

    internal MatrixView(T[] storage, int offset, int rows, int columns, int leadingDimension)
    {
        _storage = storage;
        Offset = offset;
        Rows = rows;
        Columns = columns;
        LeadingDimension = leadingDimension;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Distance in elements between the starts of two consecutive rows (at least <see cref="Columns"/>).</summary>
    public int LeadingDimension { get; }

    /// <summary>Index in elements of element (0, 0) in the backing storage.</summary>
    public int Offset { get; }

    /// <summary>Number of elements, <c>Rows * Columns</c>.</summary>
    public int Length => Rows * Columns;

    /// <summary>Whether the rows follow each other with no gap (then <see cref="Span"/> holds exactly the elements).</summary>
    public bool IsContiguous => Rows <= 1 || LeadingDimension == Columns;

    /// <summary>
    /// The backing storage from element (0, 0) to element (Rows - 1, Columns - 1): <c>(Rows - 1) * LeadingDimension +
    /// Columns</c> elements, empty when the view is. Between rows it includes elements outside the view (the gaps of
    /// the leading dimension); write only inside the view.
    /// </summary>
    public Span<T> Span => Length == 0 ? Span<T>.Empty : _storage.AsSpan(Offset, ((Rows - 1) * LeadingDimension) + Columns);

    /// <summary>The element at (<paramref name="row"/>, <paramref name="column"/>).</summary>
    /// <param name="row">Row index, in [0, Rows).</param>
    /// <param name="column">Column index, in [0, Columns).</param>
    /// <returns>A reference into the backing storage.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the view.</exception>
    public ref T this[int row, int column]
    {
        get
        {
            Shapes.CheckIndex(row, Rows, nameof(row));
            Shapes.CheckIndex(column, Columns, nameof(column));
            return ref _storage![Offset + (row * LeadingDimension) + column];
        }
    }

    /// <summary>Row <paramref name="row"/> as a span of <see cref="Columns"/> elements.</summary>
    /// <param name="row">Row index, in [0, Rows).</param>
    /// <returns>The row's elements in the backing storage.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is outside the view.</exception>
    public Span<T> Row(int row)
    {
        Shapes.CheckIndex(row, Rows, nameof(row));
        return Columns == 0 ? Span<T>.Empty : _storage.AsSpan(Offset + (row * LeadingDimension), Columns);
    }

    /// <summary>Rows [<paramref name="startRow"/>, <paramref name="startRow"/> + <paramref name="rowCount"/>), all columns.</summary>
    /// <param name="startRow">First row, in [0, Rows].</param>
    /// <param name="rowCount">Number of rows, in [0, Rows - startRow].</param>
    /// <returns>A view of the same storage.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The block is not inside the view.</exception>
    public MatrixView<T> RowBlock(int startRow, int rowCount) => Tile(startRow, 0, rowCount, Columns);

    /// <summary>Columns [<paramref name="startColumn"/>, <paramref name="startColumn"/> + <paramref name="columnCount"/>), all rows.</summary>
    /// <param name="startColumn">First column, in [0, Columns].</param>
    /// <param name="columnCount">Number of columns, in [0, Columns - startColumn].</param>
    /// <returns>A view of the same storage with the same leading dimension.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The block is not inside the view.</exception>
    public MatrixView<T> ColumnBlock(int startColumn, int columnCount) => Tile(0, startColumn, Rows, columnCount);

    /// <summary>The <paramref name="rowCount"/> x <paramref name="columnCount"/> tile whose top-left element is
    /// (<paramref name="startRow"/>, <paramref name="startColumn"/>).</summary>
    /// <param name="startRow">First row, in [0, Rows].</param>
    /// <param name="startColumn">First column, in [0, Columns].</param>
    /// <param name="rowCount">Number of rows, in [0, Rows - startRow].</param>
    /// <param name="columnCount">Number of columns, in [0, Columns - startColumn].</param>
    /// <returns>A view of the same storage with the same leading dimension.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The tile is not inside the view.</exception>
    public MatrixView<T> Tile(int startRow, int startColumn, int rowCount, int columnCount)
    {
        Shapes.CheckRange(startRow, rowCount, Rows, nameof(startRow), nameof(rowCount));
        Shapes.CheckRange(startColumn, columnCount, Columns, nameof(startColumn), nameof(columnCount));
        int offset = rowCount == 0 || columnCount == 0 ? Offset : Offset + (startRow * LeadingDimension) + startColumn;
        return new MatrixView<T>(_storage ?? [], offset, rowCount, columnCount, LeadingDimension);
    }

    /// <summary>Sets every element of the view (and nothing between its rows) to <paramref name="value"/>.</summary>
    /// <param name="value">The value to store.</param>
    public void Fill(T value)
    {
        for (int i = 0; i < Rows; i++)
        {
            Row(i).Fill(value);
        }
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, which must have the same rows and columns.</summary>
    /// <param name="destination">The target view; may be of another tensor. Must not overlap this view.</param>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public void CopyTo(MatrixView<T> destination) => ConvertTo(destination);

    /// <summary>Converts the elements into <paramref name="destination"/> (same rows and columns, any supported element
    /// type): narrowing rounds once to nearest, ties to even; widening is exact.</summary>
    /// <typeparam name="TTo">The destination element type.</typeparam>
    /// <param name="destination">The target view; must not overlap this view.</param>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="TTo"/> is not a supported element type.</exception>
    public void ConvertTo<TTo>(MatrixView<TTo> destination)
        where TTo : unmanaged
    {
        ElementConvert.EnsureSupported<TTo>();
        if (destination.Rows != Rows || destination.Columns != Columns)
        {
            throw new ArgumentException(
                $"destination is {destination.Rows} x {destination.Columns} but the source is {Rows} x {Columns}; they must match.",
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

        for (int i = 0; i < Rows; i++)
        {
            ElementConvert.Convert<T, TTo>(Row(i), destination.Row(i));
        }
    }

    /// <summary>A new dense Rows x Columns tensor holding a copy of the elements.</summary>
    /// <returns>The copy.</returns>
    public DenseTensor<T> ToDense()
    {
        var result = new DenseTensor<T>(Rows, Columns);
        CopyTo(result.AsMatrix());
        return result;
    }

    /// <summary>The same elements as a <see cref="System.Numerics.Tensors.TensorSpan{T}"/> (lengths [Rows, Columns],
    /// strides [LeadingDimension, 1]), for the operations of System.Numerics.Tensors; an empty view gives
    /// <see cref="System.Numerics.Tensors.TensorSpan{T}.Empty"/>.</summary>
    /// <returns>A tensor span over the same storage.</returns>
    public System.Numerics.Tensors.TensorSpan<T> AsTensorSpan() =>
        Length == 0
            ? System.Numerics.Tensors.TensorSpan<T>.Empty // a zero extent over empty memory is refused there
            : new System.Numerics.Tensors.TensorSpan<T>(Span, [Rows, Columns], [LeadingDimension, 1]);

    /// <summary>Whether both views are the same window on the same storage.</summary>
    /// <param name="other">The other view.</param>
    /// <returns>True when storage, offset, shape and leading dimension all agree.</returns>
    public bool Equals(MatrixView<T> other) =>
        ReferenceEquals(_storage, other._storage) && Offset == other.Offset && Rows == other.Rows &&
        Columns == other.Columns && LeadingDimension == other.LeadingDimension;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MatrixView<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(RuntimeHelpers.GetHashCode(_storage), Offset, Rows, Columns, LeadingDimension);

    /// <summary>Window equality; see <see cref="Equals(MatrixView{T})"/>.</summary>
    /// <param name="left">A view.</param>
    /// <param name="right">Another view.</param>
    /// <returns>Whether they are the same window.</returns>
    public static bool operator ==(MatrixView<T> left, MatrixView<T> right) => left.Equals(right);

    /// <summary>Window inequality.</summary>
    /// <param name="left">A view.</param>
    /// <param name="right">Another view.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(MatrixView<T> left, MatrixView<T> right) => !left.Equals(right);

    /// <summary>A description such as <c>MatrixView&lt;f32&gt; 128 x 64 (ld 256, offset 512)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"MatrixView<{ElementConvert.Name<T>()}> {Rows} x {Columns} (ld {LeadingDimension}, offset {Offset})";
}
