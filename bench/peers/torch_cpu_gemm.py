#!/usr/bin/env python3
"""CPU peer for the BF16 GEMM: PyTorch bf16 matmul (oneDNN on x86) on the same shapes and thread count.

Prints one line per shape: "M N K threads GFLOP/s seconds" with 2*M*N*K / best seconds / 1e9 (best of --repeat
after two warm-up calls; best, because on a shared host interference only ever slows a run).

Usage: /usr/bin/python3 bench/peers/torch_cpu_gemm.py --threads 2 1024x1024x1024 171x1024x8192 [--repeat 7]
Shapes are MxNxK, or one number for a cube. Debian: apt-get install python3-torch.

With --serve and one shape, it prints "ready <torch version>", then multiplies once for every "run" line read from
stdin and answers "ok": the BenchmarkDotNet suite times that round trip as the peer's row (the pipe costs tens of
microseconds against milliseconds of GEMM).
"""
import sys
import argparse
import time

import torch


def parse(shape):
    parts = [int(p) for p in shape.split("x")]
    return (parts[0],) * 3 if len(parts) == 1 else tuple(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shapes", nargs="+")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(1)
    if args.serve:
        m, n, k = parse(args.shapes[0])
        a = (torch.rand(m, k, generator=g) * 2 - 1).to(torch.bfloat16)
        b = (torch.rand(k, n, generator=g) * 2 - 1).to(torch.bfloat16)
        c = torch.matmul(a, b)
        print(f"ready {torch.__version__}", flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            torch.matmul(a, b, out=c)
            print("ok", flush=True)
        return
    for shape in args.shapes:
        m, n, k = parse(shape)
        a = (torch.rand(m, k, generator=g) * 2 - 1).to(torch.bfloat16)
        b = (torch.rand(k, n, generator=g) * 2 - 1).to(torch.bfloat16)
        for _ in range(2):
            torch.matmul(a, b)
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            torch.matmul(a, b)
            best = min(best, time.perf_counter() - start)
        print(f"{m} {n} {k} {args.threads} {2 * m * n * k / best / 1e9:.1f} {best:.6f}", flush=True)


if __name__ == "__main__":
    main()
