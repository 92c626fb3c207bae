using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi.Tests;

/// <summary>Bad input to the distributed API is refused naming the parameter, the value and what is valid; nothing
/// hangs (each blocking call runs under a time bound, a time-out failing the test).</summary>
public class BadInputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static T Within<T>(Func<T> call)
    {
        var task = Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            Assert.True(task.Wait(Bound), "the call hung");
        }
        catch (AggregateException ex)
        {
            throw ex.InnerExceptions[0];
        }

        return task.Result;
    }

    private static void Within(Action call) => Within(() => { call(); return 0; });

    /// <summary>The exception a task started elsewhere ended with, within the bound.</summary>
    private static Exception Failure(Task task)
    {
        Assert.True(((IAsyncResult)task).AsyncWaitHandle.WaitOne(Bound), "the other rank hung");
        return task.Exception!.InnerExceptions[0];
    }

    [Fact]
    public void ARankThatLeavesWithoutSending_FailsTheRankWaitingForIt_InsteadOfHanging()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        // Rank 1's thread fails before it sends; its transport is disposed on the way out.
        Task gone = Task.Factory.StartNew(() =>
        {
            using InProcessTransport mine = t[1];
            throw new InvalidOperationException("rank 1 failed");
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var ex = Assert.Throws<InvalidOperationException>(() => Within(() => ((IProcessTransport)t[0]).Exchange([], [new TransportMessage(1, 7, new ushort[3])])));
        Assert.Contains("rank 0 waits for 3 elements from rank 1 (tag 7), which has left", ex.Message, StringComparison.Ordinal);
        Assert.Equal("rank 1 failed", Failure(gone).Message);
    }

    [Fact]
    public void AllGatherWithARankThatHasLeft_Fails_NamingIt()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(3);
        t[2].Dispose();
        Task<double[]> other = Task.Factory.StartNew(() => t[1].AllGather([1.0]), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var ex = Assert.Throws<InvalidOperationException>(() => Within(() => t[0].AllGather([0.0])));
        Assert.Contains("rank(s) 2 left", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(Failure(other));
    }

    [Fact]
    public void MessagesSentBeforeLeaving_AreStillDelivered_AndTheLeftRankCannotSendAgain()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        ((IProcessTransport)t[1]).Exchange([new TransportMessage(0, 4, [1, 2, 3])], []);
        t[1].Dispose();
        t[1].Dispose(); // a second time does nothing
        var received = new ushort[3];
        Within(() => ((IProcessTransport)t[0]).Exchange([], [new TransportMessage(1, 4, received)]));
        Assert.Equal(new ushort[] { 1, 2, 3 }, received);
        Assert.Throws<ObjectDisposedException>(() => t[1].Start([new TransportMessage(0, 4, [9])], []));
        Assert.Throws<ObjectDisposedException>(() => t[1].AllGather([1.0]));
    }

    private static MatMulPlan Plan() => MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, Strategy.Summa);

    /// <summary>A transport that reports whatever rank and size it is given.</summary>
    private sealed class OddTransport(int rank, int size) : IProcessTransport
    {
        public int Rank => rank;

        public int Size => size;

        public long BytesSent => 0;

        public IPendingExchange Start(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives) => throw new NotSupportedException();

        public double[] AllGather(double[] local) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40000)]
    public void Create_SizeOutOfRange_NamesSizeAndTheRange(int size)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => InProcessTransport.Create(size));
        Assert.Equal("size", ex.ParamName);
        Assert.Contains($"size is {size}; give 1 to 32767 ranks", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, 0, "sends[0].Peer is 5; valid: a rank 0 to 1")]
    [InlineData(-1, 0, "sends[0].Peer is -1; valid: a rank 0 to 1")]
    [InlineData(1, -1, "sends[0].Tag is -1; valid: 0 to 32767")]
    [InlineData(1, 40000, "sends[0].Tag is 40000; valid: 0 to 32767")]
    public void Start_SendToNoRankOrBadTag_IsRefusedBeforePosting(int peer, int tag, string message)
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        var ex = Assert.Throws<ArgumentException>(() => t[0].Start([new TransportMessage(peer, tag, [1])], []));
        Assert.Equal("sends", ex.ParamName);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, t[0].BytesSent);
    }

    [Fact]
    public void Start_ReceiveFromNoRank_IsRefusedInsteadOfWaitingForever()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        var ex = Assert.Throws<ArgumentException>(() => Within(() => t[0].Start([], [new TransportMessage(5, 0, new ushort[1])]).Wait()));
        Assert.Equal("receives", ex.ParamName);
        Assert.Contains("receives[0].Peer is 5; valid: a rank 0 to 1 (2 processes)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_NullMessageOrData_IsRefusedNamingTheIndex()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        var a = Assert.Throws<ArgumentException>(() => t[0].Start([new TransportMessage(1, 0, [1]), null!], []));
        Assert.Equal("sends", a.ParamName);
        Assert.Contains("sends[1] is null", a.Message, StringComparison.Ordinal);
        var b = Assert.Throws<ArgumentException>(() => Within(() => t[0].Start([], [new TransportMessage(1, 0, null!)]).Wait()));
        Assert.Equal("receives", b.ParamName);
        Assert.Contains("receives[0].Data is null", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReceiveNobodySends_FailsNamingWhatEveryRankWaitsFor()
    {
        var single = Assert.Throws<InvalidOperationException>(() => Within(() => InProcessTransport.Create(1)[0].Start([], [new TransportMessage(0, 3, new ushort[4])]).Wait()));
        Assert.Contains("Every rank is blocked", single.Message, StringComparison.Ordinal);
        Assert.Contains("rank 0 waits for 4 elements from rank 0 (tag 3)", single.Message, StringComparison.Ordinal);

        // Both ranks wait for each other: both fail.
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        Task other = Task.Run(() => t[1].Start([], [new TransportMessage(0, 0, new ushort[1])]).Wait());
        var ex = Assert.Throws<InvalidOperationException>(() => Within(() => t[0].AllGather([1])));
        Assert.Contains("Every rank is blocked", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(Failure(other));
    }

    [Fact]
    public void AllGather_DifferentCounts_FailsOnEveryRankInsteadOfARaggedResult()
    {
        IReadOnlyList<InProcessTransport> t = InProcessTransport.Create(2);
        Task<double[]> other = Task.Run(() => t[1].AllGather([1, 2]));
        var ex = Assert.Throws<InvalidOperationException>(() => Within(() => t[0].AllGather([1])));
        Assert.Contains("different counts (rank 0: 1, rank 1: 2)", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(Failure(other));
    }

    [Theory]
    [InlineData(5, 2, 5, "transport.Rank is 5; valid: 0 to 1")]
    [InlineData(-1, 2, -1, "transport.Rank is -1; valid: 0 to 1")]
    [InlineData(0, 0, 0, "transport.Size is 0 processes for the 48 devices")]
    [InlineData(0, 49, 49, "transport.Size is 49 processes for the 48 devices of mesh{x=6, y=8}; valid: 1 to 48")]
    public void ExecuteDistributed_TransportWithABadRankOrSize_NamesTransport(int rank, int size, int value, string message)
    {
        using var backend = ComputeBackend.Create("cpu-simd");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Within(() => Plan().ExecuteDistributed(new SeededInputs(), backend, new OddTransport(rank, size))));
        Assert.Equal("transport", ex.ParamName);
        Assert.Equal(value, ex.ActualValue);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecuteDistributed_NodeSplit_NamesTransportAndTheOption()
    {
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(36), "x=6,y=6"), 36, 36, 36, Strategy.RowParallel);
        var ex = Assert.Throws<ArgumentException>(() => TestSystems.RunInProcess(plan, 4));
        Assert.Equal("transport", ex.ParamName);
        Assert.Contains("transport.Size is 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("set options.AllowNodeSplit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecuteDistributed_NegativeOptions_AreRefusedNotReadAsTheDefaults()
    {
        var spot = Assert.Throws<ArgumentOutOfRangeException>(() => TestSystems.RunInProcess(Plan(), 2, new DistributedOptions { SpotCheckTiles = -1 }));
        Assert.Equal("options", spot.ParamName);
        Assert.Contains("options.SpotCheckTiles is -1", spot.Message, StringComparison.Ordinal);
        var budget = Assert.Throws<ArgumentOutOfRangeException>(() => TestSystems.RunInProcess(Plan(), 2, new DistributedOptions { MemoryBudgetBytes = -1 }));
        Assert.Equal("options", budget.ParamName);
        Assert.Contains("options.MemoryBudgetBytes is -1; give 0 for the default budget or a positive number of bytes", budget.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalC_PositionOutOfRange_OrAfterDispose_IsRefused()
    {
        DistributedRun[] runs = TestSystems.RunInProcess(Plan(), 2);
        foreach (int position in new[] { -1, 48 })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => runs[0].LocalC(position));
            Assert.Equal("position", ex.ParamName);
            Assert.Contains($"position is {position}; valid: 0 to 47", ex.Message, StringComparison.Ordinal);
        }

        foreach (DistributedRun r in runs) r.Dispose();
        runs[0].Dispose();
        Assert.Throws<ObjectDisposedException>(() => runs[0].LocalC(0));
    }

    [Fact]
    public void Placement_RankOrPositionOutOfRange_NamesIt()
    {
        var placement = ProcessPlacement.Contiguous(Plan().Mesh, 2);
        var p = Assert.Throws<ArgumentOutOfRangeException>(() => placement.RankOf(48));
        Assert.Equal("position", p.ParamName);
        Assert.Contains("position is 48; valid: 0 to 47", p.Message, StringComparison.Ordinal);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => placement.Positions(2));
        Assert.Equal("rank", r.ParamName);
        Assert.Contains("rank is 2; valid: 0 to 1 (2 processes)", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Traffic_PlacementOfAnotherMeshOfTheSameSize_IsRefused()
    {
        MatMulPlan plan = Plan();
        var other = ProcessPlacement.Contiguous(TestSystems.Mesh(plan.Mesh.System, "x=8,y=6"), 2);
        var ex = Assert.Throws<ArgumentException>(() => CrossProcessTraffic.BytesPerProcess(plan, other));
        Assert.Equal("placement", ex.ParamName);
        Assert.Contains("the plan runs on mesh{x=6, y=8}", ex.Message, StringComparison.Ordinal);
    }
}
