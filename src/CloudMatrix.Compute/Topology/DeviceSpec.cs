namespace CloudMatrix.Compute.Topology;

/// <summary>One device (NPU, die or GPU) of a system; the simulator addresses it by <see cref="Index"/>.</summary>
/// <param name="Index">Position in <see cref="SystemSpec.Devices"/>, 0..DeviceCount-1.</param>
/// <param name="Id">Unique id among devices and switches, e.g. <c>s0.n3.npu5</c>.</param>
/// <param name="NodeIndex">The node (server) holding the device, counted across the whole system.</param>
/// <param name="SupernodeIndex">The supernode (scale-up domain) holding the device.</param>
/// <param name="ChipIndex">The accelerator chip, counted across the whole system; two dies of one 910C share it.</param>
/// <param name="DieIndex">Die within the chip (0 or 1) at die granularity; -1 when the device is the whole chip.</param>
public sealed record DeviceSpec(int Index, string Id, int NodeIndex, int SupernodeIndex, int ChipIndex, int DieIndex);
