using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Mpi;

/// <summary>One process's part of a distributed run: the report (the same on every process) and the blocks of C this
/// process holds. Dispose it to free them.</summary>
public sealed class DistributedRun : IDisposable
{
    private readonly DeviceBuffer<BFloat16>?[] _c;

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
    public DeviceBuffer<BFloat16>? LocalC(int position) => _c[position];

    /// <summary>Frees this process's blocks of C.</summary>
    public void Dispose()
    {
        foreach (var b in _c.Distinct()) b?.Dispose();
    }
}
