using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// A batch of whole items on the worker pool. Items that share op(B) (FP32 C) form a group: all threads first pack
/// that B once (each a slice of its columns), then take the group's items; the remaining items run last, each
/// packing its own operands. Threads take items largest first, so the last to start are the short ones.
/// </summary>
internal sealed unsafe class GemmBatchWork : GemmWork
{
    [ThreadStatic]
    private static GemmBatchWork? s_instance;

    private GemmBatchItem[] _items = [];
    private double[] _order = [];
    private int[] _group = [];
    private int[] _pass = [];
    private int _count;
    private int _passCount;
    private int _next;
    private float* _prepacked;
    private GemmMicroKernel? _kernel;
    private GemmOptions? _options;
    private readonly PrepackWork _prepack = new();

    public static GemmBatchWork ForCurrentThread() => s_instance ??= new GemmBatchWork();

    public void Load(ReadOnlySpan<GemmBatchItem> items, GemmMicroKernel kernel, GemmOptions options)
    {
        if (_items.Length < items.Length)
        {
            _items = new GemmBatchItem[items.Length];
            _order = new double[items.Length];
            _group = new int[items.Length];
            _pass = new int[items.Length];
        }

        items.CopyTo(_items);
        for (int i = 0; i < items.Length; i++)
        {
            _order[i] = -items[i].Flops;
        }

        Array.Sort(_order, _items, 0, items.Length);
        _count = items.Length;
        _kernel = kernel;
        _options = options;
    }

    /// <summary>Runs every item: one pass per group that shares B, then one pass over the rest.</summary>
    public void Run(int threads)
    {
        int groups = _options!.SharePanels ? FindGroups() : NoGroups();
        for (int g = 0; g < groups; g++)
        {
            _passCount = 0;
            for (int i = 0; i < _count; i++)
            {
                if (_group[i] == g)
                {
                    _pass[_passCount++] = i;
                }
            }

            ref readonly GemmBatchItem first = ref _items[_pass[0]];
            _prepacked = GemmWorkspace.Current.Prepacked(GemmDriver.PrepackedFloats(Call(first, null), _kernel!));
            _prepack.Load(first, _kernel!, _prepacked, threads);
            GemmWorkerPool.Run(_prepack, threads);
            RunPass(threads);
        }

        _prepacked = null;
        _passCount = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_group[i] < 0)
            {
                _pass[_passCount++] = i;
            }
        }

        RunPass(threads);
    }

    public void Clear()
    {
        // Do not keep the caller's buffers alive.
        Array.Clear(_items, 0, _count);
        _prepack.Clear();
        _count = 0;
    }

    public override void Execute(int part, GemmWorkspace workspace)
    {
        int index;
        while ((index = Interlocked.Increment(ref _next) - 1) < _passCount)
        {
            BFloat16Gemm.RunItem(_items[_pass[index]], _kernel!, _options!, whole: true, workspace, _prepacked);
        }
    }

    private void RunPass(int threads)
    {
        if (_passCount == 0)
        {
            return;
        }

        _next = 0;
        GemmWorkerPool.Run(this, Math.Min(threads, _passCount));
    }

    private int NoGroups()
    {
        Array.Fill(_group, -1, 0, _count);
        return 0;
    }

    /// <summary>Numbers the groups of two or more FP32-C items with the same B (0, 1, ...); -1 for an item alone. Returns the count.</summary>
    private int FindGroups()
    {
        Array.Fill(_group, -2, 0, _count);
        int groups = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_group[i] != -2)
            {
                continue;
            }

            _group[i] = -1;
            if (_items[i].C.IsEmpty)
            {
                continue;
            }

            for (int j = i + 1; j < _count; j++)
            {
                if (_group[j] == -2 && !_items[j].C.IsEmpty && SameB(_items[i], _items[j]))
                {
                    _group[i] = groups;
                    _group[j] = groups;
                }
            }

            if (_group[i] >= 0)
            {
                groups++;
            }
        }

        return groups;
    }

    /// <summary>Whether two items read the same op(B): the same memory (object, start and length), layout and shape.</summary>
    private static bool SameB(in GemmBatchItem x, in GemmBatchItem y) =>
        x.B.Equals(y.B) && x.Ldb == y.Ldb && x.TransB == y.TransB && x.K == y.K && x.N == y.N;

    /// <summary>The call of <paramref name="item"/> with only what packing B reads filled in.</summary>
    private static GemmCall Call(in GemmBatchItem item, ushort* b) => new()
    {
        TransA = item.TransA, TransB = item.TransB, M = item.M, N = item.N, K = item.K, B = b, Ldb = item.Ldb,
    };

    /// <summary>Packs one shared B, a slice of its columns per thread.</summary>
    private sealed class PrepackWork : GemmWork
    {
        private GemmBatchItem _item;
        private GemmMicroKernel? _kernel;
        private float* _destination;
        private int _parts;

        public void Load(in GemmBatchItem item, GemmMicroKernel kernel, float* destination, int parts)
        {
            _item = item;
            _kernel = kernel;
            _destination = destination;
            _parts = parts;
        }

        public void Clear() => _item = default;

        public override void Execute(int part, GemmWorkspace workspace)
        {
            fixed (BFloat16* b = _item.B.Span)
            {
                GemmDriver.PrepackB(Call(_item, (ushort*)b), _kernel!, _destination, part, _parts);
            }
        }
    }
}
