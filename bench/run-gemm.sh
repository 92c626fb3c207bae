#!/usr/bin/env bash
# The GEMM benchmark against OpenBLAS in the same run (see bench/README.md). OpenBLAS must choose its own kernels:
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment (BenchmarkDotNet's child processes inherit it).
# Arguments go to BenchmarkDotNet; without any, the whole GemmBenchmarks suite runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then set -- --filter '*GemmBenchmarks*'; fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  dotnet run -c Release --project bench/CloudMatrix.Compute.Benchmarks -- "$@"
