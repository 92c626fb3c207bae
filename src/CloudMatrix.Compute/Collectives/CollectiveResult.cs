namespace CloudMatrix.Compute.Collectives;

/// <summary>Result of a collective on real buffers: each rank's output and the simulated time.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="Numerics.BFloat16"/>.</typeparam>
public sealed class CollectiveResult<T>
{
    internal CollectiveResult(IReadOnlyList<T[]> outputs, CollectiveTiming timing)
    {
        Outputs = outputs;
        Timing = timing;
    }

    /// <summary>
    /// Output of each rank in group order (the input arrays themselves under in-place). For
    /// <see cref="CollectiveOperation.Reduce"/> only the root has one; the other ranks' entries are empty arrays.
    /// </summary>
    public IReadOnlyList<T[]> Outputs { get; }

    /// <summary>
    /// The algorithm whose reduction order the outputs follow: the timed one, except under
    /// <see cref="CollectiveOptions.Deterministic"/> for reducing operations, where it is
    /// <see cref="CollectiveAlgorithm.Direct"/> (the canonical order) while <see cref="Timing"/> still names the
    /// algorithm that was timed.
    /// </summary>
    public CollectiveAlgorithm ReductionOrder { get; init; }

    /// <summary>Simulated time and bandwidths of the algorithm that ran.</summary>
    public CollectiveTiming Timing { get; }
}
