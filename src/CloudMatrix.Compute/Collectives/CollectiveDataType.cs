namespace CloudMatrix.Compute.Collectives;

/// <summary>Element type of collective buffers (and, by default, of the data on the wire).</summary>
public enum CollectiveDataType
{
    /// <summary>IEEE binary32, 4 bytes.</summary>
    Fp32,

    /// <summary>bfloat16, 2 bytes; reduced in FP32.</summary>
    Bf16,
}
