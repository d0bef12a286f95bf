#!/usr/bin/env python3
"""Inputs for the tied-vs-continuous speed benchmark (speed.py), deterministic (seeded).

Writes four HDF5 files, dataset /data, float64, samples x variables (one column per variable):
  tied_5000x48.h5    zero-inflated, single-cell-like: per gene a fraction f_j of the cells is
                     exactly 0 (f_j evenly spread over [0.62, 0.82], mean 0.72 as in a typical
                     gene of scanpy's 10x_pbmc68k_reduced), the others a continuous positive
                     log-normal-ish value log1p(exp(mu_j + 0.6 L_ij)) (L = latent level); cells
                     with a higher latent level drop out less (dropout = the f_j lowest of
                     L_ij + 0.5 noise), and 5 shared latent factors give correlated gene pairs.
  cont_5000x48.h5    continuous, same shape and the same factor model without dropout: every
                     column has n distinct values (checked).
  tied_700x765.h5, cont_700x765.h5   the same at n = 700, p = 765 (the scanpy file's shape).
Each file's /data has attributes: kind, seed, n, p, and for tied files the mean tie fraction.

Usage (from the repository root):
    python3 samples/benchmarks/ties/make_tied.py [--out samples/benchmarks/ties/data] [--seed 14]
The output folder is git-ignored (samples/benchmarks/ties/.gitignore); files are ~2-5 MB.
"""
import argparse
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = [(5000, 48), (700, 765)]


def latent(rng, n, p):
    factors = rng.standard_normal((n, 5))
    loadings = rng.normal(0.0, 0.8, (5, p)) * (rng.random((5, p)) < 0.4)
    lat = factors @ loadings + rng.standard_normal((n, p))
    return lat / lat.std(axis=0)


def tied(seed, n, p):
    rng = np.random.default_rng([seed, n, p, 1])
    lat = latent(rng, n, p)
    mu = rng.uniform(-0.5, 1.0, p)
    expr = np.log1p(np.exp(mu + 0.6 * lat))
    frac = np.linspace(0.62, 0.82, p)[rng.permutation(p)]
    score = lat + 0.5 * rng.standard_normal((n, p))
    out = expr.copy()
    for j in range(p):
        drop = np.argsort(score[:, j], kind="stable")[: int(round(frac[j] * n))]
        out[drop, j] = 0.0
    return out


def continuous(seed, n, p):
    rng = np.random.default_rng([seed, n, p, 2])
    lat = latent(rng, n, p)
    mu = rng.uniform(-0.5, 1.0, p)
    out = np.log1p(np.exp(mu + 0.6 * lat))
    for j in range(p):
        if np.unique(out[:, j]).size != n:
            raise SystemExit(f"tie in continuous column {j} (n={n}, p={p}); change --seed")
    return out


def write(path, data, kind, seed):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", data=data)
        n, p = data.shape
        d.attrs.update({"kind": kind, "seed": seed, "n": n, "p": p})
        if kind == "tied":
            shared = [np.unique(data[:, j], return_counts=True)[1].max() / n for j in range(p)]
            d.attrs["mean_fraction_sharing_one_value"] = float(np.mean(shared))


def paths(out, n, p):
    return os.path.join(out, f"tied_{n}x{p}.h5"), os.path.join(out, f"cont_{n}x{p}.h5")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for n, p in SHAPES:
        tp, cp = paths(args.out, n, p)
        t = tied(args.seed, n, p)
        write(tp, t, "tied", args.seed)
        write(cp, continuous(args.seed, n, p), "continuous", args.seed)
        shared = np.mean([np.unique(t[:, j], return_counts=True)[1].max() / n for j in range(p)])
        print(f"{tp}: {n} x {p}, mean fraction of cells sharing one value per gene {shared:.3f}")
        print(f"{cp}: {n} x {p}, no ties")


if __name__ == "__main__":
    main()
