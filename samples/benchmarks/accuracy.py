#!/usr/bin/env python3
"""Accuracy of mibatch's estimators on Gaussian families with analytic MI.

For each n in {1000, 5000} and each of 20 seeds, writes one HDF5 file holding every
family as a pair of datasets /<family>/X, /<family>/T, runs the mibatch binary once per
estimator as a rectangular X-set x T-set run, and reports bias (mean estimate - truth) and
spread (standard deviation over seeds) per family, estimator and n.

Families (coordinates independent across j; X_j, T_j correlated with rho):
  indep     d=1, rho=0     truth 0
  rho0.5    d=1, rho=0.5   truth -1/2 log(1-0.25)
  rho0.9    d=1, rho=0.9   truth -1/2 log(1-0.81)
  d3rho0.5  d=3, rho=0.5   truth 3 x (-1/2 log 0.75)
  d5rho0.5  d=5, rho=0.5   truth 5 x (-1/2 log 0.75)

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/accuracy.py [--seeds 20] [--binary .build/release/mibatch]
Writes samples/benchmarks/accuracy.md and prints the same table.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

FAMILIES = [("indep", 1, 0.0), ("rho0.5", 1, 0.5), ("rho0.9", 1, 0.9), ("d3rho0.5", 3, 0.5), ("d5rho0.5", 5, 0.5)]
ESTIMATORS = [
    ("KSG-1", ["--ksg-algorithm", "1"]),
    ("KSG-2", ["--ksg-algorithm", "2"]),
    ("joint (seed paper)", ["--ksg-algorithm", "joint"]),
    ("binned, 10 bins", ["--estimator", "binned", "--bins", "10"]),
    ("binned, 10 bins, Miller-Madow", ["--estimator", "binned", "--bins", "10", "--bias-correction", "miller-madow"]),
]


def truth(d, rho):
    return -0.5 * d * math.log(1 - rho * rho) + 0.0


def write_input(path, n, seed):
    rng = np.random.default_rng([seed, n])
    with h5py.File(path, "w") as f:
        for name, d, rho in FAMILIES:
            x = rng.standard_normal((n, d))
            t = rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal((n, d))
            f[f"/{name}/X"] = x
            f[f"/{name}/T"] = t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--binary", default=".build/release/mibatch")
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--out", default="samples/benchmarks/accuracy.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}  # (estimator, family, n) -> list of estimates
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for seed in range(args.seeds):
                path = os.path.join(tmp, f"in-{n}-{seed}.h5")
                write_input(path, n, seed)
                variables = []
                for name, _, _ in FAMILIES:
                    variables += ["--var", f"/{name}/X", "--var", f"/{name}/T"]
                for label, options in ESTIMATORS:
                    out = os.path.join(tmp, "out.h5")
                    subprocess.run([args.binary, "run", path, *variables, "--x-vars", "/*/X", "--y-vars", "/*/T",
                                    "-o", out, "--force", "--quiet", *options], check=True)
                    with h5py.File(out, "r") as f:
                        mi = f["mi"][...]
                    for index, (name, _, _) in enumerate(FAMILIES):
                        results.setdefault((label, name, n), []).append(float(mi[index, index]))
                print(f"n={n} seed={seed} done", file=sys.stderr)
    lines = [
        f"Estimates over {args.seeds} seeds: bias = mean - truth, sd = spread over seeds (nats; k = 3,",
        "global-linf normalization for KSG). Produced by `python3 samples/benchmarks/accuracy.py`.",
        "",
        "| estimator | family | truth | " + " | ".join(f"bias n={n} | sd n={n}" for n in sizes) + " |",
        "|---|---|---|" + "---|---|" * len(sizes),
    ]
    for label, _ in ESTIMATORS:
        for name, d, rho in FAMILIES:
            cells = []
            for n in sizes:
                values = np.array(results[(label, name, n)])
                cells += [f"{values.mean() - truth(d, rho):+.3f}", f"{values.std(ddof=1):.3f}"]
            lines.append(f"| {label} | {name} | {truth(d, rho):.3f} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
