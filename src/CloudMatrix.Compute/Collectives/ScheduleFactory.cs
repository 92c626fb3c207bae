namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Generates every (operation, algorithm) pair as a <see cref="CollectiveSchedule"/> over group positions
/// 0..n-1. Parts of a buffer follow <see cref="Collectives.Partition"/>.
/// </summary>
internal static class ScheduleFactory
{
    /// <summary>The algorithms each operation implements.</summary>
    public static IReadOnlyList<CollectiveAlgorithm> Supported(CollectiveOperation operation) => operation switch
    {
        CollectiveOperation.AllReduce =>
        [
            CollectiveAlgorithm.Ring, CollectiveAlgorithm.BidirectionalRing, CollectiveAlgorithm.HalvingDoubling,
            CollectiveAlgorithm.Direct, CollectiveAlgorithm.OneShot, CollectiveAlgorithm.DoubleBinaryTree,
            CollectiveAlgorithm.Hierarchical,
        ],
        CollectiveOperation.ReduceScatter or CollectiveOperation.AllGather =>
        [
            CollectiveAlgorithm.Ring, CollectiveAlgorithm.BidirectionalRing, CollectiveAlgorithm.HalvingDoubling,
            CollectiveAlgorithm.Direct,
        ],
        CollectiveOperation.Broadcast or CollectiveOperation.Reduce =>
        [
            CollectiveAlgorithm.Ring, CollectiveAlgorithm.HalvingDoubling, CollectiveAlgorithm.Direct,
        ],
        CollectiveOperation.AllToAll => [CollectiveAlgorithm.Direct, CollectiveAlgorithm.Pairwise],
        CollectiveOperation.SendReceive => [CollectiveAlgorithm.Direct],
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown collective operation."),
    };

    /// <summary>
    /// Builds the schedule. <paramref name="length"/> is each rank's input length in elements;
    /// <paramref name="nodeOf"/> gives each group position's node (used by <see cref="CollectiveAlgorithm.Hierarchical"/>).
    /// </summary>
    public static CollectiveSchedule Create(CollectiveOperation operation, CollectiveAlgorithm algorithm, int ranks, int length,
        int root, int chunks, IReadOnlyList<int> nodeOf)
    {
        if (!Supported(operation).Contains(algorithm))
        {
            throw new ArgumentException(
                $"Algorithm {algorithm} does not implement {operation}; valid: {string.Join(", ", Supported(operation))} or Auto.",
                nameof(algorithm));
        }

        int n = ranks;
        chunks = Math.Max(1, chunks);
        return operation switch
        {
            CollectiveOperation.AllReduce => AllReduce(algorithm, n, length, chunks, nodeOf),
            CollectiveOperation.ReduceScatter => ReduceScatter(algorithm, n, length, chunks),
            CollectiveOperation.AllGather => AllGather(algorithm, n, length, chunks),
            CollectiveOperation.Broadcast => Broadcast(algorithm, n, length, root, chunks),
            CollectiveOperation.Reduce => Reduce(algorithm, n, length, root, chunks),
            CollectiveOperation.AllToAll => AllToAll(algorithm, n, length),
            _ => SendReceive(n, length, chunks),
        };
    }

    public static (int Offset, int Count) Part(int length, int parts, int index)
    {
        int q = length / parts;
        int r = length % parts;
        return (index * q + Math.Min(index, r), q + (index < r ? 1 : 0));
    }

    private static int Mod(int a, int m) => ((a % m) + m) % m;

    private static int[] Identity(int n)
    {
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    private static (int, int)[] Parts(int offset, int length, int parts)
    {
        var p = new (int, int)[parts];
        for (int i = 0; i < parts; i++)
        {
            var (o, c) = Part(length, parts, i);
            p[i] = (offset + o, c);
        }

        return p;
    }

    private static void InitWork(ScheduleBuilder b, int n, int length)
    {
        for (int r = 0; r < n; r++)
        {
            b.Add(r, r, StepKind.Copy, StepSource.Input, 0, 0, length);
        }
    }

    private static void Chunked(ScheduleBuilder b, int source, int destination, StepKind kind, StepSource from, int srcOffset, int dstOffset, int count, int chunks, int laneBase, bool rendezvous = false)
    {
        for (int j = 0; j < chunks; j++)
        {
            var (o, c) = Part(count, chunks, j);
            b.Add(source, destination, kind, from, srcOffset + o, dstOffset + o, c, laneBase + j, rendezvous);
        }
    }

    // Ring reduce-scatter over members: member i ends owning the sum of segments[i].
    private static void RingReduceScatter(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int direction, int chunks, int laneBase) =>
        RingReduceScatter(b, [members], [segments], [direction], chunks, [laneBase]);

    // Several disjoint rings of one size in the same rounds (they run concurrently).
    private static void RingReduceScatter(ScheduleBuilder b, int[][] rings, (int Offset, int Count)[][] segments, int[] directions, int chunks, int[] laneBases)
    {
        int m = rings[0].Length;
        for (int s = 0; s < m - 1; s++)
        {
            b.BeginRound();
            for (int g = 0; g < rings.Length; g++)
            {
                int[] members = rings[g];
                int direction = directions[g % directions.Length];
                int laneBase = laneBases[g % laneBases.Length];
                for (int i = 0; i < m; i++)
                {
                    var (o, c) = segments[g][Mod(i - direction * (s + 1), m)];
                    Chunked(b, members[i], members[Mod(i + direction, m)], StepKind.Reduce, StepSource.Work, o, o, c, chunks, laneBase);
                }
            }

            b.EndRound();
        }
    }

    // Ring all-gather over members: member i starts owning segments[i]; everyone ends with all.
    private static void RingAllGather(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int direction, int chunks, int laneBase) =>
        RingAllGather(b, [members], [segments], [direction], chunks, [laneBase]);

    private static void RingAllGather(ScheduleBuilder b, int[][] rings, (int Offset, int Count)[][] segments, int[] directions, int chunks, int[] laneBases)
    {
        int m = rings[0].Length;
        for (int s = 0; s < m - 1; s++)
        {
            b.BeginRound();
            for (int g = 0; g < rings.Length; g++)
            {
                int[] members = rings[g];
                int direction = directions[g % directions.Length];
                int laneBase = laneBases[g % laneBases.Length];
                for (int i = 0; i < m; i++)
                {
                    var (o, c) = segments[g][Mod(i - direction * s, m)];
                    Chunked(b, members[i], members[Mod(i + direction, m)], StepKind.Copy, StepSource.Work, o, o, c, chunks, laneBase);
                }
            }

            b.EndRound();
        }
    }

    private static (int Offset, int Count) Span((int Offset, int Count)[] segments, int first, int end) =>
        (segments[first].Offset, segments[end - 1].Offset + segments[end - 1].Count - segments[first].Offset);

    // Recursive halving over a power-of-two member list; segments contiguous and increasing; member v ends owning segments[v].
    private static void HalvingReduceScatter(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int chunks)
    {
        int m = members.Length;
        var lo = new int[m];
        var hi = new int[m];
        Array.Fill(hi, m);
        for (int d = m / 2; d >= 1; d /= 2)
        {
            b.BeginRound();
            for (int v = 0; v < m; v++)
            {
                int mid = (lo[v] + hi[v]) / 2;
                var (o, c) = (v & d) == 0 ? Span(segments, mid, hi[v]) : Span(segments, lo[v], mid);
                Chunked(b, members[v], members[v ^ d], StepKind.Reduce, StepSource.Work, o, o, c, chunks, 0, rendezvous: true);
            }

            b.EndRound();
            for (int v = 0; v < m; v++)
            {
                int mid = (lo[v] + hi[v]) / 2;
                if ((v & d) == 0) hi[v] = mid;
                else lo[v] = mid;
            }
        }
    }

    // Recursive doubling over a power-of-two member list: member v starts owning segments[v].
    private static void DoublingAllGather(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int chunks)
    {
        int m = members.Length;
        for (int d = 1; d < m; d *= 2)
        {
            b.BeginRound();
            for (int v = 0; v < m; v++)
            {
                int first = v & ~(d - 1);
                var (o, c) = Span(segments, first, first + d);
                Chunked(b, members[v], members[v ^ d], StepKind.Copy, StepSource.Work, o, o, c, chunks, 0, rendezvous: true);
            }

            b.EndRound();
        }
    }

    private static int FloorPowerOfTwo(int n)
    {
        int p = 1;
        while (p * 2 <= n) p *= 2;
        return p;
    }

    // The folded group of a non-power-of-two halving-doubling: pairs (2i, 2i+1), i < q, act as their odd member.
    private static int[] ActiveMembers(int n, int q)
    {
        var active = new int[n - q];
        for (int i = 0; i < q; i++) active[i] = 2 * i + 1;
        for (int r = 2 * q; r < n; r++) active[r - q] = r;
        return active;
    }

    private static void DirectReduceScatter(ScheduleBuilder b, int n, (int Offset, int Count)[] parts)
    {
        b.BeginRound();
        for (int c = 0; c < n; c++)
        {
            var (o, cnt) = parts[c];
            for (int i = 0; i < n; i++)
            {
                b.Add(i, c, i == 0 ? StepKind.Copy : StepKind.Reduce, StepSource.Input, o, o, cnt);
            }
        }

        b.EndRound();
    }

    private static void DirectAllGather(ScheduleBuilder b, int n, (int Offset, int Count)[] parts)
    {
        for (int c = 0; c < n; c++) b.Join(c);
        b.BeginRound();
        for (int c = 0; c < n; c++)
        {
            var (o, cnt) = parts[c];
            for (int i = 0; i < n; i++)
            {
                if (i != c) b.Add(c, i, StepKind.Copy, StepSource.Work, o, o, cnt);
            }
        }

        b.EndRound();
    }

    private static (int, int)[] FullOutputs(int n, int length)
    {
        var outputs = new (int, int)[n];
        Array.Fill(outputs, (0, length));
        return outputs;
    }

    private static int[] Lengths(int n, int length)
    {
        var w = new int[n];
        Array.Fill(w, length);
        return w;
    }

    private static CollectiveSchedule AllReduce(CollectiveAlgorithm algorithm, int n, int length, int chunks, IReadOnlyList<int> nodeOf)
    {
        int lanes = algorithm is CollectiveAlgorithm.BidirectionalRing or CollectiveAlgorithm.DoubleBinaryTree ? 2 * chunks : chunks;
        var b = new ScheduleBuilder(n, lanes);
        int[] all = Identity(n);
        var parts = Parts(0, length, n);
        switch (algorithm)
        {
            case CollectiveAlgorithm.Ring:
                InitWork(b, n, length);
                RingReduceScatter(b, all, parts, +1, chunks, 0);
                RingAllGather(b, all, parts, +1, chunks, 0);
                break;
            case CollectiveAlgorithm.BidirectionalRing:
            {
                InitWork(b, n, length);
                var (first, second) = Halves(parts);
                RingReduceScatter(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                RingAllGather(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                break;
            }

            case CollectiveAlgorithm.HalvingDoubling:
            {
                InitWork(b, n, length);
                int p = FloorPowerOfTwo(n);
                int q = n - p;
                Fold(b, q, StepKind.Reduce, 0, length, chunks);
                int[] active = ActiveMembers(n, q);
                var virtualParts = Parts(0, length, p);
                HalvingReduceScatter(b, active, virtualParts, chunks);
                DoublingAllGather(b, active, virtualParts, chunks);
                Unfold(b, q, 0, length, chunks);
                break;
            }

            case CollectiveAlgorithm.Direct:
                DirectReduceScatter(b, n, parts);
                DirectAllGather(b, n, parts);
                break;
            case CollectiveAlgorithm.OneShot:
                b.BeginRound();
                for (int r = 0; r < n; r++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        b.Add(i, r, i == 0 ? StepKind.Copy : StepKind.Reduce, StepSource.Input, 0, 0, length);
                    }
                }

                b.EndRound();
                break;
            case CollectiveAlgorithm.DoubleBinaryTree:
                InitWork(b, n, length);
                DoubleTreeAllReduce(b, n, length, chunks);
                break;
            default:
                InitWork(b, n, length);
                HierarchicalAllReduce(b, n, length, chunks, nodeOf);
                break;
        }

        return b.Build(CollectiveOperation.AllReduce, algorithm, length, Lengths(n, length), FullOutputs(n, length)) with
        {
            ReduceConcurrency = algorithm == CollectiveAlgorithm.BidirectionalRing ? 2 : 1,
        };
    }

    private static ((int, int)[] First, (int, int)[] Second) Halves((int Offset, int Count)[] parts)
    {
        var first = new (int, int)[parts.Length];
        var second = new (int, int)[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            int h = (parts[i].Count + 1) / 2;
            first[i] = (parts[i].Offset, h);
            second[i] = (parts[i].Offset + h, parts[i].Count - h);
        }

        return (first, second);
    }

    private static void Fold(ScheduleBuilder b, int q, StepKind kind, int offset, int count, int chunks)
    {
        if (q == 0) return;
        b.BeginRound();
        for (int i = 0; i < q; i++)
        {
            Chunked(b, 2 * i, 2 * i + 1, kind, StepSource.Work, offset, offset, count, chunks, 0);
        }

        b.EndRound();
    }

    private static void Unfold(ScheduleBuilder b, int q, int offset, int count, int chunks)
    {
        if (q == 0) return;
        b.BeginRound();
        for (int i = 0; i < q; i++)
        {
            Chunked(b, 2 * i + 1, 2 * i, StepKind.Copy, StepSource.Work, offset, offset, count, chunks, 0);
        }

        b.EndRound();
    }

    private static CollectiveSchedule ReduceScatter(CollectiveAlgorithm algorithm, int n, int length, int chunks)
    {
        var b = new ScheduleBuilder(n, algorithm == CollectiveAlgorithm.BidirectionalRing ? 2 * chunks : chunks);
        int[] all = Identity(n);
        var parts = Parts(0, length, n);
        switch (algorithm)
        {
            case CollectiveAlgorithm.Ring:
                InitWork(b, n, length);
                RingReduceScatter(b, all, parts, +1, chunks, 0);
                break;
            case CollectiveAlgorithm.BidirectionalRing:
            {
                InitWork(b, n, length);
                var (first, second) = Halves(parts);
                RingReduceScatter(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                break;
            }

            case CollectiveAlgorithm.HalvingDoubling:
            {
                InitWork(b, n, length);
                int p = FloorPowerOfTwo(n);
                int q = n - p;
                Fold(b, q, StepKind.Reduce, 0, length, chunks);
                int[] active = ActiveMembers(n, q);
                HalvingReduceScatter(b, active, FoldedParts(parts, q, p), chunks);
                if (q > 0)
                {
                    b.BeginRound();
                    for (int i = 0; i < q; i++)
                    {
                        var (o, c) = parts[2 * i];
                        Chunked(b, 2 * i + 1, 2 * i, StepKind.Copy, StepSource.Work, o, o, c, chunks, 0);
                    }

                    b.EndRound();
                }

                break;
            }

            default:
                DirectReduceScatter(b, n, parts);
                break;
        }

        var outputs = new (int, int)[n];
        for (int r = 0; r < n; r++) outputs[r] = parts[r];
        return b.Build(CollectiveOperation.ReduceScatter, algorithm, length, Lengths(n, length), outputs) with
        {
            ReduceConcurrency = algorithm == CollectiveAlgorithm.BidirectionalRing ? 2 : 1,
        };
    }

    // Virtual parts of the folded group: a pair owns both of its parts, a single rank its own.
    private static (int, int)[] FoldedParts((int Offset, int Count)[] parts, int q, int p)
    {
        var folded = new (int, int)[p];
        for (int v = 0; v < p; v++)
        {
            folded[v] = v < q
                ? (parts[2 * v].Offset, parts[2 * v].Count + parts[2 * v + 1].Count)
                : parts[v + q];
        }

        return folded;
    }

    private static CollectiveSchedule AllGather(CollectiveAlgorithm algorithm, int n, int length, int chunks)
    {
        var b = new ScheduleBuilder(n, algorithm == CollectiveAlgorithm.BidirectionalRing ? 2 * chunks : chunks);
        int total = checked(n * length);
        int[] all = Identity(n);
        var parts = new (int, int)[n];
        for (int r = 0; r < n; r++)
        {
            parts[r] = (r * length, length);
            b.Add(r, r, StepKind.Copy, StepSource.Input, 0, r * length, length);
        }

        switch (algorithm)
        {
            case CollectiveAlgorithm.Ring:
                RingAllGather(b, all, parts, +1, chunks, 0);
                break;
            case CollectiveAlgorithm.BidirectionalRing:
            {
                var (first, second) = Halves(parts);
                RingAllGather(b, [all, all], [first, second], [+1, -1], chunks, [0, chunks]);
                break;
            }

            case CollectiveAlgorithm.HalvingDoubling:
            {
                int p = FloorPowerOfTwo(n);
                int q = n - p;
                if (q > 0)
                {
                    b.BeginRound();
                    for (int i = 0; i < q; i++)
                    {
                        var (o, c) = parts[2 * i];
                        Chunked(b, 2 * i, 2 * i + 1, StepKind.Copy, StepSource.Work, o, o, c, chunks, 0);
                    }

                    b.EndRound();
                }

                DoublingAllGather(b, ActiveMembers(n, q), FoldedParts(parts, q, p), chunks);
                Unfold(b, q, 0, total, chunks);
                break;
            }

            default:
                DirectAllGather(b, n, parts);
                break;
        }

        return b.Build(CollectiveOperation.AllGather, algorithm, length, Lengths(n, total), FullOutputs(n, total));
    }

    private static int[] Rotated(int n, int root, bool rootLast)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = rootLast ? (root + 1 + i) % n : (root + i) % n;
        return order;
    }

    private static CollectiveSchedule Broadcast(CollectiveAlgorithm algorithm, int n, int length, int root, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        b.Add(root, root, StepKind.Copy, StepSource.Input, 0, 0, length);
        int[] order = Rotated(n, root, rootLast: false);
        switch (algorithm)
        {
            case CollectiveAlgorithm.Ring:
                for (int s = 0; s < n - 1; s++)
                {
                    b.BeginRound();
                    Chunked(b, order[s], order[s + 1], StepKind.Copy, StepSource.Work, 0, 0, length, chunks, 0);
                    b.EndRound();
                }

                break;
            case CollectiveAlgorithm.HalvingDoubling:
                // Binomial tree: at round k the ranks 0..2^k-1 (relative to the root) send to rel + 2^k.
                for (int d = 1; d < n; d *= 2)
                {
                    b.BeginRound();
                    for (int rel = 0; rel < d && rel + d < n; rel++)
                    {
                        Chunked(b, order[rel], order[rel + d], StepKind.Copy, StepSource.Work, 0, 0, length, chunks, 0);
                    }

                    b.EndRound();
                }

                break;
            default:
            {
                // Scatter from the root, then a direct all-gather (van de Geijn).
                var parts = Parts(0, length, n);
                b.BeginRound();
                for (int c = 0; c < n; c++)
                {
                    if (c != root) b.Add(root, c, StepKind.Copy, StepSource.Work, parts[c].Item1, parts[c].Item1, parts[c].Item2);
                }

                b.EndRound();
                DirectAllGather(b, n, parts);
                break;
            }
        }

        return b.Build(CollectiveOperation.Broadcast, algorithm, length, Lengths(n, length), FullOutputs(n, length));
    }

    private static CollectiveSchedule Reduce(CollectiveAlgorithm algorithm, int n, int length, int root, int chunks)
    {
        var b = new ScheduleBuilder(n, chunks);
        switch (algorithm)
        {
            case CollectiveAlgorithm.Ring:
            {
                InitWork(b, n, length);
                int[] chain = Rotated(n, root, rootLast: true);
                for (int s = 0; s < n - 1; s++)
                {
                    b.BeginRound();
                    Chunked(b, chain[s], chain[s + 1], StepKind.Reduce, StepSource.Work, 0, 0, length, chunks, 0);
                    b.EndRound();
                }

                break;
            }

            case CollectiveAlgorithm.HalvingDoubling:
            {
                InitWork(b, n, length);
                int[] order = Rotated(n, root, rootLast: false);
                for (int d = 1; d < n; d *= 2)
                {
                    b.BeginRound();
                    for (int rel = d; rel < n; rel += 2 * d)
                    {
                        Chunked(b, order[rel], order[rel - d], StepKind.Reduce, StepSource.Work, 0, 0, length, chunks, 0, rendezvous: true);
                    }

                    b.EndRound();
                }

                break;
            }

            default:
            {
                var parts = Parts(0, length, n);
                DirectReduceScatter(b, n, parts);
                for (int c = 0; c < n; c++) b.Join(c);
                b.BeginRound();
                for (int c = 0; c < n; c++)
                {
                    if (c != root) b.Add(c, root, StepKind.Copy, StepSource.Work, parts[c].Item1, parts[c].Item1, parts[c].Item2);
                }

                b.EndRound();
                break;
            }
        }

        var outputs = new (int, int)[n];
        Array.Fill(outputs, (0, -1));
        outputs[root] = (0, length);
        return b.Build(CollectiveOperation.Reduce, algorithm, length, Lengths(n, length), outputs);
    }

    private static CollectiveSchedule SendReceive(int n, int length, int chunks)
    {
        if (n != 2)
        {
            throw new ArgumentException($"SendReceive needs a group of exactly two devices (source, destination); the group has {n}.", nameof(n));
        }

        var b = new ScheduleBuilder(n, chunks);
        Chunked(b, 0, 1, StepKind.Copy, StepSource.Input, 0, 0, length, chunks, 0);
        return b.Build(CollectiveOperation.SendReceive, CollectiveAlgorithm.Direct, length, Lengths(n, length), [(0, -1), (0, length)]);
    }

    private static CollectiveSchedule AllToAll(CollectiveAlgorithm algorithm, int n, int length)
    {
        var b = new ScheduleBuilder(n);
        var parts = Parts(0, length, n);
        var work = new int[n];
        var outputs = new (int, int)[n];
        for (int j = 0; j < n; j++)
        {
            work[j] = checked(n * parts[j].Item2);
            outputs[j] = (0, work[j]);
        }

        if (algorithm == CollectiveAlgorithm.Direct)
        {
            b.BeginRound();
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    b.Add(i, j, StepKind.Copy, StepSource.Input, parts[j].Item1, i * parts[j].Item2, parts[j].Item2);
                }
            }

            b.EndRound();
        }
        else
        {
            for (int s = 0; s < n; s++)
            {
                b.BeginRound();
                for (int i = 0; i < n; i++)
                {
                    int j = (i + s) % n;
                    b.Add(i, j, StepKind.Copy, StepSource.Input, parts[j].Item1, i * parts[j].Item2, parts[j].Item2);
                }

                b.EndRound();
            }
        }

        return b.Build(CollectiveOperation.AllToAll, algorithm, length, work, outputs);
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

    private static void DoubleTreeAllReduce(ScheduleBuilder b, int n, int length, int chunks)
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

    private static void HierarchicalAllReduce(ScheduleBuilder b, int n, int length, int chunks, IReadOnlyList<int> nodeOf)
    {
        var nodes = new SortedDictionary<int, List<int>>();
        for (int r = 0; r < n; r++)
        {
            if (!nodes.TryGetValue(nodeOf[r], out var list)) nodes[nodeOf[r]] = list = [];
            list.Add(r);
        }

        int k = nodes.First().Value.Count;
        if (nodes.Values.Any(l => l.Count != k))
        {
            throw new ArgumentException(
                $"Hierarchical needs the same number of group members on every node; the group has {string.Join(", ", nodes.Select(kv => $"{kv.Value.Count} on node {kv.Key}"))}.",
                nameof(nodeOf));
        }

        var local = Parts(0, length, k);
        int[][] nodeMembers = [.. nodes.Values.Select(l => l.ToArray())];
        (int, int)[][] localParts = [.. nodeMembers.Select(_ => local)];
        RingReduceScatter(b, nodeMembers, localParts, [+1], chunks, [0]);
        int[][] planes = [.. Enumerable.Range(0, k).Select(j => nodeMembers.Select(m => m[j]).ToArray())];
        (int, int)[][] planeSegments = [.. Enumerable.Range(0, k).Select(j => Parts(local[j].Item1, local[j].Item2, nodeMembers.Length))];
        RingReduceScatter(b, planes, planeSegments, [+1], chunks, [0]);
        RingAllGather(b, planes, planeSegments, [+1], chunks, [0]);
        RingAllGather(b, nodeMembers, localParts, [+1], chunks, [0]);
    }
}
