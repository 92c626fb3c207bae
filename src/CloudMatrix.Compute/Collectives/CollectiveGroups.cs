using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Collectives;

/// <summary>
/// Builds the device lists that <see cref="CollectiveOptions.Group"/> takes: every device, one node, or one axis of
/// a logical device mesh.
/// </summary>
public static class CollectiveGroups
{
    /// <summary>Every device of <paramref name="system"/>, in index order.</summary>
    /// <param name="system">The system.</param>
    /// <returns>Device indices 0..DeviceCount-1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    public static IReadOnlyList<int> All(SystemSpec system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return [.. Enumerable.Range(0, system.DeviceCount)];
    }

    /// <summary>The devices of node <paramref name="node"/>, in index order.</summary>
    /// <param name="system">The system.</param>
    /// <param name="node">Node index, 0..NodeCount-1.</param>
    /// <returns>The node's device indices.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="system"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No device sits on <paramref name="node"/>.</exception>
    public static IReadOnlyList<int> Node(SystemSpec system, int node)
    {
        ArgumentNullException.ThrowIfNull(system);
        int[] devices = [.. system.Devices.Where(d => d.NodeIndex == node).Select(d => d.Index)];
        if (devices.Length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(node), node, $"{system.Name} has no device on node {node}; its nodes are 0..{system.Devices.Max(d => d.NodeIndex)}.");
        }

        return devices;
    }

    /// <summary>
    /// One axis of a logical mesh laid row-major over devices 0..Π(shape)-1 (the last axis varies fastest): the
    /// devices that share every coordinate of <paramref name="through"/> except along <paramref name="axis"/>.
    /// On CloudMatrix384, shape (48, 8) makes axis 1 a node and axis 0 one device of every node.
    /// </summary>
    /// <param name="system">The system.</param>
    /// <param name="shape">Mesh extents, each ≥ 1, whose product is at most the device count.</param>
    /// <param name="axis">The axis the group runs along, 0..shape.Length-1.</param>
    /// <param name="through">A device of the mesh the group contains.</param>
    /// <returns>The group's device indices, in the order of their coordinate along the axis.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is empty, has an extent below 1, or covers more devices than the system has.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> or <paramref name="through"/> is outside the mesh.</exception>
    public static IReadOnlyList<int> MeshAxis(SystemSpec system, IReadOnlyList<int> shape, int axis, int through)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count == 0 || shape.Any(e => e < 1))
        {
            throw new ArgumentException($"Mesh shape ({string.Join(", ", shape)}) must have at least one axis and every extent >= 1.", nameof(shape));
        }

        long total = shape.Aggregate(1L, (p, e) => p * e);
        if (total > system.DeviceCount)
        {
            throw new ArgumentException($"Mesh shape ({string.Join(", ", shape)}) covers {total} devices; {system.Name} has {system.DeviceCount}.", nameof(shape));
        }

        if (axis < 0 || axis >= shape.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"The mesh has axes 0..{shape.Count - 1}.");
        }

        if (through < 0 || through >= total)
        {
            throw new ArgumentOutOfRangeException(nameof(through), through, $"The mesh covers devices 0..{total - 1}.");
        }

        long stride = 1;
        for (int a = shape.Count - 1; a > axis; a--) stride *= shape[a];
        long coordinate = through / stride % shape[axis];
        long first = through - (coordinate * stride);
        return [.. Enumerable.Range(0, shape[axis]).Select(i => (int)(first + (i * stride)))];
    }
}
