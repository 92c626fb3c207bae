namespace CloudMatrix.Compute.Topology;

/// <summary>
/// A topology file that cannot be loaded. The message names the file, the JSON path of the bad field and why, e.g.
/// <c>variant.json: links[12].bandwidth_bytes_per_second: must be finite and &gt; 0, was -1</c>.
/// </summary>
public sealed class TopologyFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="jsonPath"/> in <paramref name="filePath"/>.</summary>
    public TopologyFormatException(string filePath, string jsonPath, string reason)
        : base($"{filePath}: {jsonPath}: {reason}")
    {
        FilePath = filePath;
        JsonPath = jsonPath;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public TopologyFormatException() : this("(unknown)", "$", "invalid topology")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public TopologyFormatException(string message) : base(message)
    {
        FilePath = JsonPath = string.Empty;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and the inner exception.</summary>
    public TopologyFormatException(string message, Exception innerException) : base(message, innerException)
    {
        FilePath = JsonPath = string.Empty;
        Reason = message;
    }

    /// <summary>The file (or source name) that was being read.</summary>
    public string FilePath { get; }

    /// <summary>JSON path of the bad field, e.g. <c>links[12].bandwidth_bytes_per_second</c>; <c>$</c> for the whole document.</summary>
    public string JsonPath { get; }

    /// <summary>Why the field is bad.</summary>
    public string Reason { get; }
}
