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
    private int[] _groupA = [];
    private int[] _first = [];
    private nint[] _offset = [];
    private nint[] _aPacked = [];
    private nint[] _bPacked = [];
    private int[] _pass = [];
    private int _count;
    private int _passCount;
    private int _next;
    private GemmMicroKernel? _kernel;
    private GemmOptions? _options;
    private readonly PrepackWork _prepack = new();
    private readonly PrepackAllWork _prepackAll = new();

    /// <summary>
    /// Most bytes a batch packs ahead to share every common A and B at once (the 384 shards of an 8192³ product
    /// need about 270 MiB); above it only B is shared, group by group (tests lower it to reach that path; either way
    /// every bit of the result is the same).
    /// </summary>
    internal static long PrepackAllBytes { get; set; } = 512L << 20;

    /// <summary>Prepacked bytes the calling thread keeps for its next batch; a larger buffer is freed after the batch.</summary>
    private const long KeepPrepackedBytes = 64L << 20;

    public static GemmBatchWork ForCurrentThread() => s_instance ??= new GemmBatchWork();

    public void Load(ReadOnlySpan<GemmBatchItem> items, GemmMicroKernel kernel, GemmOptions options)
    {
        if (_items.Length < items.Length)
        {
            _items = new GemmBatchItem[items.Length];
            _order = new double[items.Length];
            _group = new int[items.Length];
            _groupA = new int[items.Length];
            _first = new int[2 * items.Length];
            _offset = new nint[2 * items.Length];
            _aPacked = new nint[items.Length];
            _bPacked = new nint[items.Length];
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

    /// <summary>
    /// Runs every item. Where all operands shared by two or more items fit in <see cref="PrepackAllBytes"/>, they are
    /// packed first (each once, threads taking operands in turn) and every item runs in one pass; otherwise one pass
    /// per group that shares B (packed by all threads), then one pass over the rest.
    /// </summary>
    public void Run(int threads)
    {
        Array.Clear(_aPacked, 0, _count);
        Array.Clear(_bPacked, 0, _count);
        if (!_options!.SharePanels)
        {
            Array.Fill(_group, -1, 0, _count);
            RunUngrouped(threads);
            return;
        }

        int groupsB = FindGroups(_group, byA: false);
        int groupsA = FindGroups(_groupA, byA: true);
        if (groupsA + groupsB > 0 && TryPrepackAll(groupsA, groupsB, threads))
        {
            _passCount = _count;
            for (int i = 0; i < _count; i++)
            {
                _pass[i] = i;
            }

            RunPass(threads);
            return;
        }

        Array.Clear(_aPacked, 0, _count);
        for (int g = 0; g < groupsB; g++)
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
            float* packed = GemmWorkspace.Current.Prepacked(GemmDriver.PrepackedFloats(Call(first, null, null), _kernel!));
            for (int p = 0; p < _passCount; p++)
            {
                _bPacked[_pass[p]] = (nint)packed;
            }

            _prepack.Load(first, _kernel!, packed, threads);
            GemmWorkerPool.Run(_prepack, threads);
            RunPass(threads);
        }

        RunUngrouped(threads);
    }

    /// <summary>Packs every shared A and B into one buffer when they fit; sets each item's pointers. False when they do not fit.</summary>
    private bool TryPrepackAll(int groupsA, int groupsB, int threads)
    {
        // _first and _offset: B groups at [0, groupsB), A groups at [groupsB, groupsB + groupsA).
        nint total = 0;
        for (int t = 0; t < groupsA + groupsB; t++)
        {
            bool isA = t >= groupsB;
            int g = isA ? t - groupsB : t;
            int[] groups = isA ? _groupA : _group;
            int first = Array.IndexOf(groups, g, 0, _count);
            GemmCall call = Call(_items[first], null, null);
            _first[t] = first;
            _offset[t] = total;
            total += isA ? GemmDriver.PrepackedAFloats(call, _kernel!) : GemmDriver.PrepackedFloats(call, _kernel!);
        }

        if ((long)total * sizeof(float) > PrepackAllBytes)
        {
            return false;
        }

        float* buffer = GemmWorkspace.Current.Prepacked(total);
        for (int i = 0; i < _count; i++)
        {
            _bPacked[i] = _group[i] >= 0 ? (nint)(buffer + _offset[_group[i]]) : 0;
            _aPacked[i] = _groupA[i] >= 0 ? (nint)(buffer + _offset[groupsB + _groupA[i]]) : 0;
        }

        _prepackAll.Load(this, buffer, groupsA + groupsB, groupsB);
        GemmWorkerPool.Run(_prepackAll, Math.Min(threads, groupsA + groupsB));
        return true;
    }

    private void RunUngrouped(int threads)
    {
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
        GemmWorkspace.Current.TrimPrepacked(KeepPrepackedBytes);
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
            int item = _pass[index];
            BFloat16Gemm.RunItem(_items[item], _kernel!, _options!, whole: true, workspace, (float*)_bPacked[item], (float*)_aPacked[item]);
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

    /// <summary>
    /// Numbers the groups of two or more items with the same B (FP32 C only: its packed layout does not depend on M)
    /// or, with <paramref name="byA"/>, the same A, as 0, 1, ...; -1 for an item alone. Returns the count.
    /// </summary>
    private int FindGroups(int[] group, bool byA)
    {
        Array.Fill(group, -2, 0, _count);
        int groups = 0;
        for (int i = 0; i < _count; i++)
        {
            if (group[i] != -2)
            {
                continue;
            }

            group[i] = -1;
            if (!byA && _items[i].C.IsEmpty)
            {
                continue;
            }

            for (int j = i + 1; j < _count; j++)
            {
                bool same = byA ? SameA(_items[i], _items[j]) : !_items[j].C.IsEmpty && SameB(_items[i], _items[j]);
                if (group[j] == -2 && same)
                {
                    group[i] = groups;
                    group[j] = groups;
                }
            }

            if (group[i] >= 0)
            {
                groups++;
            }
        }

        return groups;
    }

    /// <summary>Whether two items read the same op(A): the same memory (object, start and length), layout and shape.</summary>
    private static bool SameA(in GemmBatchItem x, in GemmBatchItem y) =>
        x.A.Equals(y.A) && x.Lda == y.Lda && x.TransA == y.TransA && x.M == y.M && x.K == y.K;

    /// <summary>Whether two items read the same op(B): the same memory (object, start and length), layout and shape.</summary>
    private static bool SameB(in GemmBatchItem x, in GemmBatchItem y) =>
        x.B.Equals(y.B) && x.Ldb == y.Ldb && x.TransB == y.TransB && x.K == y.K && x.N == y.N;

    /// <summary>The call of <paramref name="item"/> with only what packing A and B reads filled in.</summary>
    private static GemmCall Call(in GemmBatchItem item, ushort* a, ushort* b) => new()
    {
        TransA = item.TransA, TransB = item.TransB, M = item.M, N = item.N, K = item.K, A = a, Lda = item.Lda, B = b, Ldb = item.Ldb,
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
                GemmDriver.PrepackB(Call(_item, null, (ushort*)b), _kernel!, _destination, part, _parts);
            }
        }
    }

    /// <summary>Packs every shared operand, threads taking whole operands in turn.</summary>
    private sealed class PrepackAllWork : GemmWork
    {
        private GemmBatchWork? _batch;
        private float* _buffer;
        private int _tasks;
        private int _groupsB;
        private int _next;

        public void Load(GemmBatchWork batch, float* buffer, int tasks, int groupsB)
        {
            _batch = batch;
            _buffer = buffer;
            _tasks = tasks;
            _groupsB = groupsB;
            _next = 0;
        }

        public override void Execute(int part, GemmWorkspace workspace)
        {
            int task;
            while ((task = Interlocked.Increment(ref _next) - 1) < _tasks)
            {
                ref readonly GemmBatchItem item = ref _batch!._items[_batch._first[task]];
                float* destination = _buffer + _batch._offset[task];
                fixed (BFloat16* a = item.A.Span)
                fixed (BFloat16* b = item.B.Span)
                {
                    GemmCall call = Call(item, (ushort*)a, (ushort*)b);
                    if (task >= _groupsB)
                    {
                        GemmDriver.PrepackA(call, _batch._kernel!, destination);
                    }
                    else
                    {
                        GemmDriver.PrepackB(call, _batch._kernel!, destination, 0, 1);
                    }
                }
            }
        }
    }
}
