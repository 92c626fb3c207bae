namespace CloudMatrix.Compute.Collectives.Algorithms;

/// <summary>
/// The named building blocks the algorithms are written in (as NCCL's primitives): ring reduce-scatter and
/// all-gather passes, recursive halving and doubling, direct exchanges, folds for groups that are not a power of
/// two, and the buffer splits. Parts of a buffer follow <see cref="Collective.Partition"/>.
/// </summary>
internal static class SchedulePrimitives
{
    public static (int Offset, int Count) Part(int length, int parts, int index)
    {
        int q = length / parts;
        int r = length % parts;
        return (index * q + Math.Min(index, r), q + (index < r ? 1 : 0));
    }

    internal static int Mod(int a, int m) => ((a % m) + m) % m;

    internal static int[] Identity(int n)
    {
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    internal static (int, int)[] Parts(int offset, int length, int parts)
    {
        var p = new (int, int)[parts];
        for (int i = 0; i < parts; i++)
        {
            var (o, c) = Part(length, parts, i);
            p[i] = (offset + o, c);
        }

        return p;
    }

    internal static void InitWork(ScheduleBuilder b, int n, int length)
    {
        for (int r = 0; r < n; r++)
        {
            b.Add(r, r, StepKind.Copy, StepSource.Input, 0, 0, length);
        }
    }

    internal static void Chunked(ScheduleBuilder b, int source, int destination, StepKind kind, StepSource from, int srcOffset, int dstOffset, int count, int chunks, int laneBase, bool rendezvous = false)
    {
        for (int j = 0; j < chunks; j++)
        {
            var (o, c) = Part(count, chunks, j);
            b.Add(source, destination, kind, from, srcOffset + o, dstOffset + o, c, laneBase + j, rendezvous);
        }
    }

    // Ring reduce-scatter over members: member i ends owning the sum of segments[i].
    internal static void RingReduceScatter(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int direction, int chunks, int laneBase) =>
        RingReduceScatter(b, [members], [segments], [direction], chunks, [laneBase]);

    // Several disjoint rings of one size in the same rounds (they run concurrently).
    internal static void RingReduceScatter(ScheduleBuilder b, int[][] rings, (int Offset, int Count)[][] segments, int[] directions, int chunks, int[] laneBases)
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
    internal static void RingAllGather(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int direction, int chunks, int laneBase) =>
        RingAllGather(b, [members], [segments], [direction], chunks, [laneBase]);

    internal static void RingAllGather(ScheduleBuilder b, int[][] rings, (int Offset, int Count)[][] segments, int[] directions, int chunks, int[] laneBases)
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

    internal static (int Offset, int Count) Span((int Offset, int Count)[] segments, int first, int end) =>
        (segments[first].Offset, segments[end - 1].Offset + segments[end - 1].Count - segments[first].Offset);

    // Recursive halving over a power-of-two member list; segments contiguous and increasing; member v ends owning segments[v].
    internal static void HalvingReduceScatter(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int chunks)
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
    internal static void DoublingAllGather(ScheduleBuilder b, int[] members, (int Offset, int Count)[] segments, int chunks)
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

    internal static int FloorPowerOfTwo(int n)
    {
        int p = 1;
        while (p * 2 <= n) p *= 2;
        return p;
    }

    // The folded group of a non-power-of-two halving-doubling: pairs (2i, 2i+1), i < q, act as their odd member.
    internal static int[] ActiveMembers(int n, int q)
    {
        var active = new int[n - q];
        for (int i = 0; i < q; i++) active[i] = 2 * i + 1;
        for (int r = 2 * q; r < n; r++) active[r - q] = r;
        return active;
    }

    internal static void DirectReduceScatter(ScheduleBuilder b, int n, (int Offset, int Count)[] parts)
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

    internal static void DirectAllGather(ScheduleBuilder b, int n, (int Offset, int Count)[] parts)
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

    internal static (int, int)[] FullOutputs(int n, int length)
    {
        var outputs = new (int, int)[n];
        Array.Fill(outputs, (0, length));
        return outputs;
    }

    internal static int[] Lengths(int n, int length)
    {
        var w = new int[n];
        Array.Fill(w, length);
        return w;
    }

    internal static ((int, int)[] First, (int, int)[] Second) Halves((int Offset, int Count)[] parts)
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

    internal static void Fold(ScheduleBuilder b, int q, StepKind kind, int offset, int count, int chunks)
    {
        if (q == 0) return;
        b.BeginRound();
        for (int i = 0; i < q; i++)
        {
            Chunked(b, 2 * i, 2 * i + 1, kind, StepSource.Work, offset, offset, count, chunks, 0);
        }

        b.EndRound();
    }

    internal static void Unfold(ScheduleBuilder b, int q, int offset, int count, int chunks)
    {
        if (q == 0) return;
        b.BeginRound();
        for (int i = 0; i < q; i++)
        {
            Chunked(b, 2 * i + 1, 2 * i, StepKind.Copy, StepSource.Work, offset, offset, count, chunks, 0);
        }

        b.EndRound();
    }

    // Virtual parts of the folded group: a pair owns both of its parts, a single rank its own.
    internal static (int, int)[] FoldedParts((int Offset, int Count)[] parts, int q, int p)
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

    internal static int[] Rotated(int n, int root, bool rootLast)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = rootLast ? (root + 1 + i) % n : (root + i) % n;
        return order;
    }

    /// <summary>Outputs of a rooted reduction: only the root has one.</summary>
    internal static (int, int)[] RootOutput(int n, int root, int length)
    {
        var outputs = new (int, int)[n];
        Array.Fill(outputs, (0, -1));
        outputs[root] = (0, length);
        return outputs;
    }
}
