#!/usr/bin/env python3
"""Peer for `cmx bench gemm --backend cuda`: PyTorch (cuBLAS) GEMM on the same GPU, same shapes.

Prints TFLOP/s (2*M*N*K / median seconds / 1e12) for
  - fp32-simt: FP32 inputs, FP32 accumulate, TF32 disabled (cuBLAS SGEMM on the CUDA cores: the like-for-like
    peer of the ILGPU SIMT kernel, which widens BF16 to FP32 and accumulates in FP32 on CUDA cores), and
  - bf16-tensor-core: BF16 inputs and output, FP32 accumulate (the tensor-core ceiling, for context).

Usage: python3 bench/peers/torch_gemm.py 4096 8192 [--repeat 20]
"""
import argparse
import torch


def time_matmul(a, b, repeat):
    for _ in range(3):
        torch.matmul(a, b)
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        torch.matmul(a, b)
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+", help="square sizes M = N = K")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}")
    for s in args.sizes:
        g = torch.Generator(device="cuda").manual_seed(1)
        a = torch.rand(s, s, device="cuda", generator=g) * 2 - 1
        b = torch.rand(s, s, device="cuda", generator=g) * 2 - 1
        a16, b16 = a.to(torch.bfloat16), b.to(torch.bfloat16)
        for name, x, y in (("fp32-simt", a16.float(), b16.float()), ("bf16-tensor-core", a16, b16)):
            seconds = time_matmul(x, y, args.repeat)
            print(f"{s}^3 {name:17s} {2 * s ** 3 / seconds / 1e12:8.2f} TFLOP/s  ({seconds * 1e3:.3f} ms)")


if __name__ == "__main__":
    main()
