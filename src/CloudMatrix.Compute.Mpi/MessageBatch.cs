namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// The messages of one phase of a collective, posted together. Both ends enumerate a phase's transfers in the same
/// global order, so the n-th message from rank a to rank b gets the same tag on both sides (and MPI keeps messages
/// between two ranks with one tag in order, so tags may wrap).
/// </summary>
internal sealed class MessageBatch(int me)
{
    private const int TagModulus = 32767; // MPI guarantees MPI_TAG_UB >= 32767
    private readonly List<TransportMessage> _sends = [];
    private readonly List<TransportMessage> _receives = [];
    private readonly Dictionary<int, int> _sent = [];
    private readonly Dictionary<int, int> _received = [];

    public int Me { get; } = me;

    public void Send(int peer, ushort[] data)
    {
        int n = _sent.GetValueOrDefault(peer);
        _sent[peer] = n + 1;
        _sends.Add(new TransportMessage(peer, n % TagModulus, data));
    }

    public ushort[] Receive(int peer, int count)
    {
        int n = _received.GetValueOrDefault(peer);
        _received[peer] = n + 1;
        var data = new ushort[count];
        _receives.Add(new TransportMessage(peer, n % TagModulus, data));
        return data;
    }

    public void Run(IProcessTransport transport) => Start(transport)?.Wait();

    /// <summary>Posts the batch's messages without waiting; null when it has none.</summary>
    public IPendingExchange? Start(IProcessTransport transport)
    {
        IPendingExchange? pending = _sends.Count > 0 || _receives.Count > 0 ? transport.Start([.. _sends], [.. _receives]) : null;
        _sends.Clear();
        _receives.Clear();
        return pending;
    }
}
