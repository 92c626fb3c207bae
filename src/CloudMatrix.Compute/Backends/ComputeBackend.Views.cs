using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Backends;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// Runs independent GEMMs on views of this backend's buffers (each virtual device's task on its own shards), as
    /// one batch: on the host backend across all cores, on a GPU back to back. The C views must not overlap each other
    /// or any input.
    /// </summary>
    /// <param name="tasks">The GEMMs.</param>
    /// <exception cref="ArgumentNullException">A task's A, B or C buffer is null (ParamName <c>tasks</c>).</exception>
    /// <exception cref="ArgumentException">A task has no C or two Cs, a buffer of another backend, or a view that runs past its buffer
    /// (ParamName <c>tasks</c>; the message names the task as <c>tasks[i]</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small (ParamName <c>tasks</c>).</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void GemmBatch(ReadOnlySpan<DeviceGemmTask> tasks)
    {
        ThrowIfDisposed();
        for (int i = 0; i < tasks.Length; i++)
        {
            ValidateView(tasks[i], i, nameof(tasks));
        }

        if (tasks.Length > 0)
        {
            GemmViewsCore(tasks);
        }
    }

    /// <summary>Copies a <paramref name="rows"/> x <paramref name="cols"/> block between two row-major views.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="source">Source buffer, on this backend.</param>
    /// <param name="sourceOffset">Source block's first element; at least 0.</param>
    /// <param name="sourceLd">Source leading dimension, elements; at least <paramref name="cols"/> when
    /// <paramref name="rows"/> &gt; 1.</param>
    /// <param name="destination">Destination buffer, on this backend (may not overlap the source block).</param>
    /// <param name="destinationOffset">Destination block's first element; at least 0.</param>
    /// <param name="destinationLd">Destination leading dimension, elements; at least <paramref name="cols"/> when
    /// <paramref name="rows"/> &gt; 1.</param>
    /// <param name="rows">Rows, at least 0.</param>
    /// <param name="cols">Columns, at least 0.</param>
    /// <exception cref="ArgumentNullException">A buffer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or offset, a leading dimension below
    /// <paramref name="cols"/>, or a block that runs past its buffer.</exception>
    /// <exception cref="ArgumentException">A buffer of another backend, or overlapping rows in one buffer.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void Copy2D<T>(DeviceBuffer<T> source, int sourceOffset, int sourceLd, DeviceBuffer<T> destination, int destinationOffset, int destinationLd, int rows, int cols)
        where T : unmanaged
    {
        CheckOwned(source, nameof(source));
        CheckOwned(destination, nameof(destination));
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        CheckBlock(source.Length, sourceOffset, sourceLd, rows, cols, nameof(sourceOffset), nameof(sourceLd));
        CheckBlock(destination.Length, destinationOffset, destinationLd, rows, cols, nameof(destinationOffset), nameof(destinationLd));
        if (rows == 0 || cols == 0) return;
        if (cols == sourceLd && cols == destinationLd)
        {
            Copy(source, sourceOffset, destination, destinationOffset, rows * cols);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            Copy(source, sourceOffset + (r * sourceLd), destination, destinationOffset + (r * destinationLd), cols);
        }
    }

    /// <summary>Whether several threads may call this backend's methods at once (the host backend: yes).</summary>
    public virtual bool IsThreadSafe => false;

    private protected virtual void GemmViewsCore(ReadOnlySpan<DeviceGemmTask> tasks)
    {
        foreach (DeviceGemmTask t in tasks)
        {
            GemmViewCore(t);
        }
    }

    private protected abstract void GemmViewCore(in DeviceGemmTask task);

    private void ValidateView(in DeviceGemmTask t, int index, string paramName)
    {
        string where = $"{paramName}[{index}]";
        if (t.M < 1 || t.N < 1 || t.K < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, $"{where}: M, N, K are {t.M}, {t.N}, {t.K}; each must be at least 1.");
        }

        if ((t.CFloat is null) == (t.CBFloat16 is null))
        {
            throw new ArgumentException($"{where}: set exactly one of CFloat and CBFloat16 (both are {(t.CFloat is null ? "null" : "set")}).", paramName);
        }

        CheckView(t.A, t.AOffset, t.Lda, t.M, t.K, where, "A", paramName);
        CheckView(t.B, t.BOffset, t.Ldb, t.K, t.N, where, "B", paramName);
        if (t.CFloat is not null) CheckView(t.CFloat, t.COffset, t.Ldc, t.M, t.N, where, "CFloat", paramName);
        else CheckView(t.CBFloat16!, t.COffset, t.Ldc, t.M, t.N, where, "CBFloat16", paramName);
    }

    private void CheckView<T>(DeviceBuffer<T> buffer, int offset, int ld, int rows, int cols, string where, string operand, string paramName)
        where T : unmanaged
    {
        string what = $"{where}.{operand}";
        if (buffer is null)
        {
            throw new ArgumentNullException(paramName, $"{what} is null.");
        }

        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        if (!ReferenceEquals(buffer.Backend, this))
        {
            throw new ArgumentException(
                $"{what} belongs to backend '{buffer.Backend.Name}' ({buffer.Backend.DeviceName}), not to this '{Name}' backend; copy it through the host first.",
                paramName);
        }

        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(paramName, ld, $"{where}: the leading dimension of {operand} is {ld}, below its {cols} columns; it must be at least {cols}.");
        }

        long end = offset + ((long)(rows - 1) * ld) + cols;
        if (offset < 0 || end > buffer.Length)
        {
            throw new ArgumentException(
                $"{where}: {operand} is a {rows} x {cols} view at offset {offset} with leading dimension {ld}, ending at element {end}; " +
                $"the offset must be in [0, {buffer.Length - (end - offset)}] for its buffer of {buffer.Length}" +
                (end - offset > buffer.Length ? " (the view is larger than the buffer)." : "."),
                paramName);
        }
    }

    /// <summary>Throws unless a rows x cols block at offset with leading dimension ld lies inside a buffer of length elements.</summary>
    private static void CheckBlock(int length, int offset, int ld, int rows, int cols, string offsetName, string ldName)
    {
        if (rows > 1 && ld < cols)
        {
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"{ldName} is {ld} but the block has {cols} columns in {rows} rows; {ldName} must be at least {cols} (rows would overlap).");
        }

        long extent = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (offset < 0 || offset + extent > length)
        {
            throw new ArgumentOutOfRangeException(offsetName, offset,
                $"{offsetName} is {offset}; a {rows} x {cols} block with leading dimension {ld} spans {extent} elements, " +
                (extent > length ? $"more than the buffer's {length}." : $"so in a buffer of {length} it must be in [0, {length - extent}]."));
        }
    }

    private protected static GemmBatchItem HostItem(in DeviceGemmTask t, Memory<BFloat16> a, Memory<BFloat16> b, Memory<float> cf, Memory<BFloat16> cb)
    {
        float beta = t.Accumulate ? 1f : 0f;
        return t.CFloat is not null
            ? new GemmBatchItem(GemmTranspose.None, GemmTranspose.None, t.M, t.N, t.K, 1f, a[t.AOffset..], t.Lda, b[t.BOffset..], t.Ldb, beta, cf[t.COffset..], t.Ldc)
            : new GemmBatchItem(GemmTranspose.None, GemmTranspose.None, t.M, t.N, t.K, 1f, a[t.AOffset..], t.Lda, b[t.BOffset..], t.Ldb, beta, cb[t.COffset..], t.Ldc);
    }
}
