using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Mpi;

/// <summary>
/// MPI through MPI.NET: nonblocking point-to-point sends and receives on the world communicator. MPI.NET binds to
/// MS-MPI (<c>msmpi</c>); on Linux the import is mapped to MPICH's <c>libmpich.so.12</c>, which has the same ABI
/// (MS-MPI derives from MPICH). Open MPI's ABI differs (handles are pointers, not integers): it is detected and
/// refused. Create one per process with <see cref="Initialize"/>, dispose it at the end (MPI_Finalize).
/// </summary>
public sealed class MpiTransport : IProcessTransport, IDisposable
{
    private static int _resolverSet;
    private readonly MPI.Environment _environment;
    private readonly MPI.Intracommunicator _world;
    private long _bytesSent;
    private bool _disposed;

    private MpiTransport(MPI.Environment environment)
    {
        _environment = environment;
        _world = MPI.Communicator.world;
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">MPI was finalized (<see cref="Dispose"/>).</exception>
    public int Rank => World.Rank;

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">MPI was finalized (<see cref="Dispose"/>).</exception>
    public int Size => World.Size;

    /// <summary>The world communicator; after MPI_Finalize any MPI call would abort the process, so it is refused.</summary>
    private MPI.Intracommunicator World
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _world;
        }
    }

    /// <inheritdoc/>
    public long BytesSent => _bytesSent;

    /// <summary>
    /// True when this process was started by an MPI launcher (<c>mpirun</c>/<c>mpiexec</c> of MPICH, MS-MPI, Intel MPI
    /// or Open MPI set rank variables such as <c>PMI_RANK</c>, <c>PMI_SIZE</c> or <c>OMPI_COMM_WORLD_RANK</c>).
    /// </summary>
    public static bool IsLaunchedByMpi => LauncherVariable() is not null;

    /// <summary>True when the launcher is Open MPI's (its ABI differs from MPICH's; see <see cref="Initialize"/>).</summary>
    public static bool IsOpenMpi => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>Initializes MPI (MPI_Init) and returns the world transport.</summary>
    /// <param name="args">The program's arguments (MPI may consume its own).</param>
    /// <returns>The transport; dispose it to finalize MPI.</returns>
    /// <exception cref="PlatformNotSupportedException">Launched by Open MPI, or no MPI library could be loaded; the message says what to install and run.</exception>
    public static MpiTransport Initialize(ref string[] args)
    {
        if (IsOpenMpi)
        {
            throw new PlatformNotSupportedException(
                "This process was launched by Open MPI, whose ABI differs from MPICH/MS-MPI that MPI.NET binds to; " +
                "install MPICH (Debian/Ubuntu: apt-get install mpich) and launch with mpirun.mpich (or mpiexec.mpich).");
        }

        SetResolver();
        try
        {
            return new MpiTransport(new MPI.Environment(ref args));
        }
        catch (DllNotFoundException ex)
        {
            throw new PlatformNotSupportedException(
                $"No MPI library could be loaded ({ex.Message}); on Linux install MPICH (apt-get install mpich, which provides libmpich.so.12), on Windows MS-MPI.", ex);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="sends"/> or <paramref name="receives"/> is null.</exception>
    /// <exception cref="ArgumentException">A message is null, has null data, a peer outside 0 to <see cref="Size"/> - 1
    /// or a tag outside 0 to 32767 (MPI would abort the process, or match any source or tag); nothing was posted.</exception>
    /// <exception cref="ObjectDisposedException">MPI was finalized (<see cref="Dispose"/>).</exception>
    public IPendingExchange Start(IReadOnlyList<TransportMessage> sends, IReadOnlyList<TransportMessage> receives)
    {
        TransportMessage.CheckAll(sends, receives, Size);
        var requests = new MPI.RequestList();
        foreach (TransportMessage m in receives) requests.Add(_world.ImmediateReceive(m.Peer, m.Tag, m.Data));
        foreach (TransportMessage m in sends)
        {
            requests.Add(_world.ImmediateSend(m.Data, m.Peer, m.Tag));
            _bytesSent += 2L * m.Data.Length;
        }

        return new Pending(requests);
    }

    /// <summary>MPI requests in flight: MPI_Testsome lets MPI progress, MPI_Waitall completes them.</summary>
    private sealed class Pending(MPI.RequestList requests) : IPendingExchange
    {
        public bool Test()
        {
            if (requests.Count > 0) requests.TestSome(); // completed requests leave the list
            return requests.Count == 0;
        }

        public void Wait()
        {
            if (requests.Count > 0) requests.WaitAll();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="local"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The ranks gave different counts (every rank throws; MPI would
    /// truncate or abort).</exception>
    /// <exception cref="ObjectDisposedException">MPI was finalized (<see cref="Dispose"/>).</exception>
    public double[] AllGather(double[] local)
    {
        ArgumentNullException.ThrowIfNull(local);
        int[] counts = World.AllgatherFlattened([local.Length], 1);
        if (counts.Distinct().Count() != 1)
        {
            throw new InvalidOperationException(
                $"AllGather: the ranks gave different counts ({string.Join(", ", counts.Select((c, r) => $"rank {r}: {c}"))}); every rank must give the same.");
        }

        return World.AllgatherFlattened(local, local.Length);
    }

    /// <summary>Finalizes MPI; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _environment.Dispose();
    }

    private static readonly string[] LauncherVariables = ["PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "MPI_LOCALRANKID"];

    internal static string? LauncherVariable() => LauncherVariables.FirstOrDefault(v => Environment.GetEnvironmentVariable(v) is not null);

    private static void SetResolver()
    {
        if (Interlocked.Exchange(ref _resolverSet, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(MPI.Communicator).Assembly, (name, assembly, path) =>
        {
            if (!name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) || OperatingSystem.IsWindows()) return IntPtr.Zero;
            foreach (string? candidate in (string?[])[Environment.GetEnvironmentVariable("CMX_MPI_LIBRARY"), "libmpich.so.12", "libmpi.so.12"])
            {
                if (!string.IsNullOrEmpty(candidate) && NativeLibrary.TryLoad(candidate, out IntPtr handle)) return handle;
            }

            return IntPtr.Zero;
        });
    }
}
