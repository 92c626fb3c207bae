namespace CloudMatrix.Compute.Collectives;

/// <summary>The collective operations, named as in NCCL and MPI.</summary>
public enum CollectiveOperation
{
    /// <summary>Every rank ends with the element-wise sum of all ranks' buffers.</summary>
    AllReduce,

    /// <summary>Rank <c>i</c> ends with part <c>i</c> of the element-wise sum (parts as in <see cref="Collective.Partition"/>).</summary>
    ReduceScatter,

    /// <summary>Every rank ends with all ranks' buffers concatenated in group order.</summary>
    AllGather,

    /// <summary>Every rank ends with the root's buffer.</summary>
    Broadcast,

    /// <summary>The root ends with the element-wise sum of all ranks' buffers.</summary>
    Reduce,

    /// <summary>Rank <c>j</c> ends with part <c>j</c> of every rank's buffer, concatenated in group order.</summary>
    AllToAll,

    /// <summary>Point to point: the group's second device ends with the first device's buffer (a group of exactly two).</summary>
    SendReceive,
}
