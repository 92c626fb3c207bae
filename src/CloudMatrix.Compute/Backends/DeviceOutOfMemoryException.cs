using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Backends;

/// <summary>
/// A device allocation did not fit. The message names the device, the bytes asked for, the device's memory and what
/// this backend already holds, so the way out (a smaller shape, fewer live buffers, another device) is plain.
/// </summary>
/// <remarks>Not an <see cref="OutOfMemoryException"/>: the host process is fine, one device is full.</remarks>
public sealed class DeviceOutOfMemoryException : InvalidOperationException
{
    /// <summary>Creates the exception with the sizes involved.</summary>
    /// <param name="deviceName">The device that refused.</param>
    /// <param name="requestedBytes">Bytes asked for.</param>
    /// <param name="deviceMemoryBytes">The device's memory in bytes.</param>
    /// <param name="allocatedBytes">Bytes this backend already held in live buffers.</param>
    /// <param name="innerException">The driver's error, if any.</param>
    public DeviceOutOfMemoryException(string deviceName, long requestedBytes, long deviceMemoryBytes, long allocatedBytes, Exception? innerException = null)
        : base($"out of memory on {deviceName}: asked for {requestedBytes} bytes ({ByteSize.Format(requestedBytes)}) with " +
               $"{allocatedBytes} bytes ({ByteSize.Format(allocatedBytes)}) already held by this backend; the device has " +
               $"{deviceMemoryBytes} bytes ({ByteSize.Format(deviceMemoryBytes)}). Use smaller shapes, free buffers, or a device with more memory.",
               innerException)
    {
        DeviceName = deviceName;
        RequestedBytes = requestedBytes;
        DeviceMemoryBytes = deviceMemoryBytes;
        AllocatedBytes = allocatedBytes;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public DeviceOutOfMemoryException()
        : this("unknown device", 0, 0, 0)
    {
    }

    /// <summary>Creates the exception with a plain message.</summary>
    /// <param name="message">The message.</param>
    public DeviceOutOfMemoryException(string message)
        : base(message)
    {
        DeviceName = "unknown device";
    }

    /// <summary>Creates the exception with a plain message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DeviceOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
        DeviceName = "unknown device";
    }

    /// <summary>The device that refused the allocation.</summary>
    public string DeviceName { get; }

    /// <summary>Bytes asked for.</summary>
    public long RequestedBytes { get; }

    /// <summary>The device's memory in bytes.</summary>
    public long DeviceMemoryBytes { get; }

    /// <summary>Bytes the backend already held in live buffers when the allocation failed.</summary>
    public long AllocatedBytes { get; }
}
