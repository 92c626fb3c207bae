using System.CommandLine;
using System.CommandLine.Invocation;
using CloudMatrix.Compute.Cli.Commands;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Cli;

/// <summary>Builds the <c>cmx</c> command tree and runs it with the project's exit-code convention.</summary>
/// <remarks>
/// Exit codes: 0 success; 2 usage error (unknown verb or option, a value out of range: the message names the
/// parameter, the value and what is valid); 1 failure while running, including work refused by the memory budget
/// (the message gives the need and the budget) and running out of memory. The contract is docs/errors.md. With <c>--json</c> a verb writes exactly one
/// JSON object to standard output and any human text to standard error.
/// </remarks>
internal static class CmxApp
{
    /// <summary>Exit code of a successful run.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code of a run that failed while working.</summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code of a malformed command line or a parameter value out of range.</summary>
    public const int ExitUsage = 2;

    /// <summary>Every verb of <c>cmx</c>; a verb adds itself here with one line.</summary>
    private static IEnumerable<Command> Verbs(CliContext context) =>
    [
        VersionInfoCommand.Create(context),
        InfoCommand.Create(context),
        SimulateCommand.Create(context),
        TopologyCommand.Create(context),
        CollectiveCommand.Create(context),
        DevicesCommand.Create(context),
        BenchCommand.Create(context),
        MatmulCommand.Create(context),
        PlanCommand.Create(context),
    ];

    /// <summary>Parses <paramref name="args"/>, runs the chosen verb and returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr);
        var root = new RootCommand(
            "cmx: shard BF16 matrix multiplications across a virtual CloudMatrix384 supernode, run them for real, " +
            "and simulate their time on the modelled hardware. Run with no arguments for the main job.");
        foreach (Command verb in Verbs(context))
        {
            root.Subcommands.Add(verb);
        }

        root.Options.Add(CliContext.JsonOption);
        foreach (Option option in root.Options)
        {
            if (option is VersionOption version)
            {
                // The default prints the entry assembly's version, which is the host's when cmx runs in-process.
                version.Action = new PrintVersionAction(context);
            }
        }

        MainJob.Attach(root, context);

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                stderr.WriteLine($"cmx: {CliMessages.ParseError(error.Message)}");
            }

            stderr.WriteLine("Run 'cmx --help' for usage.");
            return ExitUsage;
        }

        try
        {
            var config = new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = stdout,
                Error = stderr,
            };
            return result.Invoke(config);
        }
        catch (CliUsageException ex)
        {
            stderr.WriteLine($"cmx: {ex.Message}");
            return ExitUsage;
        }
        catch (ArgumentException ex)
        {
            // The library's ArgumentExceptions name the parameter, the value and what is valid: a usage error.
            stderr.WriteLine($"cmx: {CliMessages.Clean(ex.Message)}");
            return ExitUsage;
        }
        catch (PlanMemoryException ex)
        {
            // Refused before allocating, like the memory budget: a failure with the need and the budget.
            stderr.WriteLine($"cmx: error: {CliMessages.Clean(ex.Message)}");
            return ExitFailure;
        }
        catch (MemoryBudgetExceededException ex)
        {
            // Refused before allocating: the message has the need and the budget.
            stderr.WriteLine($"cmx: error: {ex.Message}");
            return ExitFailure;
        }
        catch (OutOfMemoryException ex)
        {
            // An estimate fell short of what the runtime could give: still a failure with the budget, never an abort.
            stderr.WriteLine(
                $"cmx: error: out of memory ({ex.Message}) although the work fit the memory budget of {ByteSize.FormatExact(SafeBudget())}; " +
                $"lower {MemoryBudget.EnvironmentVariable} or ask for less.");
            return ExitFailure;
        }
        catch (Exception ex)
        {
            stderr.WriteLine($"cmx: error: {ex.Message}");
            return ExitFailure;
        }
    }

    private static long SafeBudget()
    {
        try
        {
            return MemoryBudget.Bytes;
        }
        catch (ArgumentException)
        {
            return MemoryBudget.DefaultBytes;
        }
    }
}

/// <summary><c>cmx --version</c>: the library's version (as <c>cmx about</c> reports it), whatever the entry assembly.</summary>
internal sealed class PrintVersionAction(CliContext context) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        context.Out.WriteLine(About.Current().Version);
        return CmxApp.ExitOk;
    }
}
