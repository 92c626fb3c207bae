using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// C against an FP64 product of the same BF16 inputs. Each element's bound is the FP32-accumulation bound of the
/// strategy: <c>(K·2⁻²⁴ + (h + 1)·2⁻⁸)·Σ|a·b|</c>, where h is the number of BF16 roundings of partial sums along K
/// (the size of the K-split groups) and the last term is the output's own rounding; an element that is wrong by more
/// than that fails. Replicated copies must be bit-identical.
/// </summary>
internal static class Verification
{
    private const int Tile = 16;

    public static NumericCheck Check(MatMulPlan plan, DenseTensor<BFloat16> a, DenseTensor<BFloat16> b, ShardedTensor c, ExecuteOptions options)
    {
        int m = plan.M, n = plan.N, k = plan.K;
        // As many tiles as cover C check every element instead: the work stays bounded by C's size, whatever the count.
        bool full = options.SpotCheckTiles == 0 ? (double)m * n * k <= (1L << 31) : (long)options.SpotCheckTiles * Tile * Tile >= (long)m * n;
        var rows = new List<(int Row, int Col0, int Cols)>();
        if (full)
        {
            for (int i = 0; i < m; i++) rows.Add((i, 0, n));
        }
        else
        {
            int tiles = options.SpotCheckTiles > 0 ? options.SpotCheckTiles : 32;
            var rng = new Random(unchecked((int)options.Seed));
            for (int t = 0; t < tiles; t++)
            {
                int r0 = rng.Next(Math.Max(1, m - Tile + 1)), c0 = rng.Next(Math.Max(1, n - Tile + 1));
                for (int i = r0; i < Math.Min(m, r0 + Tile); i++) rows.Add((i, c0, Math.Min(Tile, n - c0)));
            }
        }

        double unit = BoundUnit(plan);
        DenseTensor<BFloat16> dense = c.ToDense();
        ReadOnlySpan<BFloat16> av = a.Span, bv = b.Span, cv = dense.Span;
        var errors = new TileErrors();
        var reference = new double[n];
        var magnitude = new double[n];
        foreach (var (row, col0, cols) in rows)
        {
            Array.Clear(reference, 0, cols);
            Array.Clear(magnitude, 0, cols);
            for (int p = 0; p < k; p++)
            {
                double x = (double)av[(row * k) + p];
                if (x == 0) continue;
                ReadOnlySpan<BFloat16> brow = bv.Slice((p * n) + col0, cols);
                for (int j = 0; j < cols; j++)
                {
                    double y = (double)brow[j];
                    reference[j] += x * y;
                    magnitude[j] += Math.Abs(x * y);
                }
            }

            for (int j = 0; j < cols; j++)
            {
                errors.Add(cv[(row * n) + col0 + j], reference[j], magnitude[j], unit);
            }
        }

        bool replicas = c.Verify().Ok;
        return new NumericCheck(errors.Count, full, errors.MaxAbs, errors.MaxRef, errors.MaxUlp, errors.Worst, replicas, errors.Finite && replicas && errors.Worst <= 1);
    }

    /// <summary>
    /// The bound per unit of Σ|a·b| for the plan: K·2⁻²⁴ of FP32 accumulation plus 2⁻⁸ per BF16 rounding (one per member
    /// of every reducing collective's groups, and the output's own).
    /// </summary>
    internal static double BoundUnit(MatMulPlan plan)
    {
        int h = plan.Steps.OfType<Execution.CollectiveStep>()
            .SelectMany(s => s.Calls)
            .Where(x => x.Operation is Collectives.CollectiveOperation.AllReduce or Collectives.CollectiveOperation.ReduceScatter)
            .Select(x => x.Groups.Count == 0 ? 0 : x.Groups[0].Length).DefaultIfEmpty(0).Sum();
        return (plan.K * Math.Pow(2, -24)) + ((h + 1) * Math.Pow(2, -8));
    }

    /// <summary>Running error figures of compared elements against their FP64 references and bounds.</summary>
    internal struct TileErrors
    {
        public TileErrors()
        {
        }

        public double MaxAbs { get; private set; }

        public double MaxRef { get; private set; }

        public double Worst { get; private set; }

        public int MaxUlp { get; private set; }

        public long Count { get; private set; }

        public bool Finite { get; private set; } = true;

        /// <summary>Adds one element: its value, the FP64 reference, Σ|a·b| of its dot product and the bound unit.</summary>
        public void Add(BFloat16 got, double reference, double magnitude, double unit)
        {
            double err = Math.Abs((double)got - reference);
            if (double.IsNaN(err)) Finite = false;
            MaxAbs = Math.Max(MaxAbs, err);
            MaxRef = Math.Max(MaxRef, Math.Abs(reference));
            double bound = unit * magnitude;
            Worst = Math.Max(Worst, bound > 0 ? err / bound : (err > 0 ? double.PositiveInfinity : 0));
            MaxUlp = Math.Max(MaxUlp, ErrorMetrics.UlpDistance(got, (BFloat16)reference));
            Count++;
        }
    }
}
