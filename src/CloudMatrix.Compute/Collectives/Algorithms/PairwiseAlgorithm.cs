namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary><see cref="CollectiveAlgorithm.Pairwise"/>: all-to-all in n-1 exchange steps, rank r sending its part for r+s at step s.</summary>
internal sealed class PairwiseAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.Pairwise;

    public bool Implements(CollectiveOperation operation) => operation == CollectiveOperation.AllToAll;

    public CollectiveSchedule Build(in ScheduleRequest request) => DirectAlgorithm.AllToAll(request.Ranks, request.Length, pairwise: true);
}
