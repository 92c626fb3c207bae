namespace CloudMatrix.Compute.Topology;

/// <summary>
/// Which network a link belongs to. Routing keeps a flow between two devices of the same supernode on the
/// scale-up network and a flow between supernodes on the scale-out network (2506.12708v2 §3.2: the UB plane
/// serves the supernode, the RDMA plane joins supernodes).
/// </summary>
public enum LinkNetwork
{
    /// <summary>The scale-up fabric inside one supernode (UB on CloudMatrix384, NVLink on GB200 NVL72), including die-to-die links.</summary>
    ScaleUp,

    /// <summary>The scale-out fabric between supernodes (RDMA over RoCE on CloudMatrix384).</summary>
    ScaleOut,
}
