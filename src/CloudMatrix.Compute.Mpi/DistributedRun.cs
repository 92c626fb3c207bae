using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Mpi;

/// <summary>One process's part of a distributed run: the report (the same on every process) and the blocks of C this
/// process holds. Dispose it to free them.</summary>
public sealed class DistributedRun : IDisposable
{
    private readonly DeviceBuffer<BFloat16>?[] _c;
    private bool _disposed;

    internal DistributedRun(DistributedReport report, Timeline timeline, ProcessPlacement placement, DeviceBuffer<BFloat16>?[] c)
    {
        Report = report;
        Timeline = timeline;
        Placement = placement;
        _c = c;
    }

    /// <summary>The report.</summary>
    public DistributedReport Report { get; }

    /// <summary>The simulated timeline (the same as a single-process run's).</summary>
    public Timeline Timeline { get; }

    /// <summary>Which process hosts each device.</summary>
    public ProcessPlacement Placement { get; }

    /// <summary>The block of C that mesh position <paramref name="position"/> holds, or null when another process hosts it.</summary>
    /// <param name="position">A mesh position.</param>
    /// <returns>Its buffer (row-major, the plan's C extent), or null.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside 0 to the mesh size - 1.</exception>
    /// <exception cref="ObjectDisposedException">The run was disposed (its blocks are freed).</exception>
    public DeviceBuffer<BFloat16>? LocalC(int position)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)position >= (uint)_c.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"position is {position}; valid: 0 to {_c.Length - 1} (the positions of {Placement.Mesh}).");
        }

        return _c[position];
    }

    /// <summary>Frees this process's blocks of C; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in _c.Distinct()) b?.Dispose();
    }
}
