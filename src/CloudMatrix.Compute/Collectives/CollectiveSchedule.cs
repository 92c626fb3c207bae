namespace CloudMatrix.Compute.Collectives;

/// <summary>What a schedule step does with the data it moves.</summary>
internal enum StepKind : byte
{
    /// <summary>The destination's work range is overwritten with the (wire-rounded) source range.</summary>
    Copy,

    /// <summary>The (wire-rounded) source range is added, in FP32, to the destination's work range.</summary>
    Reduce,
}

/// <summary>Which buffer of the source rank a step reads.</summary>
internal enum StepSource : byte
{
    /// <summary>The rank's original input buffer (never written).</summary>
    Input,

    /// <summary>The rank's working buffer (partial sums, gathered parts).</summary>
    Work,
}

/// <summary>
/// One step of a collective: <see cref="Count"/> elements go from rank <see cref="Source"/> to rank
/// <see cref="Destination"/> (group positions). A step whose source is its destination is local work (no transfer).
/// A transfer rounds its data to the wire type; a local step does not.
/// </summary>
internal struct ScheduleStep
{
    public int Source;
    public int Destination;
    public StepSource From;
    public StepKind Kind;
    public int SourceOffset;
    public int DestinationOffset;
    public int Count;
    public int DependencyStart;
    public int DependencyCount;

    /// <summary>The round it was emitted in: steps of one round are concurrent, rounds follow one another.</summary>
    public int Round;

    public readonly bool IsTransfer => Source != Destination;
}

/// <summary>
/// A collective as a dependency graph of steps in a topological order: executing the steps in list order on real
/// buffers gives the algorithm's result bit for bit, and the transfers with their dependencies are what the network
/// simulator times. The graph's shape depends on the element counts only through the step sizes.
/// </summary>
internal sealed record CollectiveSchedule
{
    public required CollectiveOperation Operation { get; init; }
    public required CollectiveAlgorithm Algorithm { get; init; }
    public required int Ranks { get; init; }
    public required int InputLength { get; init; }
    public required ScheduleStep[] Steps { get; init; }
    public required int[] Dependencies { get; init; }

    /// <summary>
    /// How many of the schedule's reductions run at once on one device and share its vector units and HBM (2 for the
    /// two directions of a bidirectional ring): each reduction is timed at 1/this of the device's rate.
    /// </summary>
    public int ReduceConcurrency { get; init; } = 1;

    /// <summary>Bytes on the wire per byte a transfer step moves (1 except for timing-only shapes such as an in-switch reduction's).</summary>
    public double WireScale { get; init; } = 1;

    /// <summary>Length of each rank's working buffer, in elements.</summary>
    public required int[] WorkLengths { get; init; }

    /// <summary>The range of each rank's working buffer that is its output; a count of -1 means the rank has none.</summary>
    public required (int Offset, int Count)[] Outputs { get; init; }

    public ReadOnlySpan<int> DependenciesOf(in ScheduleStep step) => Dependencies.AsSpan(step.DependencyStart, step.DependencyCount);

    public int TransferCount
    {
        get
        {
            int n = 0;
            foreach (ref readonly ScheduleStep s in Steps.AsSpan())
            {
                if (s.IsTransfer) n++;
            }

            return n;
        }
    }
}
