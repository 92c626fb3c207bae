namespace CloudMatrix.Compute.Topology;

/// <summary>The physical medium of a link; decides whether it needs optical transceivers.</summary>
public enum LinkMedium
{
    /// <summary>Copper on a board, backplane or cable: no transceivers.</summary>
    Electrical,

    /// <summary>Fibre: each end needs an optical transceiver (counted per link in <see cref="LinkSpec.OpticalTransceivers"/>).</summary>
    Optical,

    /// <summary>Inside one package (die-to-die).</summary>
    OnPackage,
}
