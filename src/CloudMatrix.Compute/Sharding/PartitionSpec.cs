using System.Text;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// JAX's <c>PartitionSpec</c>: for each tensor dimension, the mesh axes that split it (none: replicated; several:
/// split major-to-minor in the order given, as <c>P(("dp", "tp"))</c>), plus the axes over which the tensor is a
/// partial sum (JAX's <c>unreduced</c>, DTensor's <c>Partial</c>). Axes the spec does not name replicate it.
/// Immutable; build with <see cref="P"/> or <see cref="Parse"/>.
/// </summary>
public sealed class PartitionSpec : IEquatable<PartitionSpec>
{
    private readonly string[][] _dims;
    private readonly string[] _partial;

    private PartitionSpec(string[][] dims, string[] partial, string paramName)
    {
        _dims = dims;
        _partial = partial;
        var all = dims.SelectMany(d => d).Concat(partial).ToArray();
        string? twice = all.GroupBy(a => a).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (twice is not null)
        {
            throw new ArgumentException($"Spec {this} uses mesh axis '{twice}' twice; a mesh axis may split one dimension or mark one partial sum, once.", paramName);
        }
    }

    /// <summary>The largest rank <see cref="Parse"/> and <see cref="Replicated"/> take (an empty text is that many replicated dimensions).</summary>
    public const int MaxRank = 64;

    /// <summary>Number of tensor dimensions the spec describes.</summary>
    public int Rank => _dims.Length;

    /// <summary>Mesh axes splitting each dimension, major first (empty: not split).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Dims => _dims;

    /// <summary>Mesh axes over which the tensor is a partial sum.</summary>
    public IReadOnlyList<string> PartialAxes => _partial;

    /// <summary>
    /// JAX's <c>P(...)</c>: one entry per tensor dimension, each <c>null</c> (replicated), an axis name, or a
    /// <c>string[]</c> of axis names (split major-to-minor).
    /// </summary>
    /// <param name="dims">The entries.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="ArgumentException">An entry of another type, an empty name, or an axis used twice.</exception>
    public static PartitionSpec P(params object?[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var d = new string[dims.Length][];
        for (int i = 0; i < dims.Length; i++)
        {
            d[i] = dims[i] switch
            {
                null => [],
                string s when s.Length > 0 => [s],
                string[] a when a.All(x => !string.IsNullOrEmpty(x)) => [.. a],
                _ => throw new ArgumentException($"P(...) entry {i} is {dims[i]}; each entry is null, an axis name or a string[] of axis names.", nameof(dims)),
            };
        }

        return new PartitionSpec(d, [], nameof(dims));
    }

    /// <summary>A spec of <paramref name="rank"/> replicated dimensions.</summary>
    /// <param name="rank">Tensor rank, 0..<see cref="MaxRank"/>.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A rank outside 0..<see cref="MaxRank"/>.</exception>
    public static PartitionSpec Replicated(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rank, MaxRank);
        return new(Enumerable.Range(0, rank).Select(_ => Array.Empty<string>()).ToArray(), [], nameof(rank));
    }

    /// <summary>This spec, partial over <paramref name="axes"/> as well.</summary>
    /// <param name="axes">Mesh axis names.</param>
    /// <returns>The new spec.</returns>
    /// <exception cref="ArgumentException">An empty name, or an axis used twice.</exception>
    public PartitionSpec WithPartial(params string[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("WithPartial(...) was given a null or empty axis name; name mesh axes, e.g. \"tp\".", nameof(axes));
        }

        return new(_dims, [.. _partial, .. axes], nameof(axes));
    }

    /// <summary>This spec without partial axes (the layout the sum has).</summary>
    /// <returns>The new spec.</returns>
    public PartitionSpec WithoutPartial() => new(_dims, [], "this");

    /// <summary>
    /// Parses the CLI form: comma-separated entries, one per dimension; an entry is empty or <c>None</c>/<c>null</c>
    /// (replicated), an axis name, or axis names joined by <c>+</c> or in parentheses (<c>(dp tp)</c>, <c>dp+tp</c>);
    /// an optional trailing <c>{partial: tp}</c> or <c>partial=tp</c> lists partial axes. <c>dp,tp</c> is
    /// <c>P("dp", "tp")</c>; <c>tp,</c> is <c>P("tp", null)</c>.
    /// </summary>
    /// <param name="text">The spec.</param>
    /// <param name="rank">Expected number of dimensions (2 for a matrix), 0..<see cref="MaxRank"/>.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="FormatException">The text has another number of entries or a malformed name; the message quotes it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A rank outside 0..<see cref="MaxRank"/>.</exception>
    public static PartitionSpec Parse(string text, int rank = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rank, MaxRank);
        string body = text.Trim();
        var partial = new List<string>();
        int brace = body.IndexOf('{');
        int partialEq = body.IndexOf("partial=", StringComparison.OrdinalIgnoreCase);
        if (brace >= 0)
        {
            string inner = body[(brace + 1)..].TrimEnd('}');
            body = body[..brace];
            inner = inner.Replace("partial:", "", StringComparison.OrdinalIgnoreCase);
            partial.AddRange(inner.Split([',', ' ', '+'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        else if (partialEq >= 0)
        {
            partial.AddRange(body[(partialEq + 8)..].Split(['+', ' '], StringSplitOptions.RemoveEmptyEntries));
            body = body[..partialEq].TrimEnd(' ', ';', ',');
        }

        if (body.StartsWith("P(", StringComparison.Ordinal) && body.EndsWith(')'))
        {
            body = body[2..^1];
        }

        var entries = SplitTopLevel(body);
        if (entries.Count == 1 && entries[0].Length == 0 && rank != 1)
        {
            entries = Enumerable.Repeat("", rank).ToList();
        }

        if (entries.Count != rank)
        {
            throw new FormatException($"Spec '{text}' has {entries.Count} entries but the tensor has {rank} dimensions; give one entry per dimension, e.g. 'dp,tp' or 'tp,' (empty = replicated).");
        }

        foreach (string n in partial)
        {
            // Partial axes are names whether or not a dimension is split.
            if (!IsAxisName(n)) throw new FormatException($"Spec '{text}': '{n}' is not a mesh axis name (letters, digits, '_').");
        }

        var dims = new string[rank][];
        for (int i = 0; i < rank; i++)
        {
            string e = entries[i].Trim().Trim('\'', '"');
            if (e.Length == 0 || e is "None" or "null" or "none")
            {
                dims[i] = [];
                continue;
            }

            e = e.Trim('(', ')');
            var names = e.Split(['+', ' ', ',', '\'', '"'], StringSplitOptions.RemoveEmptyEntries);
            if (names.Length == 0 || (names.Length == 1 && names[0] is "None" or "null" or "none"))
            {
                dims[i] = [];
                continue;
            }

            foreach (string n in names)
            {
                if (!IsAxisName(n) || n is "None" or "null" or "none")
                {
                    throw new FormatException($"Spec '{text}': '{n}' is not a mesh axis name (letters, digits, '_'; None and null mean replicated).");
                }
            }

            dims[i] = names;
        }

        try
        {
            return new PartitionSpec(dims, [.. partial], nameof(text));
        }
        catch (ArgumentException ex)
        {
            throw new FormatException(ArgumentMessages.Plain(ex), ex);
        }
    }

    /// <summary>
    /// DTensor placements, one per mesh axis: <see cref="Shard"/> where the axis splits a dimension,
    /// <see cref="Partial"/> where it is partial, <see cref="Replicate"/> elsewhere.
    /// </summary>
    /// <param name="mesh">The mesh.</param>
    /// <returns>The placements, outermost axis first.</returns>
    /// <exception cref="ArgumentException">The spec names an axis the mesh lacks, or two mesh axes split one
    /// dimension in an order DTensor cannot express (not outer-to-inner).</exception>
    public Placement[] ToPlacements(DeviceMesh mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        Validate(mesh);
        var result = new Placement[mesh.Rank];
        for (int a = 0; a < mesh.Rank; a++) result[a] = new Replicate();
        for (int d = 0; d < _dims.Length; d++)
        {
            int last = -1;
            foreach (string axis in _dims[d])
            {
                int a = mesh.AxisIndex(axis);
                if (a < last)
                {
                    throw new ArgumentException($"Spec {this} splits dimension {d} over ({string.Join(", ", _dims[d])}), inner mesh axis first; DTensor placements split in mesh order, so list the axes outer to inner.", nameof(mesh));
                }

                last = a;
                result[a] = new Shard(d);
            }
        }

        foreach (string axis in _partial) result[mesh.AxisIndex(axis)] = new Partial();
        return result;
    }

    /// <summary>The spec of DTensor <paramref name="placements"/> (one per mesh axis) for a tensor of <paramref name="rank"/> dimensions.</summary>
    /// <param name="mesh">The mesh.</param>
    /// <param name="placements">One per mesh axis, outermost first.</param>
    /// <param name="rank">Tensor rank.</param>
    /// <returns>The spec; a dimension split by several axes lists them outer to inner (DTensor's order).</returns>
    /// <exception cref="ArgumentException">The count differs from the mesh's axes, or a <see cref="Shard"/> dimension is outside the rank.</exception>
    public static PartitionSpec FromPlacements(DeviceMesh mesh, IReadOnlyList<Placement> placements, int rank)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(placements);
        if (placements.Count != mesh.Rank)
        {
            throw new ArgumentException($"{placements.Count} placements for {mesh}, which has {mesh.Rank} axes; give one per mesh axis.", nameof(placements));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        var dims = Enumerable.Range(0, rank).Select(_ => new List<string>()).ToArray();
        var partial = new List<string>();
        for (int a = 0; a < placements.Count; a++)
        {
            switch (placements[a])
            {
                case Shard s when s.Dim < 0 || s.Dim >= rank:
                    throw new ArgumentException($"Placement {s} on mesh axis '{mesh.AxisNames[a]}' names dimension {s.Dim}; a rank-{rank} tensor has dimensions 0..{rank - 1}.", nameof(placements));
                case Shard s:
                    dims[s.Dim].Add(mesh.AxisNames[a]);
                    break;
                case Partial:
                    partial.Add(mesh.AxisNames[a]);
                    break;
                case Replicate:
                    break;
                default:
                    throw new ArgumentException($"Placement {placements[a]} is not Shard, Replicate or Partial.", nameof(placements));
            }
        }

        return new PartitionSpec(dims.Select(l => l.ToArray()).ToArray(), [.. partial], nameof(placements));
    }

    /// <summary>Checks that every axis the spec names is an axis of <paramref name="mesh"/> and that the rank is <paramref name="rank"/> (when given).</summary>
    /// <param name="mesh">The mesh.</param>
    /// <param name="rank">Expected tensor rank, or -1 not to check.</param>
    /// <param name="what">How the error names the spec (e.g. <c>a_spec</c>).</param>
    /// <exception cref="ArgumentException">An unknown axis (<c>ParamName</c> <c>mesh</c>) or a rank mismatch (<c>rank</c>);
    /// the message names <paramref name="what"/>.</exception>
    public void Validate(DeviceMesh mesh, int rank = -1, string what = "spec")
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (rank >= 0 && rank != Rank)
        {
            throw new ArgumentException($"{what} {this} has {Rank} entries but the tensor has {rank} dimensions; give one entry per dimension.", nameof(rank));
        }

        foreach (string axis in _dims.SelectMany(d => d).Concat(_partial))
        {
            if (!mesh.HasAxis(axis))
            {
                throw new ArgumentException($"{what} {this} names mesh axis '{axis}', which {mesh} does not have; its axes are {string.Join(", ", mesh.AxisNames)}.", nameof(mesh));
            }
        }
    }

    /// <summary>Number of shards dimension <paramref name="dim"/> is split into on <paramref name="mesh"/>.</summary>
    /// <param name="mesh">The mesh.</param>
    /// <param name="dim">A dimension.</param>
    /// <returns>The product of its axes' sizes (1 when replicated).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mesh"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is outside 0..<see cref="Rank"/> - 1.</exception>
    /// <exception cref="ArgumentException">The spec names an axis <paramref name="mesh"/> does not have.</exception>
    public int Parts(DeviceMesh mesh, int dim)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (dim < 0 || dim >= _dims.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"The spec {this} has {_dims.Length} dimensions; valid: 0..{_dims.Length - 1}.");
        }

        return _dims[dim].Aggregate(1, (acc, a) => acc * mesh.AxisSize(a));
    }

    /// <summary>Whether the tensor is a partial sum over some axis.</summary>
    public bool IsPartial => _partial.Length > 0;

    /// <summary>JAX's form, e.g. <c>P('dp', None)</c> or <c>P(('dp', 'tp'), None, unreduced={'tp'})</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder("P(");
        for (int i = 0; i < _dims.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_dims[i].Length switch
            {
                0 => "None",
                1 => $"'{_dims[i][0]}'",
                _ => "(" + string.Join(", ", _dims[i].Select(a => $"'{a}'")) + ")",
            });
        }

        if (_partial.Length > 0)
        {
            sb.Append(", unreduced={").Append(string.Join(", ", _partial.Select(a => $"'{a}'"))).Append('}');
        }

        return sb.Append(')').ToString();
    }

    /// <summary>The CLI form <see cref="Parse"/> reads, e.g. <c>dp,tp</c> or <c>dp+tp,{partial: x}</c>.</summary>
    /// <returns>The text.</returns>
    public string ToCliString()
    {
        string s = string.Join(",", _dims.Select(d => string.Join("+", d)));
        return _partial.Length == 0 ? s : $"{s}{{partial: {string.Join("+", _partial)}}}";
    }

    /// <inheritdoc/>
    public bool Equals(PartitionSpec? other) =>
        other is not null && other._dims.Length == _dims.Length
        && _dims.Zip(other._dims).All(p => p.First.SequenceEqual(p.Second))
        && _partial.Order().SequenceEqual(other._partial.Order());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PartitionSpec);

    /// <inheritdoc/>
    public override int GetHashCode() => ToCliString().GetHashCode(StringComparison.Ordinal);

    private static bool IsAxisName(string n) => (char.IsLetter(n[0]) || n[0] == '_') && n.All(c => char.IsLetterOrDigit(c) || c == '_');

    private static List<string> SplitTopLevel(string body)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < body.Length; i++)
        {
            if (body[i] == '(') depth++;
            else if (body[i] == ')') depth--;
            else if (body[i] == ',' && depth == 0)
            {
                parts.Add(body[start..i]);
                start = i + 1;
            }
        }

        parts.Add(body[start..]);
        return parts;
    }
}
