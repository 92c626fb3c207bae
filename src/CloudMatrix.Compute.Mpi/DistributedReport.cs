using System.Globalization;
using System.Text;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// The report of a distributed run: the single-process report's figures (the simulated time depends only on the plan,
/// not on the processes; host times are the slowest process's) and the host-side figures of each process.
/// </summary>
public sealed record DistributedReport
{
    /// <summary>The run's report: both clocks, error (reduced over every process), memory, energy.</summary>
    public required RunReport Run { get; init; }

    /// <summary>Number of processes (the MPI world size).</summary>
    public required int Processes { get; init; }

    /// <summary>Which devices each process hosted, one line per process.</summary>
    public required string Placement { get; init; }

    /// <summary>Bytes each process sent to the others (index = rank).</summary>
    public required IReadOnlyList<long> MpiBytesPerProcess { get; init; }

    /// <summary>Bytes each process must send to the others by the plan (<see cref="CrossProcessTraffic"/>, computed
    /// from the plan and the placement without data): equal to <see cref="MpiBytesPerProcess"/> (index = rank).</summary>
    public IReadOnlyList<long> PlanBytesPerProcess { get; init; } = [];

    /// <summary>Bytes of host memory each process's real run was estimated to need before allocating (index = rank).</summary>
    public required IReadOnlyList<long> MemoryNeedPerProcessBytes { get; init; }

    /// <summary>Host seconds each process spent generating its shards of A and B (index = rank).</summary>
    public required IReadOnlyList<double> HostGenerateSeconds { get; init; }

    /// <summary>Host seconds each process spent running the plan's steps (index = rank).</summary>
    public required IReadOnlyList<double> HostExecuteSeconds { get; init; }

    /// <summary>Host seconds each process spent verifying its part of C (index = rank).</summary>
    public required IReadOnlyList<double> HostVerifySeconds { get; init; }

    /// <summary>GEMM and local steps each process ran while transfers between processes were in flight (the same on
    /// every process: the schedule depends on the plan alone); 0 when the plan's DAG leaves nothing to overlap.</summary>
    public int OverlappedSteps { get; init; }

    /// <summary>A 64-bit FNV-1a digest of C's distinct blocks in mesh order (hex): equal digests, equal bits.
    /// <see cref="DistributedMatMul.Checksum"/> gives the same digest for a single-process C.</summary>
    public required string CChecksum { get; init; }

    /// <summary>A human-readable summary: the run's report, the placement and each process's figures.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(Run.ToString());
        sb.AppendLine(c, $"Across {Processes} MPI processes (host figures; the simulated time does not depend on them): C digest {CChecksum}; {OverlappedSteps} compute steps overlapped with transfers");
        sb.Append(Placement);
        for (int r = 0; r < Processes; r++)
        {
            sb.AppendLine(c, $"  rank {r}: sent {ByteSize.Format(MpiBytesPerProcess[r])} over MPI{(r < PlanBytesPerProcess.Count ? $" (the plan's cross-process traffic: {ByteSize.Format(PlanBytesPerProcess[r])})" : "")}; generate {HostGenerateSeconds[r]:F3} s, execute {HostExecuteSeconds[r]:F3} s, verify {HostVerifySeconds[r]:F3} s; memory need {ByteSize.Format(MemoryNeedPerProcessBytes[r])}");
        }

        return sb.ToString();
    }

}
