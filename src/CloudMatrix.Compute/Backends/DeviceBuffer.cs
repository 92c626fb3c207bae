using System.Runtime.CompilerServices;

namespace CloudMatrix.Compute.Backends;

/// <summary>
/// A buffer of <typeparamref name="T"/> in the memory of one <see cref="ComputeBackend"/>'s device (host memory for
/// the CPU backends). Created zero-filled by <see cref="ComputeBackend.Allocate{T}(int)"/>; valid until it or its
/// backend is disposed.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/> and <see cref="Numerics.BFloat16"/> for the compute
/// operations; any unmanaged type for copies.</typeparam>
/// <remarks>Copies to and from the host wait for every operation queued before them on the device.</remarks>
public abstract class DeviceBuffer<T> : IDisposable
    where T : unmanaged
{
    private bool _disposed;

    private protected DeviceBuffer(ComputeBackend backend, int length)
    {
        Backend = backend;
        Length = length;
    }

    /// <summary>The backend that owns this buffer; only it can compute on the buffer.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Size in bytes (<see cref="Length"/> times the element size).</summary>
    public long SizeInBytes => (long)Length * Unsafe.SizeOf<T>();

    /// <summary>Whether the buffer (or its backend) has been disposed.</summary>
    public bool IsDisposed => _disposed || Backend.IsDisposed;

    /// <summary>Copies host data into the buffer, starting at element <paramref name="destinationOffset"/>.</summary>
    /// <param name="source">The elements to copy.</param>
    /// <param name="destinationOffset">First element of this buffer to write; at least 0.</param>
    /// <exception cref="ObjectDisposedException">The buffer or its backend has been disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destinationOffset"/> is negative or the copy
    /// would run past the end of the buffer.</exception>
    public void CopyFrom(ReadOnlySpan<T> source, int destinationOffset = 0)
    {
        ThrowIfDisposed();
        CheckRange(destinationOffset, source.Length, nameof(destinationOffset), "source");
        if (!source.IsEmpty)
        {
            CopyFromHost(source, destinationOffset);
        }
    }

    /// <summary>
    /// Copies elements of the buffer, starting at <paramref name="sourceOffset"/>, to host memory; waits for every
    /// operation queued before it.
    /// </summary>
    /// <param name="destination">Receives <c>destination.Length</c> elements.</param>
    /// <param name="sourceOffset">First element of this buffer to read; at least 0.</param>
    /// <exception cref="ObjectDisposedException">The buffer or its backend has been disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sourceOffset"/> is negative or the copy would
    /// run past the end of the buffer.</exception>
    public void CopyTo(Span<T> destination, int sourceOffset = 0)
    {
        ThrowIfDisposed();
        CheckRange(sourceOffset, destination.Length, nameof(sourceOffset), "destination");
        if (!destination.IsEmpty)
        {
            CopyToHost(destination, sourceOffset);
        }
    }

    /// <summary>Copies the whole buffer to a new host array (waits for queued operations).</summary>
    /// <returns>The elements.</returns>
    /// <exception cref="ObjectDisposedException">The buffer or its backend has been disposed.</exception>
    public T[] ToArray()
    {
        var result = new T[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>
    /// The buffer's elements in place, when the device is the host (<c>cpu-simd</c>): lets a caller fill or read a
    /// shard without a second host copy. Valid until the buffer or its backend is disposed; operations on the
    /// backend see writes made through it at once.
    /// </summary>
    /// <param name="memory">The elements, or empty when this returns false.</param>
    /// <returns>Whether the elements live in host memory this process can address.</returns>
    /// <exception cref="ObjectDisposedException">The buffer or its backend has been disposed.</exception>
    public bool TryGetHostMemory(out Memory<T> memory)
    {
        ThrowIfDisposed();
        memory = HostMemory;
        return this is CpuDeviceBuffer<T>;
    }

    /// <summary>Frees the device memory. Idempotent.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!Backend.IsDisposed)
            {
                // A disposed backend has already freed every buffer with its device context.
                Release();
            }

            Backend.ReleaseBytes(SizeInBytes);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A short description for messages: element type, length and size.</summary>
    /// <returns>For example <c>DeviceBuffer&lt;Single&gt;[1024] (4096 bytes) on cpu-simd</c>.</returns>
    public override string ToString() =>
        $"DeviceBuffer<{typeof(T).Name}>[{Length}] ({SizeInBytes} bytes) on {Backend.Name}";

    internal void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(Backend.IsDisposed, Backend);
        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    private protected virtual Memory<T> HostMemory => Memory<T>.Empty;

    private protected abstract void CopyFromHost(ReadOnlySpan<T> source, int destinationOffset);

    private protected abstract void CopyToHost(Span<T> destination, int sourceOffset);

    private protected abstract void Release();

    private void CheckRange(int offset, int count, string offsetName, string spanName)
    {
        if (offset < 0 || (long)offset + count > Length)
        {
            throw new ArgumentOutOfRangeException(offsetName, offset,
                $"{offsetName} is {offset} and {spanName} has {count} elements, but the buffer has {Length}: " +
                $"{offsetName} must be in [0, {Length - count}].");
        }
    }
}
