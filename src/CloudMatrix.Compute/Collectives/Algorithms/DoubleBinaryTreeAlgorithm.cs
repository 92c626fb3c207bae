using static CloudMatrix.Compute.Collectives.Algorithms.SchedulePrimitives;

namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// <see cref="CollectiveAlgorithm.DoubleBinaryTree"/>: NCCL's double binary tree. Two complementary binary trees
/// (the second the first shifted by one position, so a leaf of one is mostly inside the other) each carry half of the
/// buffer: reduce up to the root, broadcast down, pipelined over chunks.
/// </summary>
internal sealed class DoubleBinaryTreeAlgorithm : ICollectiveAlgorithm
{
    public CollectiveAlgorithm Id => CollectiveAlgorithm.DoubleBinaryTree;

    public bool Implements(CollectiveOperation operation) => operation == CollectiveOperation.AllReduce;

    public CollectiveSchedule Build(in ScheduleRequest r)
    {
        int n = r.Ranks;
        var b = new ScheduleBuilder(n, 2 * r.Chunks);
        InitWork(b, n, r.Length);
        DoubleTreeAllReduce(b, n, r.Length, r.Chunks);
        return b.Build(CollectiveOperation.AllReduce, Id, r.Length, Lengths(n, r.Length), FullOutputs(n, r.Length));
    }

    // Binary tree over positions lo..hi laid out in order (the middle is the root); leaves fall on alternate positions.
    private static int BuildTree(int lo, int hi, int parent, int[] parents)
    {
        if (lo > hi) return -1;
        int mid = (lo + hi) / 2;
        parents[mid] = parent;
        BuildTree(lo, mid - 1, mid, parents);
        BuildTree(mid + 1, hi, mid, parents);
        return mid;
    }

    internal static void DoubleTreeAllReduce(ScheduleBuilder b, int n, int length, int chunks)
    {
        if (n == 1) return;
        var parents = new int[n];
        int treeRoot = BuildTree(0, n - 1, -1, parents);
        var height = new int[n];
        var depth = new int[n];
        for (int v = 0; v < n; v++)
        {
            int d = 0;
            for (int u = v; parents[u] >= 0; u = parents[u]) d++;
            depth[v] = d;
        }

        // Heights bottom-up: process nodes by decreasing depth.
        int[] byDepth = Identity(n);
        Array.Sort(byDepth, (x, y) => depth[y].CompareTo(depth[x]));
        foreach (int v in byDepth)
        {
            if (parents[v] >= 0) height[parents[v]] = Math.Max(height[parents[v]], height[v] + 1);
        }

        // The second tree is the first shifted by one position, so a leaf of one is (mostly) inside the other.
        var halves = new[] { (0, (length + 1) / 2), ((length + 1) / 2, length - ((length + 1) / 2)) };
        int maxHeight = height[treeRoot];
        int maxDepth = depth.Max();

        // Rounds are the pipeline's wavefronts: a rank of height h sends chunk j up in round h + j; a rank of depth
        // d sends chunk j down in round H + j + d (H the root's height), after the root has summed chunk j. Every
        // step then waits only for steps of earlier rounds, so the rounds can also be timed one after another.
        int rounds = maxHeight + chunks + maxDepth;
        for (int r = 0; r < rounds; r++)
        {
            b.BeginRound();
            for (int t = 0; t < 2; t++)
            {
                for (int v = 0; v < n; v++)
                {
                    int j = r - height[v];
                    if (parents[v] >= 0 && j >= 0 && j < chunks)
                    {
                        OneChunk(b, (v + t) % n, (parents[v] + t) % n, StepKind.Reduce, halves[t], chunks, j, t * chunks);
                    }
                }

                for (int v = 0; v < n; v++)
                {
                    int p = parents[v];
                    int j = p >= 0 ? r - maxHeight - depth[p] : -1;
                    if (j >= 0 && j < chunks)
                    {
                        OneChunk(b, (p + t) % n, (v + t) % n, StepKind.Copy, halves[t], chunks, j, t * chunks);
                    }
                }
            }

            b.EndRound();
        }
    }

    private static void OneChunk(ScheduleBuilder b, int source, int destination, StepKind kind, (int Offset, int Count) segment, int chunks, int j, int laneBase)
    {
        var (o, c) = Part(segment.Count, chunks, j);
        b.Add(source, destination, kind, StepSource.Work, segment.Offset + o, segment.Offset + o, c, laneBase + j);
    }
}
