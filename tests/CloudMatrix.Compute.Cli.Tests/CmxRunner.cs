namespace CloudMatrix.Compute.Cli.Tests;

/// <summary>Runs <c>cmx</c> in-process with captured standard output and standard error.</summary>
internal static class CmxRunner
{
    /// <summary>Runs <see cref="CmxApp.Run"/> with <paramref name="args"/>.</summary>
    /// <returns>The exit code and everything written to stdout and stderr.</returns>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CmxApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
