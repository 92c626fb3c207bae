namespace CloudMatrix.Compute.Topology;

/// <summary>A switch chip model: its port count and per-port bandwidth. Internally non-blocking.</summary>
/// <param name="Name">Model name, referenced by <see cref="SwitchSpec.Chip"/>.</param>
/// <param name="Ports">Ports of the chip.</param>
/// <param name="PortBytesPerSecond">Bandwidth of one port, bytes/s each way.</param>
public sealed record SwitchChipSpec(string Name, int Ports, double PortBytesPerSecond);
