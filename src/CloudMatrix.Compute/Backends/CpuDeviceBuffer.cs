namespace CloudMatrix.Compute.Backends;

/// <summary>A <see cref="DeviceBuffer{T}"/> of the <c>cpu-simd</c> backend: a managed array in host memory.</summary>
internal sealed class CpuDeviceBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private T[] _array;

    public CpuDeviceBuffer(ComputeBackend backend, T[] array)
        : base(backend, array.Length) => _array = array;

    /// <summary>The elements (kernels read and write them in place).</summary>
    public Memory<T> Memory => _array;

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => _array;

    private protected override Memory<T> HostMemory => _array;

    private protected override void CopyFromHost(ReadOnlySpan<T> source, int destinationOffset) =>
        source.CopyTo(_array.AsSpan(destinationOffset));

    private protected override void CopyToHost(Span<T> destination, int sourceOffset) =>
        _array.AsSpan(sourceOffset, destination.Length).CopyTo(destination);

    private protected override void Release() => _array = [];
}
