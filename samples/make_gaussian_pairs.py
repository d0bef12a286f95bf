#!/usr/bin/env python3
"""Generate samples/gaussian-pairs.h5: a small input with a known answer.

n = 2,000 samples of 12 variables forming 6 pairs (a_m, b_m) of standard bivariate
Gaussians with correlation rho_m; different pairs are independent. The analytic mutual
information of a pair is -1/2 log(1 - rho^2) nats, and 0 across pairs.

Datasets written:
  /data   float64 (2000, 12)   samples x variables, attribute `names`
  /truth  float64 (12, 12)     analytic MI in nats (NaN on the diagonal)
  /rho    float64 (6,)         the correlations

Rerun (needs numpy and h5py; output is byte-for-byte reproducible up to HDF5 metadata):
  python3 samples/make_gaussian_pairs.py samples/gaussian-pairs.h5
"""
import sys

import h5py
import numpy as np

RHOS = [0.0, 0.2, 0.4, 0.6, 0.8, 0.9]
N = 2000
SEED = 20261129


def main(path: str) -> None:
    rng = np.random.default_rng(SEED)
    p = 2 * len(RHOS)
    data = np.empty((N, p))
    truth = np.zeros((p, p))
    names = []
    for m, rho in enumerate(RHOS):
        a = rng.standard_normal(N)
        b = rho * a + np.sqrt(1 - rho * rho) * rng.standard_normal(N)
        data[:, 2 * m] = a
        data[:, 2 * m + 1] = b
        mi = -0.5 * np.log(1 - rho * rho)
        truth[2 * m, 2 * m + 1] = truth[2 * m + 1, 2 * m] = mi
        names += [f"pair{m}_a", f"pair{m}_b"]
    np.fill_diagonal(truth, np.nan)
    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", data=data)
        d.attrs["names"] = np.array(names, dtype=h5py.string_dtype())
        d.attrs["description"] = "6 independent bivariate Gaussian pairs, correlations in /rho"
        t = f.create_dataset("truth", data=truth)
        t.attrs["units"] = "nats"
        t.attrs["formula"] = "-0.5*log(1-rho^2) within a pair, 0 across pairs"
        f.create_dataset("rho", data=np.array(RHOS))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/gaussian-pairs.h5")
