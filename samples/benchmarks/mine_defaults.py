#!/usr/bin/env python3
"""MINE's bias on independent pairs and its accuracy on dependent ones (issue 20).

For each scenario, K dependent pairs of d-dimensional Gaussian groups are drawn:
    X_k = A_k U_k,  T_k = B_k V_k,   (U_k, V_k) with corr(U_kj, V_kj) = rho_kj,
A_k, B_k random invertible d x d matrices (so no coordinate is aligned with another), the
per-coordinate correlations rho_kj chosen so that the true MI
    I(X_k; T_k) = -1/2 sum_j log(1 - rho_kj^2)
equals the scenario's truths (split over the coordinates by random Dirichlet weights).
The groups of different k are independent. One rectangular run
    mibatch run in.h5 --var /X0 ... --var /T0 ... --x-vars '/X*' --y-vars '/T*' --estimator mine ...
estimates all K x K cells: the K diagonal cells are the dependent pairs (truth known), the
K(K-1) off-diagonal cells independent pairs (truth 0).

Scenarios (default: all):
  5d  d = 5, n = 2,000, K = 8, truths 0.25 ... 3.0 nats
  3d  d = 3, n = 5,000, K = 6, truths 0.1 ... 2.5 nats, one of them 1.24

Usage:
  swift build -c release
  python3 samples/benchmarks/mine_defaults.py [--scenario 5d,3d] [--mibatch .build/release/mibatch]
      [--threads 2] [--label NAME] [-- extra mibatch options, e.g. --mine-holdout 0 --mine-checkpoint last]
Prints, per scenario: mean, standard deviation and extreme of the independent cells, and
each dependent cell against its truth (relative error), and the wall time of the run.
Needs numpy and h5py.
"""
import argparse, math, os, subprocess, sys, tempfile, time

import numpy as np

SCENARIOS = {
    "5d": dict(d=5, n=2000, truths=[0.25, 0.5, 1.0, 1.36, 1.75, 2.0, 2.49, 2.99], seed=20),
    "3d": dict(d=3, n=5000, truths=[0.1, 0.5, 1.0, 1.24, 2.0, 2.5], seed=30),
}


def group_pair(g, n, d, truth):
    """(X, T) n x d with I(X; T) = truth nats, mixed by random invertible matrices."""
    w = g.dirichlet(np.ones(d))
    rho = np.sqrt(1.0 - np.exp(-2.0 * w * truth))
    u = g.standard_normal((n, d))
    v = rho * u + np.sqrt(1.0 - rho * rho) * g.standard_normal((n, d))
    def mixer():
        while True:
            m = g.standard_normal((d, d))
            if abs(np.linalg.det(m)) > 0.1:
                return m
    return u @ mixer().T, v @ mixer().T


def run_scenario(name, a, extra):
    s = SCENARIOS[name]
    g = np.random.default_rng(s["seed"])
    k = len(s["truths"])
    import h5py
    with tempfile.TemporaryDirectory() as tmp:
        path, out = os.path.join(tmp, "in.h5"), os.path.join(tmp, "out.h5")
        with h5py.File(path, "w") as f:
            for i, truth in enumerate(s["truths"]):
                x, t = group_pair(g, s["n"], s["d"], truth)
                f[f"X{i}"], f[f"T{i}"] = x, t
        cmd = [a.mibatch, "run", path] + sum([["--var", f"/X{i}"] for i in range(k)], []) \
            + sum([["--var", f"/T{i}"] for i in range(k)], []) \
            + ["--x-vars", "/X*", "--y-vars", "/T*", "--estimator", "mine", "--seed", str(a.seed),
               "--threads", str(a.threads), "-o", out, "--force", "--quiet"] + extra
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - t0
        with h5py.File(out, "r") as f:
            mi = np.array(f["mi"])
    assert mi.shape == (k, k), mi.shape
    off = mi[~np.eye(k, dtype=bool)]
    dep = np.diag(mi)
    truths = np.array(s["truths"])
    rel = (dep - truths) / truths
    print(f"[{a.label}] {name}: d = {s['d']}, n = {s['n']}, {k} dependent + {off.size} independent pairs, "
          f"{wall:.1f} s wall ({a.threads} threads)")
    print(f"  independent: mean {off.mean():+.4f}  sd {off.std(ddof=1):.4f}  "
          f"(s.e. of mean {off.std(ddof=1) / math.sqrt(off.size):.4f})  min {off.min():+.3f}  max {off.max():+.3f}")
    print("  dependent:   " + "  ".join(f"{t:.2f}->{e:.3f}" for t, e in zip(truths, dep)))
    print(f"  relative error: " + " ".join(f"{r:+.1%}" for r in rel)
          + f"   mean |rel| {np.abs(rel).mean():.1%}, max |rel| {np.abs(rel).max():.1%}")
    sys.stdout.flush()


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    p = argparse.ArgumentParser()
    p.add_argument("--scenario", default="5d,3d")
    p.add_argument("--mibatch", default=".build/release/mibatch")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--label", default="")
    a = p.parse_args(argv)
    if not a.label:
        a.label = " ".join(extra) or "defaults"
    for name in a.scenario.split(","):
        run_scenario(name, a, extra)


if __name__ == "__main__":
    main()
