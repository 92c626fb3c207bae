namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// How a collective moves its data. Not every algorithm implements every operation;
/// <see cref="Collective.SupportedAlgorithms(CollectiveOperation)"/> lists the pairs, and an unsupported pair is refused with an
/// <see cref="ArgumentException"/>. Each member documents its reduction order (what decides its last bits).
/// </summary>
public enum CollectiveAlgorithm
{
    /// <summary>Time every supported algorithm with the model and run the fastest; the result says which and why.</summary>
    Auto,

    /// <summary>
    /// Ring over the group order (all-reduce = reduce-scatter then all-gather, n-1 steps each; broadcast and reduce
    /// become a pipelined chain). Reduction order of part <c>c</c>: ranks c+1, c+2, …, c (mod n), one partial sum
    /// crossing each hop, rounded to the wire type at every hop. Across supernodes the model times one ring per
    /// device of a node (<see cref="CollectiveOptions.Channels"/>, each on its share of every part); the data are
    /// reduced in the one ring's order above (the channels' orders would differ in the last bits).
    /// </summary>
    Ring,

    /// <summary>
    /// Two rings in opposite directions, each on half of every part. The first half of part <c>c</c> is reduced
    /// in the order c+1, c+2, …, c; the second half in the order c-1, c-2, …, c.
    /// </summary>
    BidirectionalRing,

    /// <summary>
    /// Recursive halving (reduce-scatter) and recursive doubling (all-gather), Rabenseifner's all-reduce; for
    /// broadcast and reduce a binomial tree. A group that is not a power of two first folds its first 2q ranks in
    /// pairs (q = n - 2^⌊log2 n⌋) and unfolds them at the end. Reduction order: a balanced binary tree over the
    /// ranks; at each node the local partial plus the partner's partial rounded to the wire type.
    /// </summary>
    HalvingDoubling,

    /// <summary>
    /// Every rank exchanges with every other in one step (natural on a non-blocking Clos). All-reduce is two-shot:
    /// a direct reduce-scatter then a direct all-gather. Reduction order: the canonical one, ranks 0, 1, …, n-1 in
    /// group order accumulated in FP32 from the original operands; deterministic mode runs it in place of an
    /// algorithm whose order differs.
    /// </summary>
    Direct,

    /// <summary>
    /// All-reduce in one step: every rank sends its whole buffer to every other and each sums all n locally in the
    /// canonical order (lowest latency, n-1 times the traffic of a ring), so deterministic mode may run it.
    /// </summary>
    OneShot,

    /// <summary>
    /// NCCL's double binary tree: two complementary binary trees over the group, each carrying half of the buffer;
    /// reduce up to the root, then broadcast down, pipelined over chunks. Reduction order at a node: its own value,
    /// then its children's partials (rounded to the wire type) as they arrive in schedule order.
    /// </summary>
    DoubleBinaryTree,

    /// <summary>
    /// Inside each node a ring reduce-scatter, across nodes a ring all-reduce among the ranks that hold the same
    /// part (one ring per local rank, spread over the planes), then inside each node a ring all-gather. Needs the
    /// same number of group members on every node. Reduction order: each node's ring chain (as
    /// <see cref="Ring"/>, over the node's members), then a ring chain over the nodes' partials, each partial rounded
    /// to the wire type at every hop.
    /// </summary>
    Hierarchical,

    /// <summary>All-to-all in n-1 steps: at step s rank r sends its part for rank r+s (mod n).</summary>
    Pairwise,

    /// <summary>
    /// All-reduce reduced inside the switches (NVLink SHARP / NVLS, InfiniBand SHARP), only on systems whose
    /// <see cref="Topology.CommunicationCosts.InSwitch"/> is set, for a group inside one supernode; <see cref="Auto"/>
    /// considers it there. Reduction order:
    /// the canonical one (ranks 0..n-1 in group order, FP32 accumulation, one rounding), as <see cref="Direct"/>.
    /// </summary>
    InSwitch,
}
