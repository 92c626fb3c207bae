namespace CloudMatrix.Compute.Tensors;

/// <summary>The family of a <see cref="RandomDistribution"/>.</summary>
public enum RandomDistributionKind
{
    /// <summary>Uniform on [low, high].</summary>
    Uniform,

    /// <summary>Normal (Gaussian) with a mean and a standard deviation.</summary>
    Normal,
}
