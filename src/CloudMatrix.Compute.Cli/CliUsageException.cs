namespace CloudMatrix.Compute.Cli;

/// <summary>A command-line value that is out of range; reported with exit code 2.</summary>
/// <param name="message">Names the option, the value given and what is valid.</param>
internal sealed class CliUsageException(string message) : Exception(message);
