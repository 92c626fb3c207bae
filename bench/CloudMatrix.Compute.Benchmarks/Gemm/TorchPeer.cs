using System.Diagnostics;

namespace CloudMatrix.Compute.Benchmarks.Gemm;

/// <summary>
/// PyTorch bf16 matmul (oneDNN on x86) in a child process that stays up for the whole benchmark case
/// (bench/peers/torch_cpu_gemm.py --serve): each call is one line down a pipe, one matmul, one line back, so
/// BenchmarkDotNet times the peer like any other row.
/// </summary>
internal sealed class TorchPeer : IDisposable
{
    private readonly Process _process;

    private TorchPeer(Process process, string version)
    {
        _process = process;
        Version = version;
    }

    /// <summary>The torch version the peer reported.</summary>
    public string Version { get; }

    /// <summary>Starts the peer on an M x N x K product with <paramref name="threads"/> threads; null when python3 or torch is missing.</summary>
    public static TorchPeer? Start(int m, int n, int k, int threads)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "torch_cpu_gemm.py");
        var info = new ProcessStartInfo("/usr/bin/python3", [script, "--serve", "--threads", $"{threads}", $"{m}x{n}x{k}"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            Process process = Process.Start(info)!;
            string? ready = process.StandardOutput.ReadLine();
            if (ready is null || !ready.StartsWith("ready ", StringComparison.Ordinal))
            {
                process.Kill();
                process.Dispose();
                return null;
            }

            return new TorchPeer(process, ready["ready ".Length..]);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>One matmul in the peer, waited for.</summary>
    public void Multiply()
    {
        _process.StandardInput.WriteLine("run");
        _process.StandardInput.Flush();
        _ = _process.StandardOutput.ReadLine();
    }

    public void Dispose()
    {
        _process.StandardInput.WriteLine("stop");
        _process.StandardInput.Close();
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
