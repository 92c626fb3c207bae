namespace CloudMatrix.Compute.Topology;

/// <summary>What one device of a system is: a whole accelerator chip, or one die of it.</summary>
public enum DeviceGranularity
{
    /// <summary>One device per chip (CloudMatrix384: 384 Ascend 910C NPUs).</summary>
    Npu,

    /// <summary>One device per die (CloudMatrix384: 768 dies, two per 910C, joined by the on-package die-to-die link).</summary>
    Die,
}
