#!/usr/bin/env bash
# The kernels against the host's measured limits, in one run (see bench/README.md, "Kernels at the limit"):
# the instruction peaks and memory bandwidth (cmx bench peak), then, shape by shape, ours, PyTorch bf16 (same
# threads) and the vdpbf16ps peak next to each other, 48 x 8 shard batches, and the streaming kernels against the
# measured bandwidth. Every figure is a best of several runs: on a shared host interference only slows a run.
# Arguments: thread counts (default: 1 and 2). Needs python3-torch for the PyTorch column (NaN without it).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=("$@"); if [ "${#threads[@]}" -eq 0 ]; then threads=(1 2); fi
dotnet build -c Release src/CloudMatrix.Compute.Cli >/dev/null
dotnet build -c Release bench/CloudMatrix.Compute.Benchmarks >/dev/null
bench=bench/CloudMatrix.Compute.Benchmarks/bin/Release/net10.0/CloudMatrix.Compute.Benchmarks.dll
grep -m2 -E 'cpu family|^model\s' /proc/cpuinfo || true
dotnet src/CloudMatrix.Compute.Cli/bin/Release/net10.0/cmx.dll bench peak
for t in "${threads[@]}"; do
  dotnet "$bench" tune compare "$t" 512 1024 2048 4096 8192 171x1024x8192 1024x171x8192 8192x1024x64 8192x1024x128
  dotnet "$bench" tune batch "$t" 1024 2048
done
dotnet "$bench" tune stream
