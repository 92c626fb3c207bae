namespace CloudMatrix.Compute.Backends;

/// <summary>
/// The compute backends by name, what this machine offers, and how <c>auto</c> chooses: <c>cuda</c>, then
/// <c>opencl</c>, then <c>cpu-simd</c> (never <c>ilgpu-cpu</c>, an emulator for checks).
/// </summary>
public static class BackendRegistry
{
    /// <summary>The name that picks the fastest available backend.</summary>
    public const string AutoName = "auto";

    /// <summary>Every name <see cref="ComputeBackend.Create(string)"/> accepts, <c>auto</c> first.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [AutoName, CpuSimdBackend.BackendName, IlgpuBackend.CpuName, IlgpuBackend.CudaName, IlgpuBackend.OpenCLName];

    /// <summary>The order in which <c>auto</c> tries backends.</summary>
    public static IReadOnlyList<string> AutoOrder { get; } =
        [IlgpuBackend.CudaName, IlgpuBackend.OpenCLName, CpuSimdBackend.BackendName];

    /// <summary>
    /// Looks for every concrete backend (all names but <c>auto</c>) without opening a device context for long:
    /// whether it is available, its device and memory, or why it is not.
    /// </summary>
    /// <returns>One entry per backend, in the order of <see cref="Names"/>.</returns>
    public static IReadOnlyList<BackendInfo> Probe() =>
    [
        new BackendInfo(CpuSimdBackend.BackendName, true, CpuSimdBackend.Describe(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, null),
        IlgpuBackend.Probe(IlgpuBackendKind.Cpu),
        IlgpuBackend.Probe(IlgpuBackendKind.Cuda),
        IlgpuBackend.Probe(IlgpuBackendKind.OpenCL),
    ];

    /// <summary>The backend <c>auto</c> would pick given <paramref name="probes"/> (from <see cref="Probe"/>).</summary>
    /// <param name="probes">What the machine offers.</param>
    /// <returns>The name of the first available backend in <see cref="AutoOrder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probes"/> is null.</exception>
    /// <exception cref="ArgumentException">An entry of <paramref name="probes"/> is null.</exception>
    public static string AutoChoice(IReadOnlyList<BackendInfo> probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        for (int i = 0; i < probes.Count; i++)
        {
            if (probes[i] is null)
            {
                throw new ArgumentException($"probes[{i}] is null; pass the entries of {nameof(Probe)}().", nameof(probes));
            }
        }

        return AutoOrder.First(name => name == CpuSimdBackend.BackendName || probes.Any(p => p.Name == name && p.Available));
    }

    /// <summary>Normalises a backend name (trimmed, lower case) and checks it.</summary>
    /// <param name="name">The name as given, e.g. "CUDA".</param>
    /// <returns>The canonical name, e.g. "cuda".</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">Not a backend; the message lists the valid names.</exception>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string canonical = name.Trim().ToLowerInvariant();
        if (!Names.Contains(canonical))
        {
            throw new ArgumentException(
                $"unknown compute backend '{name}'; valid names: {string.Join(", ", Names)}.", nameof(name));
        }

        return canonical;
    }

    internal static ComputeBackend Create(string name)
    {
        string canonical = Normalize(name);
        if (canonical != AutoName)
        {
            return CreateNamed(canonical);
        }

        var passedOver = new List<string>();
        foreach (string candidate in AutoOrder)
        {
            try
            {
                ComputeBackend backend = CreateNamed(candidate);
                backend.SelectionReason = passedOver.Count == 0
                    ? $"auto picked {candidate}, the first in the order {string.Join(" > ", AutoOrder)}"
                    : $"auto picked {candidate} ({string.Join("; ", passedOver)})";
                return backend;
            }
            catch (BackendUnavailableException ex)
            {
                passedOver.Add($"{candidate} unavailable: {ex.Reason}");
            }
        }

        throw new InvalidOperationException("unreachable: cpu-simd is always available");
    }

    private static ComputeBackend CreateNamed(string canonical) => canonical switch
    {
        CpuSimdBackend.BackendName => new CpuSimdBackend(),
        IlgpuBackend.CpuName => IlgpuBackend.Create(IlgpuBackendKind.Cpu),
        IlgpuBackend.CudaName => IlgpuBackend.Create(IlgpuBackendKind.Cuda),
        _ => IlgpuBackend.Create(IlgpuBackendKind.OpenCL),
    };
}
