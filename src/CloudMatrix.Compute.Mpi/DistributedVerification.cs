using System.Globalization;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// C against FP64 where C lives: the same elements and the same per-element bound as the single-process check
/// (every element for small shapes, else the same seeded 16 x 16 tiles), each checked by the process holding the
/// first copy of its block, with only the rows of A and columns of B those elements need generated from the seeds.
/// The figures are reduced over the processes, and replicas are compared through digests of every block.
/// </summary>
internal static class DistributedVerification
{
    private const int Tile = 16;

    internal sealed record Selection(bool Full, IReadOnlyList<(int Row, int Col0, int Cols, int Position)> Segments,
        IReadOnlyList<(int Start, int Count)> Rows, IReadOnlyList<(int Start, int Count)> Cols, long HostBytes);

    public static Selection Select(MatMulPlan plan, ProcessPlacement placement, int me, DistributedOptions options)
    {
        int m = plan.M, n = plan.N, k = plan.K;
        // As in Verification: a tile count that would cover C checks every element, so the work stays bounded by C's size.
        bool full = options.SpotCheckTiles == 0 ? (double)m * n * k <= (1L << 31) : (long)options.SpotCheckTiles * Tile * Tile >= (long)m * n;
        int[] owner = Owners(plan.C);
        var owned = placement.Positions(me).Where(p => owner[p] == p && plan.C.Extent(p).Elements > 0).ToArray();
        var segments = new List<(int, int, int, int)>();
        if (full)
        {
            foreach (int p in owned)
            {
                ShardExtent e = plan.C.Extent(p);
                for (int r = e.RowStart; r < e.RowStart + e.Rows; r++) segments.Add((r, e.ColStart, e.Cols, p));
            }
        }
        else
        {
            // The tiles of the single-process check (Verification), in the same order from the same seed.
            int tiles = options.SpotCheckTiles > 0 ? options.SpotCheckTiles : 32;
            var rng = new Random(unchecked((int)options.Seed));
            for (int t = 0; t < tiles; t++)
            {
                int r0 = rng.Next(Math.Max(1, m - Tile + 1)), c0 = rng.Next(Math.Max(1, n - Tile + 1));
                for (int i = r0; i < Math.Min(m, r0 + Tile); i++)
                {
                    int c1 = Math.Min(n, c0 + Tile);
                    foreach (int p in owned)
                    {
                        ShardExtent e = plan.C.Extent(p);
                        int lo = Math.Max(c0, e.ColStart), hi = Math.Min(c1, e.ColStart + e.Cols);
                        if (i >= e.RowStart && i < e.RowStart + e.Rows && hi > lo) segments.Add((i, lo, hi - lo, p));
                    }
                }
            }
        }

        var rows = Merge(segments.Select(s => (s.Item1, 1)));
        var cols = Merge(segments.Select(s => (s.Item2, s.Item3)));
        long bytes = 2L * k * (rows.Sum(r => (long)r.Count) + cols.Sum(c => (long)c.Count)) + (2L * owned.Sum(p => plan.C.Extent(p).Elements));
        return new Selection(full, segments, rows, cols, bytes);
    }

    public static (NumericCheck Check, string Digest) Check(
        MatMulPlan plan, ProcessPlacement placement, IProcessTransport transport, DeviceBuffer<BFloat16>?[] c, Selection selection, SeededInputs inputs)
    {
        int k = plan.K, size = plan.Mesh.Size;
        BFloat16[][] a = DenseTensor.RandomBlocks<BFloat16>(plan.M, k, inputs.SeedA, selection.Rows.Select(r => (r.Start, r.Count, 0, k)).ToArray(), inputs.Distribution);
        BFloat16[][] b = DenseTensor.RandomBlocks<BFloat16>(k, plan.N, inputs.SeedB, selection.Cols.Select(x => (0, k, x.Start, x.Count)).ToArray(), inputs.Distribution);
        double unit = Verification.BoundUnit(plan);
        var errors = new Verification.TileErrors();
        var blocks = new Dictionary<int, BFloat16[]>();
        var reference = new double[Tile];
        var magnitude = new double[Tile];
        foreach (var (row, col0, cols, position) in selection.Segments)
        {
            if (reference.Length < cols)
            {
                reference = new double[cols];
                magnitude = new double[cols];
            }

            Array.Clear(reference, 0, cols);
            Array.Clear(magnitude, 0, cols);
            int ri = Find(selection.Rows, row, 1);
            ReadOnlySpan<BFloat16> arow = a[ri].AsSpan((row - selection.Rows[ri].Start) * k, k);
            int ci = Find(selection.Cols, col0, cols);
            var (cStart, cCount) = selection.Cols[ci];
            for (int p = 0; p < k; p++)
            {
                double x = (double)arow[p];
                if (x == 0) continue;
                ReadOnlySpan<BFloat16> brow = b[ci].AsSpan((p * cCount) + (col0 - cStart), cols);
                for (int j = 0; j < cols; j++)
                {
                    double y = (double)brow[j];
                    reference[j] += x * y;
                    magnitude[j] += Math.Abs(x * y);
                }
            }

            ShardExtent e = plan.C.Extent(position);
            if (!blocks.TryGetValue(position, out BFloat16[]? block)) blocks[position] = block = c[position]!.ToArray();
            for (int j = 0; j < cols; j++)
            {
                errors.Add(block[((row - e.RowStart) * e.Cols) + (col0 - e.ColStart) + j], reference[j], magnitude[j], unit);
            }
        }

        // Digests of every local block (as two exact 32-bit halves), for the replica comparison and C's digest.
        var local = new double[6 + (2 * size)];
        (local[0], local[1], local[2], local[3], local[4], local[5]) = (errors.Count, errors.MaxAbs, errors.MaxRef, errors.MaxUlp, errors.Worst, errors.Finite ? 1 : 0);
        for (int p = 0; p < size; p++)
        {
            ulong hash = c[p] is { } buffer ? Hash(buffer) : 0;
            local[6 + (2 * p)] = c[p] is null ? -1 : hash >> 32;
            local[7 + (2 * p)] = c[p] is null ? -1 : hash & 0xFFFFFFFF;
        }

        double[] all = transport.AllGather(local);
        int stride = local.Length;
        double F(int r, int i) => all[(r * stride) + i];
        var hashes = new ulong[size];
        for (int p = 0; p < size; p++)
        {
            int r = placement.RankOf(p);
            hashes[p] = ((ulong)F(r, 6 + (2 * p)) << 32) | (ulong)F(r, 7 + (2 * p));
        }

        int[] owner = Owners(plan.C);
        bool replicas = Enumerable.Range(0, size).All(p => hashes[p] == hashes[owner[p]]);
        var ranks = Enumerable.Range(0, transport.Size).ToArray();
        bool allFinite = ranks.All(r => F(r, 5) == 1);
        double worstAll = ranks.Max(r => F(r, 4));
        var check = new NumericCheck(
            (long)ranks.Sum(r => F(r, 0)), selection.Full, ranks.Max(r => F(r, 1)), ranks.Max(r => F(r, 2)), (int)ranks.Max(r => F(r, 3)),
            worstAll, replicas, allFinite && replicas && worstAll <= 1);
        return (check, Digest(plan.C, hashes));
    }

    /// <summary>64-bit FNV-1a over the block's bfloat16 bit patterns.</summary>
    public static ulong Hash(DeviceBuffer<BFloat16> buffer)
    {
        ulong hash = 14695981039346656037UL;
        foreach (BFloat16 x in buffer.ToArray())
        {
            ushort bits = x.ToBits();
            hash = (hash ^ (byte)bits) * 1099511628211UL;
            hash = (hash ^ (byte)(bits >> 8)) * 1099511628211UL;
        }

        return hash;
    }

    public static string Digest(TensorSharding layout, ulong[] hashes)
    {
        int[] owner = Owners(layout);
        ulong digest = 14695981039346656037UL;
        for (int p = 0; p < hashes.Length; p++)
        {
            if (owner[p] == p) digest = (digest ^ hashes[p]) * 1099511628211UL;
        }

        return digest.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>For each position, the first position holding the same block.</summary>
    private static int[] Owners(TensorSharding layout)
    {
        var first = new Dictionary<ShardExtent, int>();
        return Enumerable.Range(0, layout.Mesh.Size).Select(p => first.TryGetValue(layout.Extent(p), out int q) ? q : first[layout.Extent(p)] = p).ToArray();
    }

    private static List<(int Start, int Count)> Merge(IEnumerable<(int Start, int Count)> ranges)
    {
        var merged = new List<(int Start, int Count)>();
        foreach (var (s, n) in ranges.OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && s <= merged[^1].Start + merged[^1].Count)
            {
                var (ps, pn) = merged[^1];
                merged[^1] = (ps, Math.Max(pn, s + n - ps));
            }
            else
            {
                merged.Add((s, n));
            }
        }

        return merged;
    }

    private static int Find(IReadOnlyList<(int Start, int Count)> ranges, int start, int count)
    {
        int lo = 0, hi = ranges.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (ranges[mid].Start <= start) lo = mid; else hi = mid - 1;
        }

        return start >= ranges[lo].Start && start + count <= ranges[lo].Start + ranges[lo].Count ? lo : throw new InvalidOperationException("verification range not generated");
    }
}
