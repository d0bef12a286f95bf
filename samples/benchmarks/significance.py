#!/usr/bin/env python3
"""The cost of p-values (issue 17), side by side in one run of this script.

Writes N_SAMPLES x P float64 columns (standard normals, every 10th column correlated with
the next at rho 0.5) and times, with the release binary:

  plain      --normalization rank                               (the MI matrix alone)
  cold       --normalization rank --permutations N --null-cache C   (shared null computed)
  warm       the same again                                      (shared null read from C)
  per-pair   default normalization, --permutations M --null per-pair on the first Q columns,
             against the plain run of those columns (ratio per pair)

and prints wall times, ratios and whether /mi is bit-identical across the runs.

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/significance.py [--samples 2000] [--variables 150]
      [--permutations 10000] [--per-pair-variables 30] [--per-pair-permutations 1000]
      [--binary .build/release/mibatch] [--threads 2]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def timed(command):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return elapsed, result.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--variables", type=int, default=150)
    parser.add_argument("--permutations", type=int, default=10000)
    parser.add_argument("--per-pair-variables", type=int, default=30)
    parser.add_argument("--per-pair-permutations", type=int, default=1000)
    parser.add_argument("--binary", default=".build/release/mibatch")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        rng = np.random.default_rng(17)
        data = rng.standard_normal((args.samples, args.variables))
        for j in range(0, args.variables - 1, 10):
            data[:, j + 1] = 0.5 * data[:, j] + np.sqrt(1 - 0.25) * data[:, j + 1]
        path = os.path.join(work, "in.h5")
        with h5py.File(path, "w") as f:
            f["data"] = data
        base = [args.binary, "run", path, "--dataset", "/data", "--threads", str(args.threads), "--force"]
        pairs = args.variables * (args.variables - 1) // 2
        cache = os.path.join(work, "nulls")
        out = lambda name: ["-o", os.path.join(work, name)]
        rank = ["--normalization", "rank"]
        significance = rank + ["--permutations", str(args.permutations), "--null-cache", cache, "--fdr", "0.05"]
        plain, _ = timed(base + out("plain.h5") + rank)
        cold, _ = timed(base + out("cold.h5") + significance)
        warm, _ = timed(base + out("warm.h5") + significance)
        same = all(np.array_equal(h5py.File(os.path.join(work, "plain.h5"))["mi"][:],
                                  h5py.File(os.path.join(work, name))["mi"][:], equal_nan=True) for name in ["cold.h5", "warm.h5"])
        edges = len(h5py.File(os.path.join(work, "warm.h5"))["edges/mi"])
        print(f"shared null: n = {args.samples}, p = {args.variables} ({pairs} pairs), N = {args.permutations}, {args.threads} threads")
        print(f"  plain {plain:.2f} s, cold {cold:.2f} s ({cold / plain:.2f}x), warm {warm:.2f} s ({warm / plain:.2f}x); "
              f"/mi identical: {same}; {edges} edges at q <= 0.05")

        q = args.per_pair_variables
        names = ",".join(f"v{j}" for j in range(q))
        subset = ["--x-vars", names, "--y-vars", names]
        subset_pairs = q * (q - 1) // 2
        plain_q, _ = timed(base + out("pp-plain.h5") + subset)
        perm_q, _ = timed(base + out("pp.h5") + subset + ["--permutations", str(args.per_pair_permutations), "--null", "per-pair"])
        perm_full, _ = timed(base + out("pp0.h5") + subset + ["--permutations", str(args.per_pair_permutations), "--null", "per-pair",
                                                             "--permutation-stop", "0"])
        print(f"per-pair permutations: n = {args.samples}, {subset_pairs} pairs, up to {args.per_pair_permutations} each")
        print(f"  plain {plain_q:.2f} s, Besag-Clifford h = 10: {perm_q:.2f} s ({perm_q / plain_q:.1f}x), "
              f"no early stop: {perm_full:.2f} s ({perm_full / plain_q:.1f}x)")


if __name__ == "__main__":
    main()
