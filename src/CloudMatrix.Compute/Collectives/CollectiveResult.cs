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
    /// The algorithm whose reduction order the outputs follow: the one that ran and was timed,
    /// <see cref="CollectiveTiming.Algorithm"/>. Under <see cref="CollectiveOptions.Deterministic"/> a reducing
    /// operation runs only an algorithm that reduces in the canonical order (<see cref="CollectiveAlgorithm.Direct"/>,
    /// <see cref="CollectiveAlgorithm.OneShot"/>, <see cref="CollectiveAlgorithm.InSwitch"/>): a request for another
    /// runs Direct, and <see cref="CollectiveTiming.Reason"/> says so.
    /// </summary>
    public CollectiveAlgorithm ReductionOrder { get; init; }

    /// <summary>Simulated time and bandwidths of the algorithm that ran.</summary>
    public CollectiveTiming Timing { get; }
}
