using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Sharding;

/// <summary>Mesh construction on a <see cref="SystemSpec"/>: <c>system.Mesh(("dp", 48), ("tp", 8))</c>.</summary>
public static class MeshExtensions
{
    /// <summary>A mesh over all of <paramref name="system"/>'s devices, innermost axis inside a node; see <see cref="DeviceMesh.Create"/>.</summary>
    /// <param name="system">The machine.</param>
    /// <param name="axes">(name, size) pairs, outermost first; the sizes multiply to the device count.</param>
    /// <returns>The mesh.</returns>
    /// <exception cref="ArgumentException">As for <see cref="DeviceMesh.Create"/>.</exception>
    public static DeviceMesh Mesh(this SystemSpec system, params (string Name, int Size)[] axes) => DeviceMesh.Create(system, axes);
}
