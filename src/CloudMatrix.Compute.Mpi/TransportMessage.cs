namespace CloudMatrix.Compute.Mpi;

/// <summary>One point-to-point message: bfloat16 bits to or from another process.</summary>
/// <param name="Peer">The other process's rank.</param>
/// <param name="Tag">Tag, 0 to 32767 (the smallest upper bound MPI guarantees).</param>
/// <param name="Data">The elements (bfloat16 bit patterns); 2 bytes each.</param>
public sealed record TransportMessage(int Peer, int Tag, ushort[] Data);
