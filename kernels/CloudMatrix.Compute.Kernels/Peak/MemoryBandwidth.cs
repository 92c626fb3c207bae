namespace CloudMatrix.Compute.Kernels.Peak;

/// <summary>Host memory bandwidth measured by <see cref="HostPeak.MeasureMemoryBandwidth"/> (GB/s = 1e9 bytes/s).</summary>
/// <param name="Threads">Threads that streamed at once, each over its own slice.</param>
/// <param name="Bytes">Bytes of each buffer (the source; the copy writes as many to a second buffer).</param>
/// <param name="ReadBytesPerSecond">Bytes read per second by a vector sum over the buffer (best of the trials).</param>
/// <param name="CopyBytesPerSecond">
/// Bytes copied per second with 64-byte loads and non-temporal stores (best of the trials), as the conversion kernels
/// store large outputs; every byte copied is read once and written once, so the memory traffic is twice this.
/// </param>
public sealed record MemoryBandwidth(int Threads, long Bytes, double ReadBytesPerSecond, double CopyBytesPerSecond)
{
    /// <summary>Read plus write traffic of the copy, in bytes per second: the bound of a kernel that reads one stream and writes another.</summary>
    public double CopyTrafficBytesPerSecond => 2 * CopyBytesPerSecond;
}
