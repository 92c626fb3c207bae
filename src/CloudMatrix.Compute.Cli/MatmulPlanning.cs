using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Cli;

/// <summary>Turns <c>cmx matmul</c> options into a plan through the public API, with usage errors that name the options.</summary>
internal static class MatmulPlanning
{
    public static MatMulPlan Plan(Commands.MatmulCommand.MatmulRequest r)
    {
        DeviceMesh mesh;
        string meshText = r.Mesh ?? DefaultMesh(r.System.DeviceCount);
        try
        {
            mesh = DeviceMesh.Parse(r.System, meshText);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new CliUsageException($"--mesh {meshText}: {CliMessages.Clean(ex.Message)}");
        }

        CollectiveAlgorithm reduce = r.Reduce.Trim().ToLowerInvariant() switch
        {
            "auto" => CollectiveAlgorithm.Auto,
            "ring" => CollectiveAlgorithm.Ring,
            "one-shot" or "oneshot" => CollectiveAlgorithm.OneShot,
            _ => throw new CliUsageException($"--reduce is '{r.Reduce}'; valid: auto, ring, one-shot."),
        };
        var options = new MatMulOptions { Uneven = r.Uneven, ReduceAlgorithm = reduce };
        bool specs = r.ASpec is not null || r.BSpec is not null || r.CSpec is not null;
        if (specs && r.Strategy is not null)
        {
            throw new CliUsageException("Give --strategy or --a-spec/--b-spec(/--c-spec), not both.");
        }

        if (specs)
        {
            if (r.ASpec is null || r.BSpec is null) throw new CliUsageException("--a-spec and --b-spec go together (e.g. --a-spec \"dp,tp\" --b-spec \"tp,\").");
            PartitionSpec a = ParseSpec("--a-spec", r.ASpec), b = ParseSpec("--b-spec", r.BSpec);
            PartitionSpec? c = r.CSpec is null ? null : ParseSpec("--c-spec", r.CSpec);
            return Wrap(() => MatMul.Plan(mesh, r.M, r.N, r.K, a, b, c, options));
        }

        Strategy strategy;
        try
        {
            strategy = Strategy.Parse(r.Strategy ?? Strategy.RowParallel.Name);
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"--strategy: {CliMessages.Clean(ex.Message)}");
        }

        return Wrap(() => MatMul.Plan(mesh, r.M, r.N, r.K, strategy, options));
    }

    public static string DefaultMesh(int devices) => devices % 8 == 0 && devices > 8 ? $"dp={devices / 8},tp=8" : $"x={devices}";

    private static PartitionSpec ParseSpec(string option, string text)
    {
        try
        {
            return PartitionSpec.Parse(text);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new CliUsageException($"{option}: {CliMessages.Clean(ex.Message)}");
        }
    }

    private static MatMulPlan Wrap(Func<MatMulPlan> plan)
    {
        try
        {
            return plan();
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException(CliMessages.Clean(ex.Message).Replace("allow uneven shards", "pass --uneven", StringComparison.OrdinalIgnoreCase)
                .Replace("Or pass --uneven", "Or pass --uneven for uneven shards", StringComparison.Ordinal));
        }
    }
}
