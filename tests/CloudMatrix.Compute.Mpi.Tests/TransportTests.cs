namespace CloudMatrix.Compute.Mpi.Tests;

/// <summary>The in-process transport matches messages as MPI does, so the overlapped schedule behaves the same on both.</summary>
public class TransportTests
{
    [Fact]
    public void TwoExchangesInFlight_WithTheSameTag_FillTheirReceivesInPostingOrder_WhicheverIsWaitedFirst()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        t[0].Start([new TransportMessage(1, 0, [1, 1])], []).Wait();
        t[0].Start([new TransportMessage(1, 0, [2, 2])], []).Wait();
        ushort[] first = new ushort[2], second = new ushort[2];
        IPendingExchange a = t[1].Start([], [new TransportMessage(0, 0, first)]);
        IPendingExchange b = t[1].Start([], [new TransportMessage(0, 0, second)]);
        b.Wait();
        Assert.True(a.Test());
        Assert.Equal(new ushort[] { 1, 1 }, first);
        Assert.Equal(new ushort[] { 2, 2 }, second);
        Assert.Equal(8, t[0].BytesSent);
    }

    [Fact]
    public void Test_IsFalseUntilTheMessageArrives()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        ushort[] data = new ushort[3];
        IPendingExchange pending = t[1].Start([], [new TransportMessage(0, 5, data)]);
        Assert.False(pending.Test());
        t[0].Start([new TransportMessage(1, 5, [7, 8, 9])], []);
        Assert.True(pending.Test());
        Assert.Equal(new ushort[] { 7, 8, 9 }, data);
    }

    [Fact]
    public void ALengthThatDiffersFromThePostedReceive_IsRefused()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        t[0].Start([new TransportMessage(1, 0, [1, 2, 3])], []);
        var ex = Assert.Throws<InvalidOperationException>(() => t[1].Start([], [new TransportMessage(0, 0, new ushort[2])]).Wait());
        Assert.Contains("expected 2 elements from rank 0", ex.Message, StringComparison.Ordinal);
    }
}
