namespace CloudMatrix.Compute.Topology;

/// <summary>One switch chip instance of a system.</summary>
/// <param name="Id">Unique id among devices and switches, e.g. <c>s0.n3.l1.p2</c>.</param>
/// <param name="Tier">Role in the fabric, free text: <c>l1</c>, <c>l2</c>, <c>nvswitch</c>, <c>rdma-leaf</c>, <c>rdma-spine</c>.</param>
/// <param name="Chip">The chip model.</param>
/// <param name="NodeIndex">The node it sits in; -1 when it sits in a switch rack.</param>
/// <param name="SupernodeIndex">The supernode it belongs to; -1 when shared by several.</param>
/// <param name="Plane">The sub-plane it serves (0..6 on CloudMatrix384); -1 when none.</param>
/// <param name="Group">
/// Switches with the same group are interchangeable (same links to the same kinds of neighbours): the simulator may
/// treat a group as one switch when no fault is present, after checking the symmetry. <c>null</c> for none.
/// </param>
public sealed record SwitchSpec(string Id, string Tier, SwitchChipSpec Chip, int NodeIndex, int SupernodeIndex, int Plane, string? Group);
