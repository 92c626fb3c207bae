using ILGPU;
using ILGPU.Runtime;

namespace CloudMatrix.Compute.Backends;

/// <summary>A <see cref="DeviceBuffer{T}"/> of an ILGPU backend: a dense 1-D ILGPU memory buffer on its accelerator.</summary>
internal sealed class IlgpuDeviceBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private readonly IlgpuBackend _owner;
    private readonly MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    /// <summary>Wraps <paramref name="buffer"/>; null for an empty buffer (ILGPU has no zero-length allocations).</summary>
    public IlgpuDeviceBuffer(IlgpuBackend owner, MemoryBuffer1D<T, Stride1D.Dense>? buffer, int length)
        : base(owner, length)
    {
        _owner = owner;
        _buffer = buffer;
    }

    /// <summary>The device view of the elements.</summary>
    public ArrayView<T> View => _buffer is null ? default : _buffer.View;

    /// <summary>The elements as raw 16-bit patterns, the layout kernels use for bfloat16.</summary>
    public ArrayView<ushort> Bits => View.Cast<ushort>();

    // ILGPU's copies that take a `ref T` expect the base address of a pinned CPU buffer (their documented
    // contract): they turn the reference into an address without pinning it. A host span over a managed array must
    // therefore stay pinned until the copy has completed, or a compacting collection in between could move the
    // array under the copy. So: pin, copy, synchronise, and only then unpin.
    private protected override unsafe void CopyFromHost(ReadOnlySpan<T> source, int destinationOffset)
    {
        lock (_owner.Sync)
        {
            _owner.Bind();
            fixed (T* pinned = source)
            {
                View.SubView(destinationOffset, source.Length).CopyFromCPU(ref *pinned, source.Length);
                _owner.Accelerator.Synchronize();
            }
        }
    }

    private protected override unsafe void CopyToHost(Span<T> destination, int sourceOffset)
    {
        lock (_owner.Sync)
        {
            _owner.Bind();
            _owner.Accelerator.Synchronize();
            fixed (T* pinned = destination)
            {
                View.SubView(sourceOffset, destination.Length).CopyToCPU(ref *pinned, destination.Length);
                _owner.Accelerator.Synchronize();
            }
        }
    }

    private protected override void Release()
    {
        lock (_owner.Sync)
        {
            _owner.Bind();
            _buffer?.Dispose();
        }
    }
}
