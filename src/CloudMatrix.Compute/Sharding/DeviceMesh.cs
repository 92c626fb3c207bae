using System.Globalization;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// An N-D logical mesh of devices with named axes (JAX <c>Mesh</c>, PyTorch <c>DeviceMesh</c>), laid over the devices
/// of a <see cref="SystemSpec"/>. Mesh positions are numbered row-major (the last axis varies fastest); by default
/// position <c>p</c> is system device <c>p</c>, so on a preset whose devices are numbered node by node the innermost
/// axis stays inside a node. A custom device order maps positions to any subset of the system's devices. Immutable.
/// </summary>
public sealed class DeviceMesh
{
    private readonly string[] _names;
    private readonly int[] _shape;
    private readonly int[] _strides;
    private readonly int[] _devices;

    private DeviceMesh(SystemSpec system, string[] names, int[] shape, int[] devices)
    {
        System = system;
        _names = names;
        _shape = shape;
        _devices = devices;
        _strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            _strides[i] = stride;
            stride *= shape[i];
        }
    }

    /// <summary>The modelled machine whose devices the mesh covers.</summary>
    public SystemSpec System { get; }

    /// <summary>Axis names, outermost first.</summary>
    public IReadOnlyList<string> AxisNames => _names;

    /// <summary>Axis sizes, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of devices in the mesh (the product of the axis sizes).</summary>
    public int Size => _devices.Length;

    /// <summary>System device index of each mesh position (row-major positions).</summary>
    public IReadOnlyList<int> Devices => _devices;

    /// <summary>
    /// Creates a mesh over <paramref name="system"/>. Without <paramref name="devices"/> the axes must multiply to the
    /// system's device count and position <c>p</c> is device <c>p</c>; with it, they must multiply to its length.
    /// </summary>
    /// <param name="system">The machine.</param>
    /// <param name="axes">(name, size) pairs, outermost first; names are unique identifiers, sizes at least 1.</param>
    /// <param name="devices">Optional system device indices, one per mesh position in row-major order (a subset or a custom order).</param>
    /// <returns>The mesh.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No axes, a bad or repeated name, a size below 1, a product that is not the device count
    /// (the message lists factorisations that fit), or a device index outside the system or given twice.</exception>
    public static DeviceMesh Create(SystemSpec system, IEnumerable<(string Name, int Size)> axes, IReadOnlyList<int>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(axes);
        var list = axes.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A mesh needs at least one axis, e.g. (\"dp\", 48), (\"tp\", 8).", nameof(axes));
        }

        var names = new string[list.Length];
        var shape = new int[list.Length];
        long product = 1;
        for (int i = 0; i < list.Length; i++)
        {
            var (name, size) = list[i];
            if (string.IsNullOrWhiteSpace(name) || !IsIdentifier(name))
            {
                throw new ArgumentException($"Mesh axis {i} is named '{name}'; axis names are identifiers (letters, digits, '_', not starting with a digit), e.g. dp, tp.", nameof(axes));
            }

            if (Array.IndexOf(names, name, 0, i) >= 0)
            {
                throw new ArgumentException($"Mesh axis name '{name}' is used twice; each axis needs its own name.", nameof(axes));
            }

            if (size < 1)
            {
                throw new ArgumentException($"Mesh axis '{name}' has size {size}; sizes are at least 1.", nameof(axes));
            }

            names[i] = name;
            shape[i] = size;
            // Saturates above any device count (sizes up to 2^31 - 1 over several axes would wrap a long).
            product = product > (1L << 40) / size ? 1L << 40 : product * size;
        }

        int deviceCount = devices?.Count ?? system.DeviceCount;
        string described = Describe(names, shape);
        if (product != deviceCount)
        {
            string what = devices is null ? $"system {system.Name} has {system.DeviceCount} devices" : $"{deviceCount} devices were given";
            string positions = product >= 1L << 40 ? "more than 2^40" : product.ToString(CultureInfo.InvariantCulture);
            throw new ArgumentException(
                $"Mesh {described} has {positions} positions but {what}; the axis sizes must multiply to the device count " +
                $"(for {deviceCount}: {Factorisations(deviceCount)}), or give a subset of devices.", nameof(axes));
        }

        int[] map;
        if (devices is null)
        {
            map = Enumerable.Range(0, deviceCount).ToArray();
        }
        else
        {
            map = [.. devices];
            var seen = new HashSet<int>();
            for (int i = 0; i < map.Length; i++)
            {
                if (map[i] < 0 || map[i] >= system.DeviceCount)
                {
                    throw new ArgumentException($"Mesh position {i} is device {map[i]}, which {system.Name} does not have; valid device indices are 0..{system.DeviceCount - 1}.", nameof(devices));
                }

                if (!seen.Add(map[i]))
                {
                    throw new ArgumentException($"Device {map[i]} appears twice in the mesh's device list; each device may hold one mesh position.", nameof(devices));
                }
            }
        }

        return new DeviceMesh(system, names, shape, map);
    }

    /// <summary>
    /// Parses a mesh written as <c>dp=48,tp=8</c> (the form <c>cmx matmul --mesh</c> takes) over <paramref name="system"/>.
    /// </summary>
    /// <param name="system">The machine.</param>
    /// <param name="text">Comma-separated <c>name=size</c> pairs, outermost first.</param>
    /// <returns>The mesh.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="FormatException">The text is not of that form; the message quotes the bad part.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Create"/>, with <c>ParamName</c> <c>text</c>.</exception>
    public static DeviceMesh Parse(SystemSpec system, string text)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(text);
        var axes = new List<(string, int)>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || !int.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            {
                throw new FormatException($"Mesh '{text}': the part '{part}' is not name=size; write e.g. dp=48,tp=8.");
            }

            axes.Add((part[..eq].Trim(), size));
        }

        try
        {
            return Create(system, axes);
        }
        catch (ArgumentException ex) when (ex is not ArgumentNullException)
        {
            throw ArgumentMessages.Rename(ex, nameof(text));
        }
    }

    /// <summary>Position of the axis named <paramref name="name"/>.</summary>
    /// <param name="name">An axis name.</param>
    /// <returns>Its index, outermost 0.</returns>
    /// <exception cref="ArgumentException">The mesh has no such axis; the message lists its axes.</exception>
    public int AxisIndex(string name)
    {
        int i = Array.IndexOf(_names, name);
        if (i < 0)
        {
            throw new ArgumentException($"Mesh {this} has no axis '{name}'; its axes are {string.Join(", ", _names)}.", nameof(name));
        }

        return i;
    }

    /// <summary>Size of the axis named <paramref name="name"/>.</summary>
    /// <param name="name">An axis name.</param>
    /// <returns>Its size.</returns>
    /// <exception cref="ArgumentException">The mesh has no such axis.</exception>
    public int AxisSize(string name) => _shape[AxisIndex(name)];

    /// <summary>Whether the mesh has an axis named <paramref name="name"/>.</summary>
    /// <param name="name">An axis name.</param>
    /// <returns>True when it has.</returns>
    public bool HasAxis(string name) => Array.IndexOf(_names, name) >= 0;

    /// <summary>Coordinates of mesh position <paramref name="position"/>, one per axis.</summary>
    /// <param name="position">0..Size-1.</param>
    /// <returns>The coordinates.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The position is outside the mesh.</exception>
    public int[] Coordinates(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, Size);
        var c = new int[_shape.Length];
        for (int i = 0; i < c.Length; i++)
        {
            c[i] = position / _strides[i] % _shape[i];
        }

        return c;
    }

    /// <summary>Coordinate of <paramref name="position"/> along one axis.</summary>
    /// <param name="position">A mesh position, 0..Size-1.</param>
    /// <param name="axis">An axis index, 0..Rank-1.</param>
    /// <returns>The coordinate.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The position or the axis is outside the mesh.</exception>
    public int Coordinate(int position, int axis)
    {
        if ((uint)position >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(position), position, $"Mesh {this} has positions 0..{Size - 1}.");
        if ((uint)axis >= (uint)_shape.Length) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Mesh {this} has axes 0..{_shape.Length - 1}.");
        return position / _strides[axis] % _shape[axis];
    }

    /// <summary>Mesh position of the given coordinates.</summary>
    /// <param name="coordinates">One per axis, each inside its axis.</param>
    /// <returns>The row-major position.</returns>
    /// <exception cref="ArgumentException">Wrong count or a coordinate outside its axis.</exception>
    public int Position(ReadOnlySpan<int> coordinates)
    {
        if (coordinates.Length != _shape.Length)
        {
            throw new ArgumentException($"Mesh {this} has {_shape.Length} axes; {coordinates.Length} coordinates were given.", nameof(coordinates));
        }

        int p = 0;
        for (int i = 0; i < coordinates.Length; i++)
        {
            if ((uint)coordinates[i] >= (uint)_shape[i])
            {
                throw new ArgumentException($"Coordinate {coordinates[i]} is outside axis '{_names[i]}' of size {_shape[i]}.", nameof(coordinates));
            }

            p += coordinates[i] * _strides[i];
        }

        return p;
    }

    /// <summary>
    /// The collective groups of one or more axes: the mesh positions that differ only along <paramref name="axes"/>,
    /// one group per combination of the other axes' coordinates. Inside a group, members are ordered row-major over
    /// <paramref name="axes"/> in the order given (for one axis: by its coordinate).
    /// </summary>
    /// <param name="axes">Axis names, at least one, each once.</param>
    /// <returns>Groups of mesh positions (use <see cref="Devices"/> for system device indices).</returns>
    /// <exception cref="ArgumentException">An unknown or repeated axis, or none.</exception>
    public IReadOnlyList<int[]> Groups(params string[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0)
        {
            throw new ArgumentException("Name at least one mesh axis for the groups.", nameof(axes));
        }

        int[] idx = axes.Select(AxisIndex).ToArray();
        if (idx.Distinct().Count() != idx.Length)
        {
            throw new ArgumentException($"An axis is named twice in ({string.Join(", ", axes)}).", nameof(axes));
        }

        int groupSize = idx.Aggregate(1, (acc, i) => acc * _shape[i]);
        var groups = new List<int[]>(Size / groupSize);
        var seen = new bool[Size];
        for (int p = 0; p < Size; p++)
        {
            if (seen[p]) continue;
            // p has coordinate 0 on every group axis (the first unseen position of each group is such a one).
            var g = new int[groupSize];
            for (int j = 0; j < groupSize; j++)
            {
                int rest = j, q = p;
                for (int a = idx.Length - 1; a >= 0; a--)
                {
                    q += rest % _shape[idx[a]] * _strides[idx[a]];
                    rest /= _shape[idx[a]];
                }

                g[j] = q;
                seen[q] = true;
            }

            groups.Add(g);
        }

        return groups;
    }

    /// <summary>The compact form, e.g. <c>mesh{dp=48, tp=8}</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Describe(_names, _shape);

    /// <summary>The <c>name=size</c> list <see cref="Parse"/> reads, e.g. <c>dp=48,tp=8</c>.</summary>
    /// <returns>The text.</returns>
    public string ToSpecString() => string.Join(",", _names.Select((n, i) => $"{n}={_shape[i].ToString(CultureInfo.InvariantCulture)}"));

    internal static string Factorisations(int n)
    {
        var two = new List<string>();
        for (int a = 2; (long)a * a <= n && two.Count < 6; a++)
        {
            if (n % a == 0) two.Add($"{n / a}x{a}");
        }

        return two.Count == 0 ? $"{n}" : string.Join(", ", two);
    }

    private static string Describe(string[] names, int[] shape) =>
        "mesh{" + string.Join(", ", names.Select((n, i) => $"{n}={shape[i].ToString(CultureInfo.InvariantCulture)}")) + "}";

    private static bool IsIdentifier(string s) =>
        (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');
}
