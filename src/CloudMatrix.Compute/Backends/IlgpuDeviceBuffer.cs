using System.Runtime.InteropServices;
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

    private protected override void CopyFromHost(ReadOnlySpan<T> source, int destinationOffset)
    {
        lock (_owner.Sync)
        {
            _owner.Bind();
            View.SubView(destinationOffset, source.Length)
                .CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
            _owner.Accelerator.Synchronize();
        }
    }

    private protected override void CopyToHost(Span<T> destination, int sourceOffset)
    {
        lock (_owner.Sync)
        {
            _owner.Bind();
            _owner.Accelerator.Synchronize();
            View.SubView(sourceOffset, destination.Length)
                .CopyToCPU(ref MemoryMarshal.GetReference(destination), destination.Length);
            _owner.Accelerator.Synchronize();
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
