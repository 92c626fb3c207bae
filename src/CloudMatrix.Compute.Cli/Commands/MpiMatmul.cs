using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Mpi;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tracing;

namespace CloudMatrix.Compute.Cli.Commands;

/// <summary>
/// <c>mpirun -np P cmx matmul ...</c>: the same plan run by P processes, each hosting a block of the devices
/// (CloudMatrix.Compute.Mpi). Rank 0 prints the report (and the JSON once); every rank returns the same exit code.
/// The MPI assembly is touched only from here, so a run without MPI never loads it.
/// </summary>
internal static class MpiMatmul
{
    /// <summary>The launcher's rank of this process (PMI_RANK, OMPI_COMM_WORLD_RANK, PMIX_RANK), or null when not launched by MPI.</summary>
    public static int? LauncherRank()
    {
        foreach (string v in new[] { "PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK" })
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(v), NumberStyles.Integer, CultureInfo.InvariantCulture, out int rank)) return rank;
        }

        return Environment.GetEnvironmentVariable("PMI_SIZE") is null ? null : 0;
    }

    public static int Run(CliContext context, MatmulCommand.MatmulRequest r, bool json, MatMulPlan plan)
    {
        string[] args = [];
        MpiTransport mpi;
        try
        {
            mpi = MpiTransport.Initialize(ref args);
        }
        catch (PlatformNotSupportedException ex)
        {
            throw new CliUsageException(ex.Message);
        }

        using (mpi)
        {
            bool root = mpi.Rank == 0;
            TextWriter human = root ? context.Human(json) : TextWriter.Null;
            using ComputeBackend be = ComputeBackend.Create(r.Backend);
            human.WriteLine($"Planned {plan.Strategy.Name} on {plan.Mesh} ({r.System.Name}): {plan.Steps.Count} steps; A {plan.A}, B {plan.B}, C {plan.C}");
            human.WriteLine($"  {mpi.Size} MPI processes, backend {be.Name} ({be.DeviceName}) each; inputs generated per shard from seeds 1 and 2");
            DistributedRun run;
            try
            {
                run = plan.ExecuteDistributed(new SeededInputs(1, 2), be, mpi, new DistributedOptions
                {
                    SpotCheckTiles = r.SpotCheck,
                    MemoryBudgetBytes = r.MemoryBudget,
                    Progress = root ? new Progress(human) : null,
                });
            }
            catch (ArgumentException ex) when (ex.ParamName == "transport")
            {
                // A process count the mesh cannot take: a usage error naming what the user wrote (mpirun -np), said once.
                if (root)
                {
                    throw new CliUsageException(CliMessages.Clean(ex.Message)
                        .Replace($"transport.Size is {mpi.Size}", $"mpirun -np {mpi.Size}", StringComparison.Ordinal)
                        .Replace(", or set options.AllowNodeSplit", "", StringComparison.Ordinal));
                }

                return CmxApp.ExitUsage;
            }
            catch (PlanMemoryException ex)
            {
                // Every rank refuses (exit 1 with the need and the budget, as without mpirun); rank 0 says why.
                if (root) throw new PlanMemoryException(ex.NeedBytes, ex.BudgetBytes, ex.Message.Replace("a smaller shape", "smaller --m/--n/--k", StringComparison.Ordinal));
                return CmxApp.ExitFailure;
            }

            using (run)
            {
                DistributedReport report = run.Report;
                human.Write(report.ToString());
                if (root && r.Trace is not null)
                {
                    PerfettoTrace.Save(run.Timeline, $"{report.Run.Strategy} on {report.Run.Mesh}, {report.Run.System}", r.Trace);
                    human.WriteLine($"trace: {r.Trace} (open in ui.perfetto.dev)");
                }

                if (root && json)
                {
                    JsonObject node = JsonSerializer.SerializeToNode(MatmulCommand.Json(report.Run), CliContext.JsonOptions)!.AsObject();
                    node["processes"] = report.Processes;
                    node["mpi_bytes_per_process"] = new JsonArray(report.MpiBytesPerProcess.Select(b => (JsonNode)b).ToArray());
                    node["plan_bytes_per_process"] = new JsonArray(report.PlanBytesPerProcess.Select(b => (JsonNode)b).ToArray());
                    node["memory_need_per_process_bytes"] = new JsonArray(report.MemoryNeedPerProcessBytes.Select(b => (JsonNode)b).ToArray());
                    node["host_generate_seconds_per_process"] = new JsonArray(report.HostGenerateSeconds.Select(b => (JsonNode)b).ToArray());
                    node["host_execute_seconds_per_process"] = new JsonArray(report.HostExecuteSeconds.Select(b => (JsonNode)b).ToArray());
                    node["host_verify_seconds_per_process"] = new JsonArray(report.HostVerifySeconds.Select(b => (JsonNode)b).ToArray());
                    node["overlapped_steps"] = report.OverlappedSteps;
                    node["c_checksum"] = report.CChecksum;
                    node["placement"] = report.Placement;
                    context.WriteJson(node);
                }

                return report.Run.Verified ? CmxApp.ExitOk : CmxApp.ExitFailure;
            }
        }
    }

    private sealed class Progress(TextWriter writer) : IProgress<string>
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private int _done;

        public void Report(string value)
        {
            if (++_done % 10 == 1) writer.WriteLine($"  [{_done}] {value} ({_clock.Elapsed.TotalSeconds:F1} s)");
        }
    }
}
