namespace CloudMatrix.Compute.Network;

/// <summary>
/// One transfer handed to a network model: <see cref="Bytes"/> from device <see cref="Source"/> to device
/// <see cref="Destination"/> (system device indices), starting <see cref="DelaySeconds"/> of simulated time after
/// the last of <see cref="DependsOn"/> (indices into the same list) has finished.
/// </summary>
internal readonly record struct TimedTransfer(int Source, int Destination, double Bytes, int[] DependsOn, double DelaySeconds);
