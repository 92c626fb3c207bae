namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// How the processes of a distributed run talk: point-to-point messages of bfloat16 bits posted without blocking and
/// completed later (nonblocking MPI in <see cref="MpiTransport"/>, threads of one process in
/// <see cref="InProcessTransport"/>), and a gather of small per-process figures for the report.
/// </summary>
public interface IProcessTransport
{
    /// <summary>This process's rank, 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>Number of processes.</summary>
    int Size { get; }

    /// <summary>Bytes this process has sent to other processes so far (counted when a send is posted).</summary>
    long BytesSent { get; }

    /// <summary>
    /// Posts every send and every receive without blocking and returns at once; the data of the sends must not change,
    /// nor the receive arrays be read, until the returned exchange has completed. Messages between two processes with
    /// the same tag match in the order they were posted, across exchanges too.
    /// </summary>
    /// <param name="sends">Messages to send (their data are read).</param>
    /// <param name="receives">Messages to receive (their data arrays are filled; each has the sent length).</param>
    /// <returns>The exchange in flight; call <see cref="IPendingExchange.Wait"/> before using the received data.</returns>
    IPendingExchange Start(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives);

    /// <summary>Posts every send and every receive without blocking, then waits until all are done.</summary>
    /// <param name="sends">Messages to send (their data are read).</param>
    /// <param name="receives">Messages to receive (their data arrays are filled; each has the sent length).</param>
    void Exchange(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives) => Start(sends, receives).Wait();

    /// <summary>Every process's values, concatenated in rank order (each process gives the same count).</summary>
    /// <param name="local">This process's values.</param>
    /// <returns>Size × local.Length values.</returns>
    double[] AllGather(double[] local);
}

/// <summary>Messages posted by <see cref="IProcessTransport.Start"/> and not yet known to be complete. Test and wait
/// from the thread that posted them (MPI is initialized for calls from the main thread only).</summary>
public interface IPendingExchange
{
    /// <summary>Lets the transport progress (MPI moves large messages only inside its calls) without blocking.</summary>
    /// <returns>True when every message of the exchange has completed.</returns>
    bool Test();

    /// <summary>Blocks until every message of the exchange has completed.</summary>
    void Wait();
}
