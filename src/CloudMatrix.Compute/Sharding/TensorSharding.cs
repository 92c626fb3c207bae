using System.Globalization;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// A BF16 matrix's global shape laid over a <see cref="DeviceMesh"/> by a <see cref="PartitionSpec"/>: which block
/// each mesh position holds. Shapes must divide evenly unless <see cref="Uneven"/> (PyTorch <c>torch.chunk</c>
/// semantics: every shard but the trailing ones has ⌈size/parts⌉ elements along the dimension; trailing shards may be
/// short or empty; a dimension split by several axes is chunked axis by axis, outer first, as DTensor does). Immutable.
/// </summary>
public sealed class TensorSharding
{
    private readonly ShardExtent[] _extents;

    /// <summary>Lays a <paramref name="rows"/> x <paramref name="cols"/> matrix over <paramref name="mesh"/>.</summary>
    /// <param name="name">The tensor's name in messages (e.g. <c>A</c>).</param>
    /// <param name="rows">Global rows, at least 1.</param>
    /// <param name="cols">Global columns, at least 1.</param>
    /// <param name="mesh">The mesh.</param>
    /// <param name="spec">The spec, of rank 2.</param>
    /// <param name="uneven">Allow shapes that do not divide (torch.chunk semantics).</param>
    /// <exception cref="ArgumentException">The spec names an unknown axis or has another rank (<c>ParamName</c> <c>spec</c>);
    /// a dimension does not divide by its axes (<c>rows</c> or <c>cols</c>; the message names the dimension, the axes,
    /// both sizes and the nearest sizes that divide).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public TensorSharding(string name, int rows, int cols, DeviceMesh mesh, PartitionSpec spec, bool uneven = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        try
        {
            spec.Validate(mesh, 2, $"the spec of {name}");
        }
        catch (ArgumentException ex) when (ex is not ArgumentNullException)
        {
            throw ArgumentMessages.Rename(ex, nameof(spec));
        }
        Name = name;
        Rows = rows;
        Cols = cols;
        Mesh = mesh;
        Spec = spec;
        Uneven = uneven;
        int[] sizes = [rows, cols];
        for (int d = 0; d < 2; d++)
        {
            int parts = spec.Parts(mesh, d);
            if (!uneven && sizes[d] % parts != 0)
            {
                long lower = sizes[d] / parts * parts, upper = lower + parts;
                string axes = string.Join("x", spec.Dims[d].Select(a => $"'{a}'"));
                // Only sizes a dimension can have (1..2^31 - 1) are offered.
                string[] offered = [.. new[] { lower, upper }.Where(x => x is > 0 and <= int.MaxValue).Select(x => x.ToString(CultureInfo.InvariantCulture))];
                throw new ArgumentException(
                    $"Dimension {d} of {name} ({sizes[d].ToString(CultureInfo.InvariantCulture)}) does not divide over mesh axis {axes} " +
                    $"({parts.ToString(CultureInfo.InvariantCulture)} devices); nearest sizes that divide: {string.Join(" or ", offered)}. " +
                    "Or allow uneven shards (torch.chunk semantics; the report states the padding waste).", d == 0 ? nameof(rows) : nameof(cols));
            }
        }

        _extents = new ShardExtent[mesh.Size];
        for (int p = 0; p < mesh.Size; p++)
        {
            var (r0, nr) = Split(rows, 0, p);
            var (c0, nc) = Split(cols, 1, p);
            _extents[p] = new ShardExtent(r0, nr, c0, nc);
        }
    }

    /// <summary>The tensor's name in messages.</summary>
    public string Name { get; }

    /// <summary>Global rows.</summary>
    public int Rows { get; }

    /// <summary>Global columns.</summary>
    public int Cols { get; }

    /// <summary>The mesh.</summary>
    public DeviceMesh Mesh { get; }

    /// <summary>The spec.</summary>
    public PartitionSpec Spec { get; }

    /// <summary>Whether shapes that do not divide were allowed.</summary>
    public bool Uneven { get; }

    /// <summary>Whether the value is a partial sum over some axis.</summary>
    public bool IsPartial => Spec.IsPartial;

    /// <summary>The block mesh position <paramref name="position"/> holds.</summary>
    /// <param name="position">A mesh position.</param>
    /// <returns>Its extent.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside 0..<see cref="DeviceMesh.Size"/> - 1.</exception>
    public ShardExtent Extent(int position)
    {
        if ((uint)position >= (uint)_extents.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"{Mesh} has {_extents.Length} positions; valid: 0..{_extents.Length - 1}.");
        }

        return _extents[position];
    }

    /// <summary>Largest shard, elements (what each device must hold when shards are padded to one size).</summary>
    public long MaxShardElements => _extents.Max(e => e.Elements);

    /// <summary>
    /// Elements of padding an even layout would need: devices × largest shard − what the devices hold. 0 when the
    /// shape divides.
    /// </summary>
    public long PaddingElements
    {
        get
        {
            // In Int128: the devices' blocks of a dimension near 2^31 add up beyond a long (the figure saturates).
            Int128 held = _extents.Aggregate(Int128.Zero, (acc, e) => acc + e.Elements);
            Int128 padding = ((Int128)Mesh.Size * MaxShardElements) - held;
            return padding > long.MaxValue ? long.MaxValue : (long)padding;
        }
    }

    /// <summary>
    /// The shard key of a position: positions with the same key hold the same block of the same value (replicas),
    /// so one read-only buffer may serve them. Partial tensors give every position its own key.
    /// </summary>
    /// <param name="position">A mesh position.</param>
    /// <returns>The key.</returns>
    internal int ReplicaKey(int position)
    {
        if (IsPartial) return position;
        if (_replicaKeys is null)
        {
            // Keys: the index of the first position with the same extent.
            var firstOf = new Dictionary<ShardExtent, int>();
            var keys = new int[_extents.Length];
            for (int p = 0; p < keys.Length; p++)
            {
                keys[p] = firstOf.TryGetValue(_extents[p], out int q) ? q : firstOf[_extents[p]] = p;
            }

            _replicaKeys = keys;
        }

        return _replicaKeys[position];
    }

    private int[]? _replicaKeys;

    /// <summary>The typed compact form, e.g. <c>bf16[8192@dp, 8192@tp]</c> or <c>bf16[8192, 8192]{partial: tp}</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        string Dim(int d, int size)
        {
            var axes = Spec.Dims[d];
            string s = size.ToString(CultureInfo.InvariantCulture);
            return axes.Count == 0 ? s : axes.Count == 1 ? $"{s}@{axes[0]}" : $"{s}@({string.Join(",", axes)})";
        }

        string text = $"bf16[{Dim(0, Rows)}, {Dim(1, Cols)}]";
        return IsPartial ? $"{text}{{partial: {string.Join(", ", Spec.PartialAxes)}}}" : text;
    }

    private (int Start, int Length) Split(int size, int dim, int position)
    {
        // Axis by axis, outer first: each axis chunks the block the previous ones left (torch.chunk at every level,
        // as DTensor shards one dimension over several mesh dimensions), so the blocks of an inner axis always nest
        // inside the outer axis' block and a collective over the inner axis stays inside it.
        int start = 0, length = size;
        foreach (string axis in Spec.Dims[dim])
        {
            int a = Mesh.AxisIndex(axis);
            int parts = Mesh.Shape[a], index = Mesh.Coordinate(position, a);
            // In long: length + parts - 1 overflows an int for dimensions near 2^31.
            int chunk = (int)((length + (long)parts - 1) / parts); // equals length / parts when it divides
            int offset = (int)Math.Min((long)index * chunk, length);
            start += offset;
            length = Math.Min(chunk, length - offset);
        }

        return (start, length);
    }
}
