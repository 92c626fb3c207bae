#!/usr/bin/env bash
# One short check of the CUDA GEMM on an NVIDIA GPU host that has no .NET SDK: a published cmx and a .NET runtime
# archive are enough. Checks the tensor-core kernels against the FP64 reference at odd sizes, every storage order and
# both output types, times them and the SIMT kernel (CMX_CUDA_GEMM=simt) at 4096^3 and 8192^3, then runs the PyTorch
# peer if python3 has torch with CUDA. Every step has a timeout; the whole run is meant to end in under 4 minutes.
#
# Usage (from the repository root):  bash bench/gpu-check.sh
#   CMX_DLL   the published cmx.dll            (default .device/app/cmx.dll)
#   DOTNET    a dotnet host to run it with     (default: dotnet on PATH, else .device/dotnet.tar.xz unpacked to /tmp/dn)
#   OUT       a folder that receives gpu-check.log: the summary, then every run's JSON and errors (optional)
#   GPU_CHECK_BACKEND  the backend to run (default cuda; another one only to try the script itself)
# Exit status: 0 when every correctness check passed, 1 otherwise.
set -uo pipefail

start=$SECONDS
budget=${GPU_CHECK_BUDGET_S:-200}
cmx_dll=${CMX_DLL:-.device/app/cmx.dll}
backend=${GPU_CHECK_BACKEND:-cuda}
logdir=$(mktemp -d)

dotnet=${DOTNET:-}
if [[ -z $dotnet ]]; then
  if command -v dotnet >/dev/null 2>&1 && dotnet --list-runtimes 2>/dev/null | grep -q '^Microsoft.NETCore.App 10\.'; then
    dotnet=dotnet
  elif [[ -f .device/dotnet.tar.xz ]]; then
    [[ -x /tmp/dn/dotnet ]] || { mkdir -p /tmp/dn && tar -xJf .device/dotnet.tar.xz -C /tmp/dn; }
    dotnet=/tmp/dn/dotnet
  else
    echo "gpu-check: no .NET 10 runtime (set DOTNET or provide .device/dotnet.tar.xz)" >&2
    exit 1
  fi
fi
if [[ ! -f $cmx_dll ]]; then
  echo "gpu-check: $cmx_dll not found (publish cmx first: device-pack.sh src/CloudMatrix.Compute.Cli/CloudMatrix.Compute.Cli.csproj)" >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_gcServer=0
# The tensor-core kernel is the default on sm_80+; the runs below that compare with the SIMT kernel set CMX_CUDA_GEMM=simt.
export CMX_CUDA_GEMM=${CMX_CUDA_GEMM:-tensor}

summary=()
failures=0
unavailable=0

field() { # field NAME FILE: a scalar of the pretty-printed JSON
  sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$2" | head -1
}

bench() { # bench LABEL TIMEOUT_S [env assignments --] cmx-bench-gemm-args...
  local label=$1 limit=$2; shift 2
  local envs=()
  while [[ $# -gt 0 && $1 == *=* ]]; do envs+=("$1"); shift; done
  local elapsed=$((SECONDS - start))
  if (( unavailable )); then
    summary+=("$(printf '%-34s skipped: %s unavailable' "$label" "$backend")")
    return
  fi
  if (( elapsed + limit > budget + 30 )); then
    summary+=("$(printf '%-34s skipped (time budget: %ss used)' "$label" "$elapsed")")
    return
  fi
  local json=$logdir/$label.json err=$logdir/$label.err
  env "${envs[@]}" timeout -k 5 "$limit" "$dotnet" "$cmx_dll" bench gemm --backend "$backend" --json "$@" >"$json" 2>"$err"
  local rc=$?
  if [[ $rc -ne 0 && $rc -ne 1 ]] || [[ ! -s $json ]]; then
    failures=$((failures + 1))
    grep -q "is unavailable" "$err" && unavailable=1
    summary+=("$(printf '%-34s ERROR rc=%s: %s' "$label" "$rc" "$(tail -c 400 "$err" | tr '\n' ' ')")")
    return
  fi
  local passed kernel gflops err_max bound checked
  passed=$(field passed "$json"); kernel=$(field kernel "$json"); gflops=$(field gflops "$json")
  err_max=$(field max_rel_error "$json"); bound=$(field error_bound "$json"); checked=$(field checked_elements "$json")
  [[ $passed == true ]] || failures=$((failures + 1))
  summary+=("$(printf '%-34s %-5s %9.1f TFLOP/s  err %-10.3g bound %-10.3g (%s el.)  %s' \
    "$label" "$([[ $passed == true ]] && echo ok || echo FAIL)" "$(awk "BEGIN{print $gflops/1000}")" \
    "$err_max" "$bound" "$checked" "${kernel%% (*}")")
}

echo "== GPU"
timeout 20 nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader 2>&1 | head -4
echo "== cmx devices"
timeout 60 "$dotnet" "$cmx_dll" devices 2>&1 | head -12

# Correctness of the tensor-core kernels (sm_80+): full FP64 checks at small odd sizes, sampled checks (first/last row
# and column plus 4096 random elements) at large odd sizes, every storage order and both C types. Leading dimensions
# that are multiples of 8 (1000, 4104/4096/4088, 4096) run the cp.async kernel, edges and the K tail included; odd
# ones (257, 4093, 4095, 4097) run the register-staged kernel's element-load path.
bench tc-300x257x1000            60 --m 300 --n 257 --k 1000 --repeat 1
bench tc-300x257x1000-tA-tB-bf16 60 --m 300 --n 257 --k 1000 --repeat 1 --trans-a --trans-b --bf16-output
bench tc-1000x1000x1000          60 --m 1000 --n 1000 --k 1000 --repeat 2
bench tc-1000x1000x1000-tA      60 --m 1000 --n 1000 --k 1000 --repeat 1 --trans-a
bench tc-1000x1000x1000-tB-bf16 60 --m 1000 --n 1000 --k 1000 --repeat 1 --trans-b --bf16-output
bench tc-4097x4095x4093          60 --m 4097 --n 4095 --k 4093 --repeat 2
bench tc-4097x4095x4093-tA-bf16 60 --m 4097 --n 4095 --k 4093 --repeat 1 --trans-a --bf16-output
bench tc-4097x4095x4093-tB      60 --m 4097 --n 4095 --k 4093 --repeat 1 --trans-b
bench tc-4104x4096x4088-tA-tB   60 --m 4104 --n 4096 --k 4088 --repeat 1 --trans-a --trans-b

# Speed (and correctness again) at 4096^3 and 8192^3: tensor cores, then the SIMT kernel forced.
bench tc-4096x4096x4096                 60 --m 4096 --n 4096 --k 4096 --repeat 10
bench tc-4096x4096x4096-bf16            60 --m 4096 --n 4096 --k 4096 --repeat 10 --bf16-output
bench tc-8192x8192x8192                 90 --m 8192 --n 8192 --k 8192 --repeat 5
bench simt-4096x4096x4096               60 CMX_CUDA_GEMM=simt --m 4096 --n 4096 --k 4096 --repeat 5
bench simt-8192x8192x8192               90 CMX_CUDA_GEMM=simt --m 8192 --n 8192 --k 8192 --repeat 3

echo "== PyTorch peer"
peer="skipped: no python3"
if command -v python3 >/dev/null 2>&1; then
  if timeout 60 python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)' >/dev/null 2>&1; then
    left=$((budget + 30 - (SECONDS - start)))
    if (( left > 30 )); then
      timeout -k 5 $((left < 100 ? left : 100)) python3 bench/peers/torch_gemm.py 4096 8192 --repeat 10 2>&1 | tee "$logdir/torch.log"
      peer="ran (above)"
    else
      peer="skipped: time budget"
    fi
  else
    peer="skipped: python3 has no torch with CUDA"
  fi
fi
echo "$peer"

report() {
  echo "== summary ($((SECONDS - start)) s on $backend; TFLOP/s: host-timed median; err: max |C - ref| / sum|a b| vs FP64)"
  printf '%s\n' "${summary[@]}"
  echo "peer: $peer"
  if (( failures > 0 )); then
    echo "gpu-check: $failures check(s) FAILED"
  else
    echo "gpu-check: all checks passed"
  fi
}
echo
report
if [[ -n ${OUT:-} ]]; then
  mkdir -p "$OUT"
  { report; for f in "$logdir"/*; do echo; echo "== $(basename "$f")"; cat "$f"; done; } >"$OUT/gpu-check.log"
fi
rm -rf "$logdir"
(( failures == 0 ))
