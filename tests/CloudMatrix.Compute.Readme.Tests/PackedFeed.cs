using System.Diagnostics;

namespace CloudMatrix.Compute.Readme.Tests;

/// <summary>
/// The three packages packed from this working tree into a folder feed in a temporary directory, once per test
/// run: what was just built (this test's configuration, <c>dotnet pack --no-build</c>), under a version no other run
/// uses, so that no stale copy in the NuGet cache can stand in for it. Removes the feed, and this version's
/// entries in the global packages folder, when the tests are done.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    /// <summary>The packages, in dependency order.</summary>
    public static readonly string[] Projects =
    [
        "kernels/CloudMatrix.Compute.Kernels/CloudMatrix.Compute.Kernels.csproj",
        "src/CloudMatrix.Compute/CloudMatrix.Compute.csproj",
        "src/CloudMatrix.Compute.Cli/CloudMatrix.Compute.Cli.csproj",
    ];

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>Packs the packages.</summary>
    /// <exception cref="InvalidOperationException">A pack failed; the message has its output.</exception>
    public PackedFeed()
    {
        RepositoryRoot = FindRepositoryRoot();
        WorkDirectory = Directory.CreateTempSubdirectory("cmx-readme-").FullName;
        Feed = Path.Combine(WorkDirectory, "feed");
        Version = $"0.0.0-readme.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var clock = Stopwatch.StartNew();
        foreach (string project in Projects)
        {
            var (code, output) = Dotnet.Run(RepositoryRoot, TimeSpan.FromMinutes(3),
                "pack", project, "-c", Configuration, "--no-build", "-o", Feed, $"-p:PackageVersion={Version}", "-nodeReuse:false");
            if (code != 0) throw new InvalidOperationException($"dotnet pack {project} failed ({code}):\n{output}");
        }

        PackSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>The folder holding CloudMatrix.Compute.sln.</summary>
    public string RepositoryRoot { get; }

    /// <summary>A temporary directory for this run: the feed and the test projects.</summary>
    public string WorkDirectory { get; }

    /// <summary>The folder feed with the .nupkg and .snupkg files.</summary>
    public string Feed { get; }

    /// <summary>The version every package was packed under.</summary>
    public string Version { get; }

    /// <summary>Host time the three packs took.</summary>
    public double PackSeconds { get; }

    /// <summary>The path of package <paramref name="id"/> in the feed, with <paramref name="extension"/> (nupkg or snupkg).</summary>
    public string PackagePath(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    /// <inheritdoc/>
    public void Dispose()
    {
        TryDelete(WorkDirectory);
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "cloudmatrix.compute", "cloudmatrix.compute.kernels", "cloudmatrix.compute.cli" })
        {
            TryDelete(Path.Combine(globalPackages, id, Version.ToLowerInvariant()));
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not make the test wrong.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudMatrix.Compute.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No CloudMatrix.Compute.sln above {AppContext.BaseDirectory}.");
    }
}
