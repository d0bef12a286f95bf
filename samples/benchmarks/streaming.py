#!/usr/bin/env python3
"""Streamed (through the column scratch) versus in-memory runs on a row-chunked input.

Writes the issue-16 example: 100,000 x 200 float64 (160 MB, 153 MiB), chunks 4096 x 200
(uncompressed, every chunk spans all columns), odd columns correlated with the even ones.
Then, for each case, runs mibatch twice in this script run -- without a limit (the plan
holds all input) and with --memory LIMIT (default 100M: it must stream) -- and prints
wall time, peak RSS (/usr/bin/time -v), the ratio streamed / in-memory, whether the two
/mi matrices are bit-identical, and the plan's scratch and read-estimate lines.

Cases (--cases, comma-separated):
  rect5    binned, --x-vars v0..v4 --y-vars '*'   (1,000 pairs; the 2x target case)
  ksg1     KSG (default), --x-vars v0 --y-vars '*'  (199 pairs)
  allpairs binned, all 19,900 pairs (bound by re-preparing streamed blocks, see RESULTS.md)

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/streaming.py [--cases rect5,ksg1] [--limit 100M]
      [--binary .build/release/mibatch] [--before /path/to/old/mibatch] [--dir DIR]
--before also times the streamed run of an older binary (the main branch before the
scratch; slow: 139 s for allpairs on the machine of RESULTS.md).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

CASES = {
    "rect5": ["--estimator", "binned", "--x-vars", "v0,v1,v2,v3,v4", "--y-vars", "*"],
    "ksg1": ["--x-vars", "v0", "--y-vars", "*"],
    "allpairs": ["--estimator", "binned"],
}


def run(command):
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return seconds, peak_kib * 1024


def make_input(path):
    n, p = 100_000, 200
    rng = np.random.default_rng(16)
    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", shape=(n, p), dtype="f8", chunks=(4096, p))
        for start in range(0, n, 10_000):
            x = rng.standard_normal((min(10_000, n - start), p))
            x[:, 1::2] += 0.6 * x[:, 0::2]
            d[start:start + 10_000] = x


def same_bits(a, b):
    with h5py.File(a) as fa, h5py.File(b) as fb:
        return np.array_equal(fa["mi"][...].view(np.uint64), fb["mi"][...].view(np.uint64))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="rect5,ksg1")
    parser.add_argument("--limit", default="100M")
    parser.add_argument("--binary", default=".build/release/mibatch")
    parser.add_argument("--before", help="an older mibatch to time streamed too")
    parser.add_argument("--dir", help="keep the input here (default: a temporary directory)")
    args = parser.parse_args()
    mib = 1 << 20
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or tmp
        os.makedirs(work, exist_ok=True)
        path = os.path.join(work, "in.h5")
        if not os.path.exists(path):
            make_input(path)
        print(f"input {path}: 100000 x 200 float64, chunks 4096x200, {os.path.getsize(path) / mib:.0f} MiB; limit {args.limit}")
        for name in args.cases.split(","):
            options = ["--dataset", "/data", "--quiet", "--force"] + CASES[name]
            held = os.path.join(work, f"{name}-held.h5")
            streamed = os.path.join(work, f"{name}-streamed.h5")
            plan = subprocess.run([args.binary, "plan", path, "-o", streamed, "--memory", args.limit] + options[:2] + CASES[name],
                                  capture_output=True, text=True).stdout
            t_held, m_held = run([args.binary, "run", path, "-o", held] + options)
            t_str, m_str = run([args.binary, "run", path, "-o", streamed, "--memory", args.limit] + options)
            print(f"\n[{name}] mibatch run in.h5 -o OUT {' '.join(options)} [--memory {args.limit}]")
            for line in plan.splitlines():
                if line.startswith(("memory:", "scratch:", "reads:")):
                    print("  plan: " + line)
            print(f"  in memory: {t_held:7.2f} s, peak RSS {m_held / mib:6.1f} MiB")
            print(f"  streamed:  {t_str:7.2f} s, peak RSS {m_str / mib:6.1f} MiB (limit {args.limit})")
            print(f"  ratio streamed / in memory: {t_str / t_held:.2f}; bit-identical: {same_bits(held, streamed)}; "
                  f"scratch left: {os.path.exists(streamed + '.scratch')}")
            if args.before:
                old = os.path.join(work, f"{name}-before.h5")
                t_old, m_old = run([args.before, "run", path, "-o", old, "--memory", args.limit] + options)
                print(f"  before (streamed, {args.before}): {t_old:7.2f} s, peak RSS {m_old / mib:6.1f} MiB, "
                      f"ratio {t_old / t_held:.2f}; bit-identical: {same_bits(held, old)}")


if __name__ == "__main__":
    main()
