namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// How the processes of a distributed run talk: point-to-point messages of bfloat16 bits posted all at once and
/// waited for together (nonblocking MPI in <see cref="MpiTransport"/>, threads of one process in
/// <see cref="InProcessTransport"/>), and a gather of small per-process figures for the report.
/// </summary>
public interface IProcessTransport
{
    /// <summary>This process's rank, 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>Number of processes.</summary>
    int Size { get; }

    /// <summary>Bytes this process has sent to other processes so far.</summary>
    long BytesSent { get; }

    /// <summary>
    /// Posts every send and every receive without blocking, then waits until all are done. Messages between two
    /// processes with the same tag match in the order they were posted.
    /// </summary>
    /// <param name="sends">Messages to send (their data are read).</param>
    /// <param name="receives">Messages to receive (their data arrays are filled; each has the sent length).</param>
    void Exchange(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives);

    /// <summary>Every process's values, concatenated in rank order (each process gives the same count).</summary>
    /// <param name="local">This process's values.</param>
    /// <returns>Size × local.Length values.</returns>
    double[] AllGather(double[] local);
}
