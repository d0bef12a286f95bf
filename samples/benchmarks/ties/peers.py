"""Peers for the ties study (shared by study.py, accuracy.py, speed.py; not run by itself).

parmigene is installed the way samples/benchmarks/peers/run.py does it (ensure_parmigene):
Debian apt r-base-core + r-cran-parmigene when apt has a candidate, else CRAN's source package
when cloud.r-project.org is reachable, else it is skipped with a note.
"""
import os
import shutil
import subprocess
import tempfile
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def parmigene_ok():
    return shutil.which("Rscript") is not None and sh(["Rscript", "-e", "library(parmigene)"]).returncode == 0


def ensure_parmigene(notes, install=True):
    """Same steps as samples/benchmarks/peers/run.py: ensure_parmigene."""
    if parmigene_ok():
        return True
    if not install:
        notes.append("parmigene not installed (--no-install): skipped")
        return False
    if shutil.which("apt-cache") and shutil.which("apt-get"):
        pol = sh(["apt-cache", "policy", "r-cran-parmigene"]).stdout
        if "Candidate:" in pol and "Candidate: (none)" not in pol:
            print("installing with apt-get: r-base-core r-cran-parmigene", flush=True)
            r = sh(["apt-get", "install", "-y", "r-base-core", "r-cran-parmigene"],
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            if r.returncode != 0:
                notes.append(f"apt-get install r-cran-parmigene failed: {r.stderr.strip()[-300:]}")
            if parmigene_ok():
                return True
        else:
            notes.append("r-cran-parmigene has no apt candidate (try apt-get update)")
    if shutil.which("R"):
        try:
            urllib.request.urlopen("https://cloud.r-project.org/", timeout=10)
            reachable = True
        except Exception as e:  # noqa: BLE001 - any failure means unreachable
            reachable = False
            notes.append(f"CRAN not reachable ({e})")
        if reachable:
            print("installing parmigene from CRAN (source)", flush=True)
            sh(["R", "-e", 'install.packages("parmigene", repos="https://cloud.r-project.org")'])
            if parmigene_ok():
                return True
    notes.append("parmigene unavailable: skipped")
    return False


def parmigene_version():
    return sh(["Rscript", "-e", "cat(as.character(packageVersion('parmigene')))"]).stdout.strip()


def parmigene_pairs(pairs, k=3):
    """knnmi(x, y, k, noise=0) and knnmi(x, y, k) (default noise) for each (x, y) in pairs.
    Returns an array (len(pairs), 2). One R process for all pairs."""
    n = pairs[0][0].size
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.f64"), os.path.join(tmp, "out.f64")
        np.concatenate([np.concatenate([x, y]) for x, y in pairs]).astype("<f8").tofile(inp)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        r = sh(["Rscript", os.path.join(HERE, "parmigene_pairs.R"), inp, str(len(pairs)), str(n), str(k), out], env=env)
        if r.returncode != 0:
            raise RuntimeError(f"parmigene_pairs.R failed: {r.stderr[-500:]}")
        return np.fromfile(out, dtype="<f8").reshape(len(pairs), 2)


def sklearn_naive(x, y, k, seed):
    """What a user types: mutual_info_regression on the raw columns (its own 1e-10 noise)."""
    from sklearn.feature_selection import mutual_info_regression
    return float(mutual_info_regression(x[:, None], y, n_neighbors=k, random_state=seed)[0])


def sklearn_best(x, y, kinds, k, seed):
    """The best configuration scikit-learn offers for the pair's kinds (see families.Family):
    discrete X + continuous Y: mutual_info_regression(discrete_features=True) (Ross 2014);
    continuous X + discrete Y: mutual_info_classif (Ross); both discrete: mutual_info_classif
    (discrete_features=True) = plug-in mutual_info_score; otherwise (mixtures, rounded,
    continuous) there is nothing better than the naive call. Returns (value, label)."""
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
    kx, ky = kinds
    if kx == "d" and ky == "d":
        return float(mutual_info_classif(x[:, None], y.astype(int), discrete_features=True, random_state=seed)[0]), "plug-in"
    if kx == "d" and ky == "c":
        return float(mutual_info_regression(x[:, None], y, discrete_features=True, n_neighbors=k, random_state=seed)[0]), "Ross"
    if kx == "c" and ky == "d":
        return float(mutual_info_classif(x[:, None], y.astype(int), n_neighbors=k, random_state=seed)[0]), "Ross"
    return sklearn_naive(x, y, k, seed), "naive"
