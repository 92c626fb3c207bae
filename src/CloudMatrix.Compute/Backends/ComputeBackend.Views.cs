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
    /// <exception cref="ArgumentException">A task has no C or two Cs, a buffer of another backend, or a view that runs past its buffer;
    /// the message names the task's index.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ObjectDisposedException">The backend or a buffer has been disposed.</exception>
    public void GemmBatch(ReadOnlySpan<DeviceGemmTask> tasks)
    {
        ThrowIfDisposed();
        for (int i = 0; i < tasks.Length; i++)
        {
            ValidateView(tasks[i], i);
        }

        if (tasks.Length > 0)
        {
            GemmViewsCore(tasks);
        }
    }

    /// <summary>Copies a <paramref name="rows"/> x <paramref name="cols"/> block between two row-major views.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="source">Source buffer.</param>
    /// <param name="sourceOffset">Source block's first element.</param>
    /// <param name="sourceLd">Source leading dimension, elements.</param>
    /// <param name="destination">Destination buffer (may not overlap the source block).</param>
    /// <param name="destinationOffset">Destination block's first element.</param>
    /// <param name="destinationLd">Destination leading dimension, elements.</param>
    /// <param name="rows">Rows, at least 0.</param>
    /// <param name="cols">Columns, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">The block runs past a buffer.</exception>
    public void Copy2D<T>(DeviceBuffer<T> source, int sourceOffset, int sourceLd, DeviceBuffer<T> destination, int destinationOffset, int destinationLd, int rows, int cols)
        where T : unmanaged
    {
        if (rows == 0 || cols == 0) return;
        if (cols == sourceLd && cols == destinationLd)
        {
            Copy(source, sourceOffset, destination, destinationOffset, checked(rows * cols));
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

    private void ValidateView(in DeviceGemmTask t, int index)
    {
        string where = $"GEMM task {index}";
        if (t.M < 1 || t.N < 1 || t.K < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(t), $"{where}: M, N, K are {t.M}, {t.N}, {t.K}; each must be at least 1.");
        }

        if ((t.CFloat is null) == (t.CBFloat16 is null))
        {
            throw new ArgumentException($"{where}: set exactly one of CFloat and CBFloat16.", nameof(t));
        }

        CheckView(t.A, t.AOffset, t.Lda, t.M, t.K, where + " A");
        CheckView(t.B, t.BOffset, t.Ldb, t.K, t.N, where + " B");
        if (t.CFloat is not null) CheckView(t.CFloat, t.COffset, t.Ldc, t.M, t.N, where + " C");
        else CheckView(t.CBFloat16!, t.COffset, t.Ldc, t.M, t.N, where + " C");
    }

    private void CheckView<T>(DeviceBuffer<T> buffer, int offset, int ld, int rows, int cols, string what)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer, what);
        ObjectDisposedException.ThrowIf(buffer.IsDisposed, buffer);
        if (!ReferenceEquals(buffer.Backend, this))
        {
            throw new ArgumentException($"{what} belongs to backend {buffer.Backend.Name}, not to {Name}.");
        }

        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(what, ld, $"{what}: leading dimension {ld} is below its {cols} columns.");
        }

        long end = offset + ((long)(rows - 1) * ld) + cols;
        if (offset < 0 || end > buffer.Length)
        {
            throw new ArgumentException($"{what}: a {rows} x {cols} view at offset {offset} with leading dimension {ld} ends at element {end}, past the buffer's {buffer.Length}.");
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
