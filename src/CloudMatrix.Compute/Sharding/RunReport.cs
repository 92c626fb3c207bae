using System.Globalization;
using System.Text;
using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Sharding;

/// <summary>
/// The report of a plan: simulated time on the modelled system (compute, communication, exposed communication),
/// achieved PFLOPS, memory, bytes moved, energy, and for a real run the numeric error and the host's times. Simulated
/// and host times are never mixed: every host figure is named <c>Host…</c>.
/// </summary>
public sealed record RunReport
{
    /// <summary>Strategy name.</summary>
    public required string Strategy { get; init; }

    /// <summary>The mesh, e.g. <c>mesh{dp=48, tp=8}</c>.</summary>
    public required string Mesh { get; init; }

    /// <summary>The system's name.</summary>
    public required string System { get; init; }

    /// <summary>Rows of C.</summary>
    public required int M { get; init; }

    /// <summary>Columns of C.</summary>
    public required int N { get; init; }

    /// <summary>Contracting dimension.</summary>
    public required int K { get; init; }

    /// <summary>A's layout, e.g. <c>bf16[8192@dp, 8192@tp]</c>.</summary>
    public required string ASpec { get; init; }

    /// <summary>B's layout.</summary>
    public required string BSpec { get; init; }

    /// <summary>C's layout.</summary>
    public required string CSpec { get; init; }

    /// <summary>Simulated step time, seconds.</summary>
    public required double SimulatedSeconds { get; init; }

    /// <summary>Simulated busy time of the compute stream, seconds.</summary>
    public required double ComputeSeconds { get; init; }

    /// <summary>Simulated busy time of the communication stream, seconds.</summary>
    public required double CommSeconds { get; init; }

    /// <summary>Simulated time the devices wait on the network, seconds.</summary>
    public required double ExposedCommSeconds { get; init; }

    /// <summary>Achieved PFLOP/s: 2·M·N·K over the simulated time.</summary>
    public required double Pflops { get; init; }

    /// <summary>Achieved fraction of the mesh's devices' BF16 peak.</summary>
    public required double PeakFraction { get; init; }

    /// <summary>Largest number of bytes one device sent over the network.</summary>
    public required double BytesPerDevice { get; init; }

    /// <summary>Bytes carried per link class of the fabric.</summary>
    public required IReadOnlyDictionary<string, double> BytesByTier { get; init; }

    /// <summary>Peak bytes one device holds.</summary>
    public required long MemoryPerDeviceBytes { get; init; }

    /// <summary>One device's HBM capacity, bytes.</summary>
    public required long HbmBytes { get; init; }

    /// <summary>Energy of the step, joules: the system's power × the mesh's share of its devices × simulated time.</summary>
    public required double EnergyJoules { get; init; }

    /// <summary>FLOPs wasted on padding of uneven shards (0 when the shapes divide).</summary>
    public required double PaddingWasteFlops { get; init; }

    /// <summary>Bytes of padding of uneven shards.</summary>
    public required long PaddingWasteBytes { get; init; }

    /// <summary>Host seconds the whole call took (planning excluded).</summary>
    public required double HostSeconds { get; init; }

    /// <summary>The numeric check of a real run; null for an estimate.</summary>
    public NumericCheck? Numerics { get; init; }

    /// <summary>Whether C was verified (false for an estimate: nothing was computed).</summary>
    public bool Verified => Numerics?.Verified ?? false;

    /// <summary>The steps with their simulated intervals.</summary>
    public required IReadOnlyList<StepTiming> Steps { get; init; }

    internal static RunReport From(MatMulPlan plan, Timeline t, NumericCheck? numerics, double hostSeconds)
    {
        var system = plan.Mesh.System;
        double peak = plan.Mesh.Size * system.Npu.Bf16FlopsPerSecond;
        double pflops = t.SimulatedSeconds > 0 ? plan.Flops / t.SimulatedSeconds : 0;
        return new RunReport
        {
            Strategy = plan.Strategy.Name,
            Mesh = plan.Mesh.ToString(),
            System = system.Name,
            M = plan.M, N = plan.N, K = plan.K,
            ASpec = plan.A.ToString(), BSpec = plan.B.ToString(), CSpec = plan.C.ToString(),
            SimulatedSeconds = t.SimulatedSeconds,
            ComputeSeconds = t.ComputeSeconds,
            CommSeconds = t.CommSeconds,
            ExposedCommSeconds = t.ExposedCommSeconds,
            Pflops = pflops / 1e15,
            PeakFraction = peak > 0 ? pflops / peak : 0,
            BytesPerDevice = t.BytesPerDevice,
            BytesByTier = t.BytesByTier,
            MemoryPerDeviceBytes = plan.MemoryPerDeviceBytes,
            HbmBytes = system.Npu.HbmCapacityBytes,
            EnergyJoules = system.PowerWatts * plan.Mesh.Size / system.DeviceCount * t.SimulatedSeconds,
            PaddingWasteFlops = plan.PaddingWasteFlops,
            PaddingWasteBytes = plan.PaddingWasteBytes,
            HostSeconds = hostSeconds,
            Numerics = numerics,
            Steps = t.Steps,
        };
    }

    /// <summary>A human-readable summary.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"{Strategy} on {Mesh} ({System}): C = A·B, {M} x {N} x {K} BF16");
        sb.AppendLine(c, $"  A {ASpec}   B {BSpec}   C {CSpec}");
        sb.AppendLine(c, $"Simulated on {System} (not this host's time):");
        sb.AppendLine(c, $"  step            {SimulatedSeconds * 1e6,12:F1} us   {Pflops,8:F2} PFLOP/s = {PeakFraction,6:P1} of the mesh's BF16 peak");
        sb.AppendLine(c, $"  compute         {ComputeSeconds * 1e6,12:F1} us");
        sb.AppendLine(c, $"  communication   {CommSeconds * 1e6,12:F1} us   exposed {ExposedCommSeconds * 1e6:F1} us ({(SimulatedSeconds > 0 ? ExposedCommSeconds / SimulatedSeconds : 0):P0} of the step)");
        sb.AppendLine(c, $"  sent per device {MatMulPlan.Format(BytesPerDevice),12}   memory per device {MatMulPlan.Format(MemoryPerDeviceBytes)} of {MatMulPlan.Format(HbmBytes)} HBM   energy {EnergyJoules:F2} J");
        if (PaddingWasteFlops > 0 || PaddingWasteBytes > 0)
        {
            sb.AppendLine(c, $"  uneven shards: padding waste {PaddingWasteFlops / 1e9:F2} GFLOP, {MatMulPlan.Format(PaddingWasteBytes)}");
        }

        if (Numerics is { } n)
        {
            sb.AppendLine(c, $"Real run on this host ({n.Host?.Backend}): execute {n.Host?.ExecuteSeconds:F3} s, verify {n.Host?.VerifySeconds:F3} s, total {n.Host?.TotalSeconds:F3} s");
            sb.AppendLine(c, $"  C vs FP64 of the same BF16 inputs, {n.CheckedElements:N0} elements ({(n.FullCheck ? "all" : "spot-checked tiles")}): max abs error {n.MaxAbsError:E2} = {n.MaxRelError:E2} of max |C| ({n.MaxAbsReference:G4}), max {n.MaxBf16Ulp} BF16 ulp, {n.WorstBoundFraction:P0} of the FP32-accumulation bound");
            sb.AppendLine(c, $"  replicas bit-identical: {(n.ReplicasIdentical ? "yes" : "NO")}; verified: {(n.Verified ? "yes" : "NO")}");
        }
        else
        {
            sb.AppendLine("(estimate: no real data were computed)");
        }

        return sb.ToString();
    }
}
