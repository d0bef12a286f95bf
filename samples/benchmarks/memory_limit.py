#!/usr/bin/env python3
"""Peak memory under --memory: an input 4x larger than the limit, streamed.

Writes a float64 input of n x p (default 20,000 x 3,200 = 512 MiB) and runs mibatch twice
on the same rectangular plan (20 row variables x all p column variables, binned, 10 bins):
once with --memory LIMIT (default 128M, a quarter of the input) and once without a limit.
Measures each run's peak resident memory with /usr/bin/time -v and checks that the limited
run stays under LIMIT and that both matrices are bit-identical.

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/memory_limit.py [--n 20000] [--p 3200] [--limit 128M]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def run(command):
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr).group(1)
    return peak_kib * 1024, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--p", type=int, default=3200)
    parser.add_argument("--limit", default="128M")
    parser.add_argument("--binary", default=".build/release/mibatch")
    parser.add_argument("--chunks", choices=["rows", "columns", "none"], default="columns")
    args = parser.parse_args()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    limit = int(float(args.limit[:-1]) * units[args.limit[-1].upper()])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.h5")
        rng = np.random.default_rng(1)
        chunks = {"rows": (256, args.p), "columns": (args.n, 16), "none": None}[args.chunks]
        with h5py.File(path, "w") as f:
            d = f.create_dataset("data", shape=(args.n, args.p), dtype="f8", chunks=chunks)
            for start in range(0, args.n, 2000):
                d[start:start + 2000] = rng.standard_normal((min(2000, args.n - start), args.p))
        size = args.n * args.p * 8
        common = [args.binary, "run", path, "--dataset", "/data", "--estimator", "binned", "--quiet",
                  "--x-vars", ",".join(f"v{i}" for i in range(20)), "--y-vars", "*"]
        limited, limited_wall = run(common + ["-o", os.path.join(tmp, "limited.h5"), "--memory", args.limit])
        free, free_wall = run(common + ["-o", os.path.join(tmp, "free.h5")])
        with h5py.File(os.path.join(tmp, "limited.h5")) as a, h5py.File(os.path.join(tmp, "free.h5")) as b:
            same = np.array_equal(a["mi"][...], b["mi"][...], equal_nan=True)
        mib = 1 << 20
        print(f"input {args.n} x {args.p} float64 = {size / mib:.0f} MiB ({args.chunks} chunks), limit {args.limit} = {limit / mib:.0f} MiB")
        print(f"with --memory {args.limit}: peak RSS {limited / mib:.1f} MiB, wall {limited_wall}")
        print(f"without a limit:   peak RSS {free / mib:.1f} MiB, wall {free_wall}")
        print(f"bit-identical matrices: {same}; under the limit: {limited < limit}")
        sys.exit(0 if same and limited < limit else 1)


if __name__ == "__main__":
    main()
