namespace CloudMatrix.Compute.Network;

/// <summary>A flow's two devices have no working path between them (after faults).</summary>
public sealed class NetworkUnreachableException : Exception
{
    /// <summary>Creates the exception for a flow from <paramref name="sourceId"/> to <paramref name="destinationId"/>.</summary>
    public NetworkUnreachableException(int flowId, string sourceId, string destinationId, string network)
        : base($"Flow {flowId}: device '{sourceId}' cannot reach device '{destinationId}' over the {network} network (every path is down).")
    {
        FlowId = flowId;
        SourceId = sourceId;
        DestinationId = destinationId;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public NetworkUnreachableException() : base("A device cannot reach another.")
    {
        SourceId = DestinationId = string.Empty;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public NetworkUnreachableException(string message) : base(message)
    {
        SourceId = DestinationId = string.Empty;
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public NetworkUnreachableException(string message, Exception innerException) : base(message, innerException)
    {
        SourceId = DestinationId = string.Empty;
    }

    /// <summary>Id of the flow that cannot be routed.</summary>
    public int FlowId { get; }

    /// <summary>Id of the sending device.</summary>
    public string SourceId { get; }

    /// <summary>Id of the receiving device.</summary>
    public string DestinationId { get; }
}
