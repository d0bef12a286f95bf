#!/usr/bin/env python3
"""Accuracy of KSG on strongly dependent multi-dimensional groups (issue 20).

Family: U, V in R^d standard Gaussian, corr(U_j, V_j) = rho (equal for every j), truth
-d/2 log(1 - rho^2); X = A.U, T = B.V with A, B random d x d matrices of condition number
c (Q1 . diag(log-spaced 1 .. 1/c) . Q2, Q1, Q2 random orthogonal). n = 2,000, one seed per cell
(seeded from the cell). Every pair is its own HDF5 file with datasets /X and /T, run with
`mibatch run FILE --var /X --var /T --x-vars /X --y-vars /T`.

Columns:
  KSG            default: KSG-2, k = 3, global-linf
  whiten         --normalization whiten, k = 3
  whiten k=kL    --normalization whiten at LNC's k (kL = 2d + 1, the smallest k >= d_x + d_y
                 with a tabulated alpha where there is one)
  whiten+LNC     --normalization whiten --ksg-correction lnc --k kL; alpha: NPEET_LNC's table
                 (joint dimension 10), elsewhere --lnc-alpha from this script's Monte Carlo of
                 the paper's recipe (the 5e-3 quantile of V-bar/V for uniform data)
  robust         --normalization whiten-robust, k = 3
  scipy KSG-1    numpy/scipy peer: KSG-1 (Kraskov eq. 8), k = 3, cKDTree max-norm, raw data

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/multid_accuracy.py [--binary .build/release/mibatch]
Prints a markdown table (and the LNC cost per pair: wall time of the LNC run minus the
whiten k=kL run, per pair, one thread).
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma


def lnc_alpha_mc(k, d, eps=5e-3, m=100_000, seed=1):
    """The eps-quantile of V-bar/V for k neighbours of a point in uniform data: k - 1 of them
    uniform in the max-norm ball, the k-th on its surface (Gao et al. 2015's recipe)."""
    rng = np.random.default_rng(seed)
    ratios = []
    for start in range(0, m, 10_000):
        b = min(10_000, m - start)
        z = rng.uniform(-1, 1, size=(b, k, d))
        face = rng.integers(0, d, size=b)
        z[np.arange(b), k - 1, face] = rng.choice([-1.0, 1.0], size=b)
        box = np.log(np.abs(z).max(axis=1)).sum(axis=1)
        _, vec = np.linalg.eigh(np.einsum("mki,mkj->mij", z, z))
        pca = np.log(np.abs(np.einsum("mki,mic->mkc", z, vec)).max(axis=1)).sum(axis=1)
        ratios.append(np.exp(pca - box))
    return float(np.quantile(np.concatenate(ratios), eps))


TABLE_DIMENSIONS = {2, 3, 5, 10}  # NPEET_LNC's alpha table: joint d in these, d < k <= 20


def conditioned(d, c, rng):
    q1, _ = np.linalg.qr(rng.standard_normal((d, d)))
    q2, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.logspace(0, -math.log10(c), d) if d > 1 else np.ones(1)
    return q1 @ np.diag(s) @ q2


def ksg1_scipy(x, y, k=3):
    n = len(x)
    z = np.hstack([x, y])
    eps = cKDTree(z).query(z, k + 1, p=np.inf)[0][:, k]
    tx, ty = cKDTree(x), cKDTree(y)
    nx = np.array([len(p) - 1 for p in tx.query_ball_point(x, np.nextafter(eps, 0), p=np.inf)])
    ny = np.array([len(p) - 1 for p in ty.query_ball_point(y, np.nextafter(eps, 0), p=np.inf)])
    return digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/mibatch")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--dims", default="2,5,10")
    parser.add_argument("--conds", default="1,10,1000")
    parser.add_argument("--truths", default="0,1,2,3")
    args = parser.parse_args()
    dims = [int(s) for s in args.dims.split(",")]
    conds = [float(s) for s in args.conds.split(",")]
    truths = [float(s) for s in args.truths.split(",")]
    rows, lnc_cost = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for d in dims:
            kl = 2 * d + 1
            alpha = None if 2 * d in TABLE_DIMENSIONS and kl <= 20 else lnc_alpha_mc(kl, 2 * d)
            columns = [
                ("KSG", []),
                ("whiten", ["--normalization", "whiten"]),
                (f"whiten k=kL", ["--normalization", "whiten", "--k", str(kl)]),
                ("whiten+LNC", ["--normalization", "whiten", "--k", str(kl), "--ksg-correction", "lnc"]
                 + ([] if alpha is None else ["--lnc-alpha", f"{alpha:.6g}"])),
                ("robust", ["--normalization", "whiten-robust"]),
            ]
            for c in conds:
                for t in truths:
                    rho = math.sqrt(1 - math.exp(-2 * t / d))
                    rng = np.random.default_rng([d, int(c), int(10 * t)])
                    u = rng.standard_normal((args.n, d))
                    v = rho * u + math.sqrt(1 - rho * rho) * rng.standard_normal((args.n, d))
                    x, y = u @ conditioned(d, c, rng).T, v @ conditioned(d, c, rng).T
                    path = os.path.join(tmp, "in.h5")
                    with h5py.File(path, "w") as f:
                        f["/X"], f["/T"] = x, y
                    row = {"d": d, "cond": c, "truth": t, "kL": kl, "alpha": alpha}
                    times = {}
                    for label, options in columns:
                        out = os.path.join(tmp, "out.h5")
                        start = time.perf_counter()
                        subprocess.run([args.binary, "run", path, "--var", "/X", "--var", "/T", "--x-vars", "/X",
                                        "--y-vars", "/T", "-o", out, "--force", "--quiet", "--threads", "1", *options],
                                       check=True)
                        times[label] = time.perf_counter() - start
                        with h5py.File(out, "r") as f:
                            row[label] = float(f["mi"][0, 0])
                    row["scipy KSG-1"] = ksg1_scipy(x, y)
                    lnc_cost.setdefault(d, []).append(times["whiten+LNC"] - times["whiten k=kL"])
                    rows.append(row)
                    print(row, file=sys.stderr)
    labels = ["KSG", "whiten", "whiten k=kL", "whiten+LNC", "robust", "scipy KSG-1"]
    print("| d | cond | truth | kL | " + " | ".join(labels) + " |")
    print("|---|---|---|---|" + "---|" * len(labels))
    for r in rows:
        print(f"| {r['d']} | {r['cond']:g} | {r['truth']:.2f} | {r['kL']} | " + " | ".join(f"{r[l]:.3f}" for l in labels) + " |")
    print()
    print("| d | " + " | ".join(f"MAE {l}" for l in labels) + " | MAE truth > 0: whiten+LNC | whiten |")
    print("|---|" + "---|" * (len(labels) + 2))
    for d in dims:
        sel = [r for r in rows if r["d"] == d]
        pos = [r for r in sel if r["truth"] > 0]
        mae = lambda rs, l: np.mean([abs(r[l] - r["truth"]) for r in rs])
        print(f"| {d} | " + " | ".join(f"{mae(sel, l):.3f}" for l in labels)
              + f" | {mae(pos, 'whiten+LNC'):.3f} | {mae(pos, 'whiten'):.3f} |")
    print()
    for d in dims:
        a = [r["alpha"] for r in rows if r["d"] == d][0]
        print(f"d = {d}: kL = {2 * d + 1}, alpha = {'table' if a is None else f'{a:.4g} (Monte Carlo)'}, "
              f"LNC cost per pair (n = {args.n}, one thread): {np.median(lnc_cost[d]):.3f} s (median)")


if __name__ == "__main__":
    main()
