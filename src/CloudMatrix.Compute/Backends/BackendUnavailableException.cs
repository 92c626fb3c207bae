namespace CloudMatrix.Compute.Backends;

/// <summary>
/// A compute backend was asked for by name but cannot run here (no driver, no device). Never answered by a silent
/// fallback to another backend: ask for <c>auto</c> to get the best one available.
/// </summary>
public sealed class BackendUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="backendName"/>.</summary>
    /// <param name="backendName">The backend asked for, e.g. <c>cuda</c>.</param>
    /// <param name="reason">Why it is unavailable, e.g. "no CUDA driver (libcuda.so.1) found".</param>
    public BackendUnavailableException(string backendName, string reason)
        : base($"compute backend '{backendName}' is unavailable: {reason}. Run 'cmx devices' to see what this machine has, or use 'auto'.")
    {
        BackendName = backendName;
        Reason = reason;
    }

    /// <summary>Creates the exception with a plain message.</summary>
    public BackendUnavailableException()
        : this("unknown", "no reason given")
    {
    }

    /// <summary>Creates the exception with a plain message.</summary>
    /// <param name="message">The message.</param>
    public BackendUnavailableException(string message)
        : base(message)
    {
        BackendName = "unknown";
        Reason = message;
    }

    /// <summary>Creates the exception with a plain message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BackendUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        BackendName = "unknown";
        Reason = message;
    }

    /// <summary>The backend that was asked for.</summary>
    public string BackendName { get; }

    /// <summary>Why it is unavailable.</summary>
    public string Reason { get; }
}
