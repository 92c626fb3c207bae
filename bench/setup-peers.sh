#!/usr/bin/env bash
# Installs the peers the benchmarks measure against in the same run (Debian/Ubuntu, as root).
#   OpenBLAS (pthread build): libopenblas.so.0, loaded by name by bench/CloudMatrix.Compute.Benchmarks.
set -euo pipefail
apt-get update
apt-get install -y libopenblas0-pthread
