using System.Diagnostics;
using System.IO.Compression;
using Xunit.Abstractions;

namespace CloudMatrix.Compute.Readme.Tests;

/// <summary>
/// The README's C# is what a new user copies: every block must compile and run, as written, in a fresh console
/// project (the <c>dotnet new console</c> defaults: implicit usings, nullable) that installs the packages packed from
/// this commit from a local folder feed, and the <c>cmx</c> tool must install from the same feed and run.
/// </summary>
public sealed class ReadmeSnippetTests(PackedFeed feed, ITestOutputHelper log) : IClassFixture<PackedFeed>
{
    /// <summary>The Markdown files whose C# blocks are compiled: the repository's README and each package's.</summary>
    public static readonly string[] Readmes =
    [
        "README.md",
        "src/CloudMatrix.Compute/README.md",
        "kernels/CloudMatrix.Compute.Kernels/README.md",
    ];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public void EveryCSharpBlock_CompilesAndRuns_InAFreshProjectRestoredFromThePackedPackages()
    {
        var blocks = Readmes.SelectMany(f => CodeBlock.Extract(f, File.ReadAllText(Path.Combine(feed.RepositoryRoot, f)))).ToList();
        Assert.True(blocks.Count >= 5, $"expected the README's and the packages' C# blocks, found {blocks.Count}");
        string project = Path.Combine(feed.WorkDirectory, "snippets");
        WriteProject(project, blocks);

        var clock = Stopwatch.StartNew();
        var (buildCode, buildOutput) = Dotnet.Run(project, BuildTimeout, "build", "-nodeReuse:false");
        double buildSeconds = clock.Elapsed.TotalSeconds;
        Assert.True(buildCode == 0, $"the README blocks do not compile against the packages:\n{buildOutput}");

        clock.Restart();
        var (runCode, runOutput) = Dotnet.Run(project, BuildTimeout, Path.Combine("bin", "Debug", "net10.0", "Snippets.dll"));
        log.WriteLine($"pack {feed.PackSeconds:F1} s, restore+build {buildSeconds:F1} s, run {clock.Elapsed.TotalSeconds:F1} s; {blocks.Count} blocks");
        log.WriteLine(runOutput);
        Assert.True(runCode == 0, $"a README block threw:\n{runOutput}");
        foreach (var block in blocks)
        {
            Assert.Contains($"ok {block.Name}", runOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ToolPackage_IsUnder25MB_InstallsFromTheFeed_AndRunsACollectiveSweepWithAPlot()
    {
        long size = new FileInfo(feed.PackagePath("CloudMatrix.Compute.Cli")).Length;
        log.WriteLine($"CloudMatrix.Compute.Cli.nupkg: {size / 1e6:F2} MB");
        Assert.True(size < 25_000_000, $"the tool package is {size / 1e6:F1} MB");

        string tools = Path.Combine(feed.WorkDirectory, "tools");
        var (code, output) = Dotnet.Run(feed.WorkDirectory, BuildTimeout,
            "tool", "install", "CloudMatrix.Compute.Cli", "--tool-path", tools, "--add-source", feed.Feed, "--version", feed.Version);
        Assert.True(code == 0, output);

        string svg = Path.Combine(feed.WorkDirectory, "sweep.svg");
        string cmx = Path.Combine(tools, OperatingSystem.IsWindows() ? "cmx.exe" : "cmx");
        (code, output) = Dotnet.Run(cmx, ["collective", "--op", "allreduce", "--system", "gb200-nvl72", "--ranks", "8", "--max-bytes", "1M", "--plot", svg],
            feed.WorkDirectory, BuildTimeout);
        Assert.True(code == 0, output);
        Assert.Contains("# Avg bus bandwidth", output, StringComparison.Ordinal);
        Assert.Contains("simulated on gb200-nvl72", File.ReadAllText(svg), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CloudMatrix.Compute")]
    [InlineData("CloudMatrix.Compute.Kernels")]
    [InlineData("CloudMatrix.Compute.Cli")]
    public void EveryPackage_HasSymbols_ALicence_AReadme_AndSourceControlData(string id)
    {
        Assert.True(File.Exists(feed.PackagePath(id, "snupkg")), $"{id} has no .snupkg");
        using var package = ZipFile.OpenRead(feed.PackagePath(id));
        Assert.NotNull(package.GetEntry("README.md"));
        Assert.NotNull(package.GetEntry("LICENSE"));
        using var nuspec = new StreamReader(package.GetEntry($"{id}.nuspec")!.Open());
        string text = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", text, StringComparison.Ordinal);
        Assert.Contains("<readme>README.md</readme>", text, StringComparison.Ordinal);
        Assert.Contains("<tags>", text, StringComparison.Ordinal);
        Assert.Matches("<repository type=\"git\"[^>]* commit=\"[0-9a-f]{40}\"", text);
    }

    [Fact]
    public void Extract_FindsCSharpFencesOnly_WithTheLineOfTheirFirstCodeLine()
    {
        string markdown = "# t\n```bash\nls\n```\n\n```csharp\nusing System;\nConsole.WriteLine(1);\n```\n```cs\nint x = 2;\n```\n";
        var blocks = CodeBlock.Extract("X.md", markdown);
        Assert.Equal(2, blocks.Count);
        Assert.Equal(7, blocks[0].Line);
        Assert.Equal("using System;\nConsole.WriteLine(1);", blocks[0].Code);
        Assert.Equal("X.md:11", blocks[1].Name);
    }

    [Fact]
    public void BlockSource_MovesLeadingUsingsToFileScope_AndMapsLinesToTheReadme()
    {
        var block = new CodeBlock("README.md", 40, "using CloudMatrix.Compute.Topology;\n\nvar s = Systems.Gb200Nvl72();\nawait Task.Yield();");
        string source = SnippetProgram.BlockSource(block, 3, "README.md");
        Assert.StartsWith("using CloudMatrix.Compute.Topology;", source, StringComparison.Ordinal);
        Assert.Contains("public static async Task Run()", source, StringComparison.Ordinal);
        Assert.Contains("#line 42 \"README.md\"\nvar s = Systems.Gb200Nvl72();", source.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private void WriteProject(string directory, List<CodeBlock> blocks)
    {
        Directory.CreateDirectory(directory);
        // Empty MSBuild and NuGet files here stop any settings from folders above the temporary directory leaking in.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        // The feed first, then whatever sources this machine normally restores from (for ILGPU and the rest).
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="cmx-readme-feed" value="{feed.Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Snippets.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- The audit asks the network about known vulnerabilities: not what this test checks. -->
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="CloudMatrix.Compute" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        for (int i = 0; i < blocks.Count; i++)
        {
            string readme = Path.Combine(feed.RepositoryRoot, blocks[i].File);
            File.WriteAllText(Path.Combine(directory, $"Block{i}.cs"), SnippetProgram.BlockSource(blocks[i], i, readme));
        }

        File.WriteAllText(Path.Combine(directory, "Program.cs"), SnippetProgram.MainSource(blocks));
    }
}
