#!/usr/bin/env python3
"""Python peers for run.py (helper, not run by hand): one tool, one input, one process.

Usage: py_peers.py TOOL IN.h5 DATASET K THREADS OUT.npy OUT.json [--bins B]
  TOOL one of
    sklearn-ksg1    sklearn.feature_selection._mutual_info._compute_mi_cc(x, y, k) on every pair
                    i < j, pairs spread over THREADS loky worker processes (joblib, n_jobs =
                    THREADS, contiguous blocks of pairs; each worker single-threaded).
                    _compute_mi_cc is the KSG-1 core of mutual_info_regression WITHOUT its
                    scaling and noise (the public function scales X and adds noise; the core does
                    neither). It clamps negative estimates to 0 (return max(0, mi)).
    ennemi-ksg1     ennemi.pairwise_mi(data, k=k, preprocess=False, max_threads=THREADS):
                    no rescaling and no noise; ennemi's own ThreadPoolExecutor (cKDTree releases
                    the GIL).
    ennemi-ksg1-exactpsi
                    the same, with ennemi's approximate digamma _psi replaced by the exact
                    integer table psi(m) = -gamma + sum_{j<m} 1/j (correctness check only).
    sklearn-binned  sklearn.metrics.mutual_info_score(bx[:, i], bx[:, j]) on every pair of
                    pre-binned columns (--bins B equal-width bins from min to max, the max in
                    the last bin), THREADS loky workers as above.
  Writes the p x p matrix (NaN diagonal) to OUT.npy and {"compute_seconds": ...} to OUT.json;
  compute_seconds excludes interpreter start-up, imports and reading the input.
"""
import json
import math
import sys
import time

import h5py
import numpy as np


def pair_blocks(p, parts):
    pairs = [(i, j) for i in range(p) for j in range(i + 1, p)]
    size = max(1, math.ceil(len(pairs) / (parts * 8)))  # 8 blocks per worker: dynamic balance
    return [pairs[s:s + size] for s in range(0, len(pairs), size)]


def warm_up():
    import sklearn.feature_selection._mutual_info  # noqa: F401
    import sklearn.metrics  # noqa: F401
    return 0


def sklearn_block(data, block, k):
    from sklearn.feature_selection._mutual_info import _compute_mi_cc
    return [(i, j, _compute_mi_cc(data[:, i], data[:, j], k)) for i, j in block]


def binned_block(bins, block):
    from sklearn.metrics import mutual_info_score
    return [(i, j, mutual_info_score(bins[:, i], bins[:, j])) for i, j in block]


def bin_columns(data, b):
    """Equal-width bins from each column's min to its max; the max goes in the last bin."""
    lo = data.min(axis=0)
    hi = data.max(axis=0)
    idx = np.floor((data - lo) / (hi - lo) * b).astype(np.int64)
    return np.minimum(idx, b - 1)


def exact_psi_table(limit):
    t = np.empty(limit + 1)
    t[0] = np.inf
    t[1] = -0.57721566490153286060651209
    acc = t[1]
    for m in range(2, limit + 1):
        acc += 1.0 / (m - 1)
        t[m] = acc
    return t


def main():
    tool, path, dataset, k, threads, out_npy, out_json = sys.argv[1:8]
    k, threads = int(k), int(threads)
    bins = int(sys.argv[sys.argv.index("--bins") + 1]) if "--bins" in sys.argv else 10
    with h5py.File(path, "r") as f:
        data = np.ascontiguousarray(f[dataset][...], dtype=np.float64)
    n, p = data.shape
    result = np.full((p, p), np.nan)
    if tool.startswith("ennemi"):
        import ennemi
        if tool == "ennemi-ksg1-exactpsi":
            import ennemi._entropy_estimators as ee
            table = exact_psi_table(n + 1)
            ee._psi = lambda x: table[np.asarray(x, dtype=np.int64)]
        t0 = time.perf_counter()
        result = ennemi.pairwise_mi(data, k=k, preprocess=False, max_threads=threads)
        elapsed = time.perf_counter() - t0
    else:
        from joblib import Parallel, delayed
        # Start the loky workers (and their sklearn imports) before the clock starts.
        Parallel(n_jobs=threads, backend="loky")(delayed(warm_up)() for _ in range(threads))
        t0 = time.perf_counter()
        if tool == "sklearn-ksg1":
            jobs = (delayed(sklearn_block)(data, blk, k) for blk in pair_blocks(p, threads))
        elif tool == "sklearn-binned":
            b = bin_columns(data, bins)
            jobs = (delayed(binned_block)(b, blk) for blk in pair_blocks(p, threads))
        else:
            sys.exit(f"unknown tool {tool}")
        for chunk in Parallel(n_jobs=threads, backend="loky")(jobs):
            for i, j, v in chunk:
                result[i, j] = result[j, i] = v
        elapsed = time.perf_counter() - t0
    np.save(out_npy, np.asarray(result, dtype=np.float64))
    with open(out_json, "w") as f:
        json.dump({"compute_seconds": elapsed}, f)


if __name__ == "__main__":
    main()
