using System.Runtime.InteropServices;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// The collectives of <see cref="DeviceCollectives"/> over several processes, each holding only its own mesh positions.
/// Every backend copy and every reduction of the single-process executor happens here too, on the process that holds
/// its destination and in the same order, with the same operands: an operand held by another process arrives first
/// as a message (the same bfloat16 bits). So the results are bit-identical to the single-process run.
/// Copy collectives send each distinct (source position, region) once per destination process; a ring reduction sends
/// a chunk where consecutive ring members live in different processes; one-shot sends each member's data to the
/// processes of the members that sum it. All messages of a phase are posted together (nonblocking) before any wait.
/// </summary>
internal sealed class DistributedCollectives(PlanState state, ProcessPlacement placement, IProcessTransport transport)
{
    private readonly int _me = transport.Rank;

    private ComputeBackend Backend => state.Backend;

    /// <summary>Runs a collective step to completion.</summary>
    public void Run(CollectiveStep step)
    {
        foreach (CollectiveCall call in step.Calls)
        {
            if (call.Operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter)
            {
                Reduce(call);
            }
            else
            {
                Copy(call);
            }
        }
    }

    /// <summary>
    /// Whether the step is worth splitting into <see cref="Post"/> and <see cref="PendingCopy.Complete"/>, and can be:
    /// every call copies (one message phase; reductions need several, each waiting for the last), some data cross
    /// processes, and no call reads a slot an earlier call of the step writes (its messages are packed when posted).
    /// The answer depends on the plan and the placement alone, so every process gives the same.
    /// </summary>
    public bool CanPost(CollectiveStep step)
    {
        var written = new HashSet<string>();
        bool crosses = false;
        foreach (CollectiveCall call in step.Calls)
        {
            if (call.Operation is CollectiveOperation.AllReduce or CollectiveOperation.ReduceScatter || written.Contains(call.Source)) return false;
            written.Add(call.Destination);
            PlanSlot src = state.Slot(call.Source), dst = state.Slot(call.Destination);
            crosses = crosses || CopyPairs(call).Any(x => placement.RankOf(x.From) != placement.RankOf(x.To) && Overlap(src, x.From, dst, x.To) is not null);
        }

        return crosses;
    }

    /// <summary>
    /// Posts a copy step's messages without waiting (its sources are packed now) and returns what completes it: the
    /// wait, then every local copy and every unpack into the destinations, in the single-process order.
    /// </summary>
    public PendingCopy Post(CollectiveStep step)
    {
        var exchange = new MessageBatch(_me);
        var finishes = new List<Action>();
        foreach (CollectiveCall call in step.Calls) finishes.Add(PostCopy(call, exchange));
        return new PendingCopy(exchange.Start(transport), finishes);
    }

    /// <summary>A copy step whose messages are in flight.</summary>
    internal sealed class PendingCopy(IPendingExchange? exchange, List<Action> finishes)
    {
        /// <summary>Lets the transport progress; true when every message has arrived.</summary>
        public bool Test() => exchange?.Test() ?? true;

        /// <summary>Waits for the messages, then does the step's local copies and unpacks.</summary>
        public void Complete()
        {
            exchange?.Wait();
            foreach (Action finish in finishes) finish();
        }
    }

    private bool Local(int position) => placement.RankOf(position) == _me;

    /// <summary>Every (source position, destination position) copy of a copy collective, in the single-process order.</summary>
    internal static IEnumerable<(int From, int To)> CopyPairs(CollectiveCall call)
    {
        switch (call.Operation)
        {
            case CollectiveOperation.SendReceive:
                foreach (var (from, to) in call.Pairs!) yield return (from, to);
                break;
            case CollectiveOperation.Broadcast:
                for (int i = 0; i < call.Groups.Count; i++)
                {
                    foreach (int p in call.Groups[i]) yield return (call.Roots![i], p);
                }

                break;
            default:
                foreach (int[] g in call.Groups)
                {
                    foreach (int p in g)
                    {
                        foreach (int q in g) yield return (q, p);
                    }
                }

                break;
        }
    }

    /// <summary>The region of source block q that destination block p covers, in global coordinates; null when none.</summary>
    internal static ShardExtent? Overlap(PlanSlot source, int q, PlanSlot destination, int p)
    {
        ShardExtent s = source.Extents[q], d = destination.Extents[p];
        int r0 = Math.Max(s.RowStart, d.RowStart), r1 = Math.Min(s.RowStart + s.Rows, d.RowStart + d.Rows);
        int c0 = Math.Max(s.ColStart, d.ColStart), c1 = Math.Min(s.ColStart + s.Cols, d.ColStart + d.Cols);
        return r1 <= r0 || c1 <= c0 ? null : new ShardExtent(r0, r1 - r0, c0, c1 - c0);
    }

    private void Copy(CollectiveCall call)
    {
        var exchange = new MessageBatch(_me);
        Action finish = PostCopy(call, exchange);
        exchange.Run(transport);
        finish();
    }

    /// <summary>Adds a copy call's messages to the batch (packing what this process sends); returns what to do once they arrived.</summary>
    private Action PostCopy(CollectiveCall call, MessageBatch exchange)
    {
        PlanSlot src = state.Slot(call.Source), dst = state.Slot(call.Destination);
        var received = new Dictionary<(int, ShardExtent), ushort[]>();
        var sent = new HashSet<(int, ShardExtent, int)>();
        var pairs = CopyPairs(call).ToArray();
        foreach (var (q, p) in pairs)
        {
            int rq = placement.RankOf(q), rp = placement.RankOf(p);
            if (rq == rp || (rq != _me && rp != _me) || Overlap(src, q, dst, p) is not { } region) continue;
            if (rq == _me && sent.Add((q, region, rp)))
            {
                exchange.Send(rp, Pack(call.Source, q, src.Extents[q], region));
            }
            else if (rp == _me && !received.ContainsKey((q, region)))
            {
                received[(q, region)] = exchange.Receive(rq, checked((int)region.Elements));
            }
        }

        return () =>
        {
            foreach (var (q, p) in pairs)
            {
                if (!Local(p)) continue;
                if (Local(q))
                {
                    DeviceCollectives.CopyOverlap(state, call.Source, q, call.Destination, p);
                }
                else if (Overlap(src, q, dst, p) is { } region)
                {
                    Unpack(received[(q, region)], call.Destination, p, dst.Extents[p], region);
                }
            }
        };
    }

    private ushort[] Pack(string slot, int position, ShardExtent block, ShardExtent region)
    {
        var data = new ushort[region.Elements];
        Span<BFloat16> view = MemoryMarshal.Cast<ushort, BFloat16>(data.AsSpan());
        DeviceBuffer<BFloat16> buffer = state.Bf16(slot, position);
        for (int r = 0; r < region.Rows; r++)
        {
            int offset = ((region.RowStart - block.RowStart + r) * block.Cols) + (region.ColStart - block.ColStart);
            buffer.CopyTo(view.Slice(r * region.Cols, region.Cols), offset);
        }

        return data;
    }

    private void Unpack(ushort[] data, string slot, int position, ShardExtent block, ShardExtent region)
    {
        ReadOnlySpan<BFloat16> view = MemoryMarshal.Cast<ushort, BFloat16>(data.AsSpan());
        DeviceBuffer<BFloat16> buffer = state.Bf16(slot, position);
        for (int r = 0; r < region.Rows; r++)
        {
            int offset = ((region.RowStart - block.RowStart + r) * block.Cols) + (region.ColStart - block.ColStart);
            buffer.CopyFrom(view.Slice(r * region.Cols, region.Cols), offset);
        }
    }

    private static ushort[] PackChunk(DeviceBuffer<BFloat16> buffer, int offset, int count)
    {
        var data = new ushort[count];
        buffer.CopyTo(MemoryMarshal.Cast<ushort, BFloat16>(data.AsSpan()), offset);
        return data;
    }

    private DeviceBuffer<BFloat16> Staged(ushort[] data, int length, int offset)
    {
        DeviceBuffer<BFloat16> buffer = Backend.Allocate<BFloat16>(length);
        buffer.CopyFrom(MemoryMarshal.Cast<ushort, BFloat16>(data.AsSpan()), offset);
        return buffer;
    }

    private void Reduce(CollectiveCall call)
    {
        var groups = call.Groups.Where(g => g.Any(Local)).Select(g => new GroupReduction(this, call, g)).ToArray();
        try
        {
            if (call.Algorithm is CollectiveAlgorithm.OneShot or CollectiveAlgorithm.Direct)
            {
                var batch = new MessageBatch(_me);
                foreach (GroupReduction g in groups) g.PostOneShot(batch);
                batch.Run(transport);
                foreach (GroupReduction g in groups) g.FinishOneShot();
                return;
            }

            int steps = call.Groups.Count == 0 ? 0 : call.Groups.Max(g => g.Length) - 1;
            for (int s = 0; s < steps; s++)
            {
                var batch = new MessageBatch(_me);
                foreach (GroupReduction g in groups) g.PostRingHop(batch, s);
                batch.Run(transport);
                foreach (GroupReduction g in groups) g.FinishRingHop(s);
            }

            var final = new MessageBatch(_me);
            foreach (GroupReduction g in groups) g.PostRingResult(final);
            final.Run(transport);
            foreach (GroupReduction g in groups) g.FinishRingResult();
        }
        finally
        {
            foreach (GroupReduction g in groups) g.Dispose();
        }
    }

    /// <summary>One group's reduction on this process: the mirror of <c>DeviceCollectives.Reduce</c> restricted to local members.</summary>
    private sealed class GroupReduction : IDisposable
    {
        private readonly DistributedCollectives _owner;
        private readonly CollectiveCall _call;
        private readonly int[] _group;
        private readonly int _n;
        private readonly int _length;
        private readonly bool _scatter;
        private readonly (int Offset, int Count)[] _chunks;
        private readonly DeviceBuffer<BFloat16>?[] _inputs;
        private DeviceBuffer<BFloat16>? _work;
        private DeviceBuffer<BFloat16>? _staging;
        private readonly List<DeviceBuffer<BFloat16>> _owned = [];
        private readonly List<(int J, int To, ushort[] Data)> _hops = [];
        private readonly Dictionary<(int Member, int Chunk), ushort[]> _oneShot = [];
        private readonly Dictionary<int, ushort[]> _results = [];

        public GroupReduction(DistributedCollectives owner, CollectiveCall call, int[] group)
        {
            _owner = owner;
            _call = call;
            _group = group;
            _n = group.Length;
            PlanState state = owner.Owner;
            ShardExtent e = state.Slot(call.Source).Extents[group[0]];
            _length = checked((int)e.Elements);
            _scatter = call.Operation == CollectiveOperation.ReduceScatter;
            _chunks = new (int, int)[_n];
            _inputs = new DeviceBuffer<BFloat16>?[_n];
            PlanSlot dst = state.Slot(call.Destination);
            if (_scatter)
            {
                int offset = 0;
                for (int j = 0; j < _n; j++)
                {
                    _chunks[j] = (offset, checked((int)dst.Extents[group[j]].Elements));
                    offset += _chunks[j].Count;
                }

                bool rowBlocks = Enumerable.Range(0, _n).All(j => dst.Extents[group[j]].Cols == e.Cols);
                for (int m = 0; m < _n; m++)
                {
                    if (!Local(m)) continue;
                    DeviceBuffer<BFloat16> src = state.Bf16(call.Source, group[m]);
                    if (rowBlocks)
                    {
                        _inputs[m] = src;
                        continue;
                    }

                    DeviceBuffer<BFloat16> packed = Own(owner.Backend.Allocate<BFloat16>(_length));
                    for (int j = 0; j < _n; j++)
                    {
                        ShardExtent d = dst.Extents[group[j]];
                        owner.Backend.Copy2D(src, ((d.RowStart - e.RowStart) * e.Cols) + (d.ColStart - e.ColStart), e.Cols, packed, _chunks[j].Offset, d.Cols, d.Rows, d.Cols);
                    }

                    _inputs[m] = packed;
                }
            }
            else
            {
                for (int j = 0; j < _n; j++) _chunks[j] = Collectives.Collective.Partition(_length, _n, j);
                for (int m = 0; m < _n; m++)
                {
                    if (Local(m)) _inputs[m] = state.Bf16(call.Source, group[m]);
                }
            }
        }

        private int RankOf(int member) => _owner.PositionRank(_group[member]);

        private bool Local(int member) => RankOf(member) == _owner.Me;

        private DeviceBuffer<BFloat16> Own(DeviceBuffer<BFloat16> buffer)
        {
            _owned.Add(buffer);
            return buffer;
        }

        /// <summary>The running sums of the ring, one scratch buffer for every chunk (as <c>DeviceCollectives</c>: a
        /// chunk's running sum sits at one member at a time, and this process computes it when that member is local).</summary>
        private DeviceBuffer<BFloat16> Work() => _work ??= Own(_owner.Backend.Allocate<BFloat16>(_length));

        /// <summary>Received chunks of one hop, each at its own offset (the chunks are disjoint ranges).</summary>
        private DeviceBuffer<BFloat16> Staging() => _staging ??= Own(_owner.Backend.Allocate<BFloat16>(_length));

        // One-shot: the process of every member that receives a sum needs every member's operand (a chunk of it for a scatter).
        public void PostOneShot(MessageBatch batch)
        {
            for (int j = 0; j < _n; j++)
            {
                // For all-reduce every member needs the whole buffer (chunk "-1"); for scatter member j needs chunk j.
                int chunk = _scatter ? j : -1;
                if (!_scatter && j > 0) break;
                var (off, count) = _scatter ? _chunks[j] : (0, _length);
                var targets = _scatter ? [RankOf(j)] : Enumerable.Range(0, _n).Select(RankOf).Distinct().ToArray();
                for (int m = 0; m < _n; m++)
                {
                    foreach (int target in targets)
                    {
                        if (target == RankOf(m) || count == 0) continue;
                        if (Local(m))
                        {
                            batch.Send(target, PackChunk(_inputs[m]!, off, count));
                        }
                        else if (target == _owner.Me)
                        {
                            _oneShot[(m, chunk)] = batch.Receive(RankOf(m), count);
                        }
                    }
                }
            }
        }

        public void FinishOneShot()
        {
            ComputeBackend backend = _owner.Backend;
            PlanState state = _owner.Owner;
            if (_scatter)
            {
                // Each remote member's chunks land in one buffer of the member, each at its own offset.
                var operands = new DeviceBuffer<BFloat16>[_n];
                for (int m = 0; m < _n; m++)
                {
                    if (Local(m))
                    {
                        operands[m] = _inputs[m]!;
                        continue;
                    }

                    operands[m] = Own(backend.Allocate<BFloat16>(_length));
                    for (int j = 0; j < _n; j++)
                    {
                        if (Local(j) && _chunks[j].Count > 0) Unstage(_oneShot[(m, j)], operands[m], _chunks[j].Offset);
                    }
                }

                using DeviceBuffer<BFloat16> tmp = backend.Allocate<BFloat16>(_length);
                for (int j = 0; j < _n; j++)
                {
                    if (!Local(j)) continue;
                    var (off, count) = _chunks[j];
                    backend.Reduce(operands, tmp, off, count);
                    backend.Copy(tmp, off, state.Bf16(_call.Destination, _group[j]), 0, count);
                }

                return;
            }

            if (_length == 0) return;
            DeviceBuffer<BFloat16>[]? all = null;
            for (int p = 0; p < _n; p++)
            {
                if (!Local(p)) continue;
                all ??= Enumerable.Range(0, _n).Select(m => Local(m) ? _inputs[m]! : Own(_owner.Staged(_oneShot[(m, -1)], _length, 0))).ToArray();
                backend.Reduce(all, state.Bf16(_call.Destination, _group[p]));
            }
        }

        private static void Unstage(ushort[] data, DeviceBuffer<BFloat16> buffer, int offset) =>
            buffer.CopyFrom(MemoryMarshal.Cast<ushort, BFloat16>(data.AsSpan()), offset);

        // Ring hop s: chunk j goes from member (j+1+s) to (j+2+s), which adds its own operand.
        public void PostRingHop(MessageBatch batch, int s)
        {
            _hops.Clear();
            if (s >= _n - 1) return;
            for (int j = 0; j < _n; j++)
            {
                var (off, count) = _chunks[j];
                if (count == 0) continue;
                int from = (j + 1 + s) % _n, to = (j + 2 + s) % _n;
                if (RankOf(from) == RankOf(to))
                {
                    if (Local(to)) _hops.Add((j, to, []));
                    continue;
                }

                if (Local(from))
                {
                    batch.Send(RankOf(to), PackChunk(s == 0 ? _inputs[from]! : Work(), off, count));
                }
                else if (Local(to))
                {
                    _hops.Add((j, to, batch.Receive(RankOf(from), count)));
                }
            }
        }

        public void FinishRingHop(int s)
        {
            ComputeBackend backend = _owner.Backend;
            foreach (var (j, to, data) in _hops)
            {
                var (off, count) = _chunks[j];
                int from = (j + 1 + s) % _n;
                DeviceBuffer<BFloat16> acc;
                if (RankOf(from) == RankOf(to))
                {
                    acc = s == 0 ? _inputs[from]! : Work();
                }
                else
                {
                    acc = Staging();
                    Unstage(data, acc, off);
                }

                backend.Reduce([acc, _inputs[to]!], Work(), off, count);
            }
        }

        // After the ring, member j holds chunk j summed: a scatter keeps it, an all-reduce sends it to every member.
        public void PostRingResult(MessageBatch batch)
        {
            ComputeBackend backend = _owner.Backend;
            if (_n == 1 && Local(0)) backend.Copy(_inputs[0]!, 0, Work(), 0, _length);
            if (_scatter) return;
            var ranks = Enumerable.Range(0, _n).Select(RankOf).Distinct().ToArray();
            for (int j = 0; j < _n; j++)
            {
                var (off, count) = _chunks[j];
                if (count == 0) continue;
                foreach (int r in ranks)
                {
                    if (r == RankOf(j)) continue;
                    if (Local(j))
                    {
                        batch.Send(r, PackChunk(Work(), off, count));
                    }
                    else if (r == _owner.Me)
                    {
                        _results[j] = batch.Receive(RankOf(j), count);
                    }
                }
            }
        }

        public void FinishRingResult()
        {
            ComputeBackend backend = _owner.Backend;
            PlanState state = _owner.Owner;
            for (int j = 0; j < _n; j++)
            {
                var (off, count) = _chunks[j];
                if (_scatter)
                {
                    if (Local(j)) backend.Copy(Work(), off, state.Bf16(_call.Destination, _group[j]), 0, count);
                    continue;
                }

                for (int p = 0; p < _n; p++)
                {
                    if (!Local(p) || count == 0) continue;
                    DeviceBuffer<BFloat16> dst = state.Bf16(_call.Destination, _group[p]);
                    if (Local(j))
                    {
                        backend.Copy(Work(), off, dst, off, count);
                    }
                    else
                    {
                        dst.CopyFrom(MemoryMarshal.Cast<ushort, BFloat16>(_results[j].AsSpan()), off);
                    }
                }
            }
        }

        public void Dispose()
        {
            foreach (DeviceBuffer<BFloat16> b in _owned) b.Dispose();
        }
    }

    private PlanState Owner => state;

    private int Me => _me;

    private int PositionRank(int position) => placement.RankOf(position);
}
