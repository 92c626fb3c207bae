using System.Globalization;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Mpi;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Mpi.Tests;

internal static class TestSystems
{
    /// <summary>An ideal single switch with 8 devices a node (as the core's sharding tests build it).</summary>
    public static SystemSpec Ideal(int devices)
    {
        var npu = new NpuSpec("ideal", 1, 1e15, 1e15, 1e15, 1e18, 1L << 40, 1e15);
        var b = new TopologyBuilder("ideal-" + devices.ToString(CultureInfo.InvariantCulture), npu) { RackCount = 1, NodeCount = (devices + 7) / 8 };
        b.AddSwitch(new SwitchSpec("switch", "ideal", new SwitchChipSpec("ideal", devices, 50e9), -1, 0, -1, null));
        for (int i = 0; i < devices; i++)
        {
            string id = "d" + i.ToString(CultureInfo.InvariantCulture);
            b.AddDevice(id, node: i / 8);
            b.AddLink(id, "switch", 50e9, 1e-6);
        }

        return b.Build();
    }

    public static DeviceMesh Mesh(SystemSpec system, string text)
    {
        var axes = text.Split(',').Select(p => (p.Split('=')[0], int.Parse(p.Split('=')[1], CultureInfo.InvariantCulture))).ToArray();
        int count = axes.Aggregate(1, (acc, a) => acc * a.Item2);
        return DeviceMesh.Create(system, axes, count == system.DeviceCount ? null : Enumerable.Range(0, count).ToArray());
    }

    /// <summary>Runs the plan on <paramref name="processes"/> threads of this process, one backend each; returns every rank's run.</summary>
    public static DistributedRun[] RunInProcess(MatMulPlan plan, int processes, DistributedOptions? options = null, SeededInputs? inputs = null)
    {
        IReadOnlyList<InProcessTransport> transports = InProcessTransport.Create(processes);
        var backends = Enumerable.Range(0, processes).Select(_ => ComputeBackend.Create("cpu-simd")).ToArray();
        var tasks = transports.Select((t, r) => Task.Factory.StartNew(
            () => plan.ExecuteDistributed(inputs ?? new SeededInputs(), backends[r], t, options),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            Task.WaitAll(tasks, TimeSpan.FromMinutes(5));
            return tasks.Select(t => t.Result).ToArray();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            var inner = ex.Flatten().InnerExceptions[0];
            throw inner is AggregateException a ? a.InnerExceptions[0] : inner;
        }
    }

    /// <summary>The single-process run of the same plan and seeds.</summary>
    public static MatMulRun RunSingle(MatMulPlan plan, ComputeBackend backend) =>
        plan.Execute(DenseTensor.Random<Numerics.BFloat16>([plan.M, plan.K], 1), DenseTensor.Random<Numerics.BFloat16>([plan.K, plan.N], 2), backend);
}
