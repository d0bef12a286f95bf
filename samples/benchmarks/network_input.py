#!/usr/bin/env python3
"""The inputs of RESULTS.md's "Network inference" timings: n samples of p variables in /X
(float64, samples x variables), independent standard normals except that every 10th column
is correlated with the next one (rho = 0.5), seeded.

Usage: python3 samples/benchmarks/network_input.py P OUT.h5 [--samples N] [--seed S]
"""
import argparse
import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("p", type=int)
parser.add_argument("output")
parser.add_argument("--samples", type=int, default=2000)
parser.add_argument("--seed", type=int, default=5)
args = parser.parse_args()

rng = np.random.default_rng(args.seed)
x = rng.standard_normal((args.samples, args.p))
for j in range(0, args.p - 1, 10):
    x[:, j + 1] = 0.5 * x[:, j] + np.sqrt(0.75) * x[:, j + 1]
with h5py.File(args.output, "w") as f:
    f.create_dataset("X", data=x, chunks=(args.samples, min(args.p, 64)))
