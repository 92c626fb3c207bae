#!/usr/bin/env bash
# The same 384-device plan run by 2 MPI processes x 1 thread and by 1 process x 2 threads, in one run on one machine:
# host times, the ratio, and the bytes each process sent over MPI against the plan's cross-process traffic.
#
#   bench/run-mpi.sh            # 8192^3 (about 4 GB of host memory, a few minutes on 2 cores)
#   N=768 bench/run-mpi.sh      # a quick check of the script
#
# The plan: rows of A over y (48, inner), K over x (8, outer), C all-reduced over x with the ring. The processes split
# the outer axis, so every ring crosses the process boundary. Needs MPICH (apt-get install mpich) and python3.
set -euo pipefail
N=${N:-8192}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$(mktemp -d)}
dotnet build "$root/src/CloudMatrix.Compute.Cli" -c Release -v q -nologo >/dev/null
CMX=$root/src/CloudMatrix.Compute.Cli/bin/Release/net10.0/cmx.dll
ARGS=(matmul --m "$N" --n "$N" --k "$N" --mesh x=8,y=48 --a-spec y,x --b-spec x, --uneven --reduce ring --backend cpu-simd --json)
export CMX_MEMORY_BUDGET=${CMX_MEMORY_BUDGET:-8G}

echo "load before: $(uptime)"
# DOTNET_PROCESSOR_COUNT sets the threads of the runtime and of the GEMM kernels (every core by default).
DOTNET_PROCESSOR_COUNT=2 dotnet "$CMX" "${ARGS[@]}" > "$out/single.json" 2> "$out/single.err"
DOTNET_PROCESSOR_COUNT=2 mpirun.mpich -np 1 dotnet "$CMX" "${ARGS[@]}" > "$out/mpi1.json" 2> "$out/mpi1.err"
DOTNET_PROCESSOR_COUNT=1 mpirun.mpich -np 2 dotnet "$CMX" "${ARGS[@]}" > "$out/mpi2.json" 2> "$out/mpi2.err"
echo "load after:  $(uptime)"

python3 - "$out" "$N" <<'PY'
import json, sys
out, n = sys.argv[1], sys.argv[2]
runs = [("1 process x 2 threads (no MPI)", "single"), ("1 MPI process x 2 threads", "mpi1"), ("2 MPI processes x 1 thread", "mpi2")]
data = {key: json.load(open(f"{out}/{key}.json")) for _, key in runs}
print(f"{n}^3 on {data['single']['mesh']}, {data['single']['system']}; host seconds (this machine), slowest process")
print(f"{'run':34} {'execute s':>10} {'total s':>9} {'verified':>9}  MPI bytes per process (plan's cross-process traffic)")
for label, key in runs:
    d = data[key]
    sent = d.get("mpi_bytes_per_process", [])
    plan = d.get("plan_bytes_per_process", [])
    print(f"{label:34} {d['host_execute_seconds']:10.2f} {d['host_seconds']:9.2f} {str(d['verified']):>9}  {sent} ({plan})")
two = data["mpi2"]
for label, key in runs[:2]:
    print(f"ratio 2x1 / {label}: execute {two['host_execute_seconds'] / data[key]['host_execute_seconds']:.2f}x, total {two['host_seconds'] / data[key]['host_seconds']:.2f}x")
print("MPI bytes equal the plan's cross-process traffic:", two["mpi_bytes_per_process"] == two["plan_bytes_per_process"])
print("C digest equal (1 and 2 processes):", data["mpi1"]["c_checksum"] == two["c_checksum"])
PY
