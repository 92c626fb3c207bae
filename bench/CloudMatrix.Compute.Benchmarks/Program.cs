using BenchmarkDotNet.Running;
using CloudMatrix.Compute.Benchmarks.Gemm;

// Run one suite with: dotnet run -c Release --project bench/CloudMatrix.Compute.Benchmarks -- --filter '*Name*'
// The GEMM kernel sweep (not BenchmarkDotNet): ... -- tune [threads] [size...]
if (args.Length > 0 && args[0] == "tune")
{
    GemmTuning.Run(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
