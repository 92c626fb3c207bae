using BenchmarkDotNet.Running;

// Run one suite with: dotnet run -c Release --project bench/CloudMatrix.Compute.Benchmarks -- --filter '*Name*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
