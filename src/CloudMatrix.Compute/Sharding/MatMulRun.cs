using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Sharding;

/// <summary>A real run of a plan: the report, the simulated timeline and C (sharded, on the backend). Dispose it to free C.</summary>
public sealed class MatMulRun : IDisposable
{
    internal MatMulRun(RunReport report, Timeline timeline, ShardedTensor c)
    {
        Report = report;
        Timeline = timeline;
        C = c;
    }

    /// <summary>Both clocks, the error, memory and energy.</summary>
    public RunReport Report { get; }

    /// <summary>The simulated timeline (write it with <see cref="Tracing.PerfettoTrace"/>).</summary>
    public Timeline Timeline { get; }

    /// <summary>The product, sharded as the plan's C layout.</summary>
    public ShardedTensor C { get; }

    /// <summary>Frees C.</summary>
    public void Dispose() => C.Dispose();
}
