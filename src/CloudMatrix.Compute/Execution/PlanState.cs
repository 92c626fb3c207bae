using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Execution;

/// <summary>
/// The buffers of a running plan: for each slot, one backend buffer per mesh position holding its block row-major and
/// contiguous. Input slots may alias one read-only buffer across replicas; every slot a step writes is a real buffer
/// per position, allocated (zero-filled) when first written. A state of a distributed run holds only the positions
/// <see cref="IsLocal"/> accepts (the others live in other processes): their buffers are never allocated.
/// </summary>
internal sealed class PlanState : IDisposable
{
    private readonly Dictionary<string, PlanSlot> _slots;
    private readonly Func<int, bool>? _isLocal;
    private readonly Dictionary<string, DeviceBuffer<BFloat16>[]> _bf16 = [];
    private readonly Dictionary<string, DeviceBuffer<float>[]> _fp32 = [];
    private readonly HashSet<string> _borrowed = [];

    public PlanState(ComputeBackend backend, IReadOnlyDictionary<string, PlanSlot> slots, Func<int, bool>? isLocal = null)
    {
        Backend = backend;
        _slots = new Dictionary<string, PlanSlot>(slots);
        _isLocal = isLocal;
    }

    public ComputeBackend Backend { get; }

    /// <summary>Whether this state holds mesh position <paramref name="position"/> (always, unless it is one process's part of a distributed run).</summary>
    public bool IsLocal(int position) => _isLocal is null || _isLocal(position);

    /// <summary>Uses <paramref name="buffers"/> (one per mesh position, null where not local) as the slot's; the state does not free them.</summary>
    public void Bind(string name, DeviceBuffer<BFloat16>?[] buffers)
    {
        _bf16[name] = (DeviceBuffer<BFloat16>[])(object)buffers; // the positions of other processes stay null
        _borrowed.Add(name);
    }

    public PlanSlot Slot(string name) => _slots[name];

    /// <summary>Uses a sharded tensor's buffers (aliased replicas included) as the slot's; the state does not free them.</summary>
    public void Bind(string name, ShardedTensor tensor)
    {
        _bf16[name] = tensor.Buffers;
        _borrowed.Add(name);
    }

    public DeviceBuffer<BFloat16> Bf16(string name, int position)
    {
        lock (_bf16)
        {
            return Bf16Locked(name, position);
        }
    }

    public DeviceBuffer<float> Fp32(string name, int position)
    {
        lock (_bf16)
        {
            return Fp32Locked(name, position);
        }
    }

    private DeviceBuffer<BFloat16> Bf16Locked(string name, int position)
    {
        if (!_bf16.TryGetValue(name, out var buffers))
        {
            PlanSlot slot = _slots[name];
            buffers = new DeviceBuffer<BFloat16>[slot.Extents.Count];
            for (int p = 0; p < buffers.Length; p++)
            {
                if (IsLocal(p)) buffers[p] = Backend.Allocate<BFloat16>(checked((int)slot.Extents[p].Elements));
            }

            _bf16[name] = buffers;
        }

        return buffers[position] ?? throw NotLocal(name, position);
    }

    private DeviceBuffer<float> Fp32Locked(string name, int position)
    {
        if (!_fp32.TryGetValue(name, out var buffers))
        {
            PlanSlot slot = _slots[name];
            buffers = new DeviceBuffer<float>[slot.Extents.Count];
            for (int p = 0; p < buffers.Length; p++)
            {
                if (IsLocal(p)) buffers[p] = Backend.Allocate<float>(checked((int)slot.Extents[p].Elements));
            }

            _fp32[name] = buffers;
        }

        return buffers[position] ?? throw NotLocal(name, position);
    }

    /// <summary>Takes the slot's buffers out of the state (the caller owns them now).</summary>
    public DeviceBuffer<BFloat16>[] Detach(string name)
    {
        for (int p = 0; p < _slots[name].Extents.Count; p++)
        {
            if (IsLocal(p)) _ = Bf16(name, p);
        }

        var buffers = _bf16[name];
        _bf16.Remove(name);
        return buffers;
    }

    /// <summary>Frees a slot nothing will read again.</summary>
    public void Free(string name)
    {
        if (_borrowed.Contains(name)) return;
        if (_bf16.Remove(name, out var b)) foreach (var x in b.Distinct()) x?.Dispose();
        if (_fp32.Remove(name, out var f)) foreach (var x in f.Distinct()) x?.Dispose();
    }

    private static InvalidOperationException NotLocal(string name, int position) =>
        new($"Mesh position {position} of slot {name} lives in another process; this process holds only its own positions.");

    public void Dispose()
    {
        foreach (string name in _bf16.Keys.Concat(_fp32.Keys).ToArray()) Free(name);
    }
}
