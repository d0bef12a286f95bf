#!/usr/bin/env python3
"""Ties study: which tie handling should mibatch's KSG default use? (issue 14)

Reference numpy/scipy implementations (estimators.py; correct, not fast) of
  * mixed   — the mixed KSG of Gao, Kannan, Oh, Viswanath (NeurIPS 2017) as specified for
              mibatch (psi(n); k-th NN distance 0 -> counts of identical values), on the
              global-linf-normalized raw data;
  * strat   — a research variant (not in the paper; estimators.stratified_mixed) that keeps
              atoms out of the continuous points' neighbour searches and marginal counts;
  * hybrid  — research variant (estimators.hybrid): jitter (F = 0.1) for discrete-like tied
              variables, atoms kept for mixed (zero-inflated) ones, then strat;
  * K1 F / K2 F — KSG-1 / KSG-2 (Kraskov eq. 8 / 9) after seeded jitter: every variable that
              has ties gets uniform noise in +-(F * resolution / 2) before normalization,
              resolution = smallest gap between its distinct values; the same uniform draws
              u (per seed and variable) for every F, so the columns differ by F alone;
              F in {0.01, 0.1, 0.5, 1.0};
and the peers
  * sk naive — scikit-learn mutual_info_regression(x, y) as a user would call it (it scales
              by sd and adds its own 1e-10 noise; clamps at 0);
  * sk best  — the best configuration scikit-learn offers for the pair (discrete_features /
              mutual_info_classif where a side is discrete; the naive call otherwise);
  * pg 0 / pg def — parmigene knnmi(x, y, k) (KSG-2) with noise = 0 and with its default
              noise 1e-12 (skipped with a note if parmigene cannot be installed).
All at k = 3, n = 5,000 (--n), over --seeds seeds; families and exact truths: families.py.

Usage (from the repository root; installs nothing but parmigene, via apt/CRAN as
samples/benchmarks/peers/run.py does, unless --no-install):
    pip install numpy scipy scikit-learn h5py
    python3 samples/benchmarks/ties/study.py                # full: 31 families x 5 seeds, ~1-3 min on 2 cores
    python3 samples/benchmarks/ties/study.py --quick        # 7 families, 2 seeds, ~1 min
Writes samples/benchmarks/ties/study.md (or --out) and prints the same markdown.
"""
import argparse
import datetime
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import estimators as E  # noqa: E402
import families as FAM  # noqa: E402
import peers as P  # noqa: E402

FS = (0.01, 0.1, 0.5, 1.0)
OURS = ["mixed", "strat", "hybrid"] + [f"K1 F={F}" for F in FS] + [f"K2 F={F}" for F in FS]
PEERS = ["sk naive", "sk best", "pg 0", "pg def"]


def ours(x, y, k, seed):
    xn0, yn0 = E.global_linf(x), E.global_linf(y)
    out = {"mixed": E.mixed_ksg(xn0, yn0, k), "strat": E.stratified_mixed(xn0, yn0, k)}
    ux = np.random.default_rng([seed, 0, 1414]).uniform(-1.0, 1.0, x.size)
    uy = np.random.default_rng([seed, 1, 1414]).uniform(-1.0, 1.0, y.size)
    rx, ry = E.resolution(x), E.resolution(y)
    tx, ty = E.has_ties(x), E.has_ties(y)
    out["hybrid"] = E.hybrid(x, y, k, 0.1, ux, uy)
    for F in FS:
        xj = x + (F * rx / 2) * ux if (tx and rx) else x
        yj = y + (F * ry / 2) * uy if (ty and ry) else y
        xn, yn = E.global_linf(xj), E.global_linf(yj)
        out[f"K1 F={F}"] = E.ksg1(xn, yn, k)
        out[f"K2 F={F}"] = E.ksg2(xn, yn, k)
    return out


def cell(errs):
    e = np.asarray(errs)
    if e.size == 0 or np.isnan(e).all():
        return "–"
    sd = e.std(ddof=1) if e.size > 1 else float("nan")
    return f"{e.mean():+.3f} ± {sd:.3f}"


def table(fams, results, cols, title):
    lines = [f"### {title}", "", "| family | truth | " + " | ".join(cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for f in fams:
        cells = [cell([v - f.truth for v in results[f.name][c]]) for c in cols]
        lines.append(f"| {f.name} | {f.truth:.4f} | " + " | ".join(cells) + " |")
    # summaries over every (family, seed) pair
    def worst(c, sel):
        errs = [v - f.truth for f in fams if sel(f) for v in results[f.name][c] if not np.isnan(v)]
        return max(abs(e) for e in errs) if errs else float("nan")
    for label, sel in [("max abs error, all pairs", lambda f: True),
                       ("… zero-inflated only", lambda f: f.group == "zero-inflated"),
                       ("… discrete & rounded only", lambda f: f.group in ("discrete X, continuous Y", "discrete-discrete", "rounded Gaussian")),
                       ("… continuous control only", lambda f: f.group == "continuous control")]:
        lines.append(f"| **{label}** | | " + " | ".join(f"{worst(c, sel):.3f}" for c in cols) + " |")
    n_bad = [sum(1 for f in fams for v in results[f.name][c] if not np.isnan(v) and abs(v - f.truth) > 0.03) for c in cols]
    total = sum(len(results[f.name][cols[0]]) for f in fams)
    lines.append(f"| **pairs off by > 0.03 (of {total})** | | " + " | ".join(str(b) for b in n_bad) + " |")
    mins = []
    for c in cols:
        vals = [v for f in fams if f.truth == 0 for v in results[f.name][c] if not np.isnan(v)]
        mins.append(f"{min(vals):+.3f}" if vals else "–")
    lines.append("| **min estimate, truth-0 pairs** | | " + " | ".join(mins) + " |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="7 families, 2 seeds")
    ap.add_argument("--no-install", action="store_true", help="do not install parmigene")
    ap.add_argument("--no-parmigene", action="store_true")
    ap.add_argument("--out", default=None, help="markdown output (default study.md, study-quick.md with --quick)")
    args = ap.parse_args()
    if args.quick:
        args.seeds = min(args.seeds, 2)
    out_path = args.out or os.path.join(HERE, "study-quick.md" if args.quick else "study.md")
    notes = []
    have_pg = (not args.no_parmigene) and P.ensure_parmigene(notes, install=not args.no_install)
    if args.no_parmigene:
        notes.append("parmigene skipped (--no-parmigene)")
    fams = FAM.families(quick=args.quick)
    t0 = time.time()
    results = {}
    for f in fams:
        res = {c: [] for c in OURS + PEERS}
        pairs = []
        for seed in range(args.seeds):
            x, y = FAM.sample(f, seed, args.n)
            pairs.append((x, y))
            for c, v in ours(x, y, args.k, seed).items():
                res[c].append(v)
            res["sk naive"].append(P.sklearn_naive(x, y, args.k, seed))
            v, how = P.sklearn_best(x, y, f.kinds, args.k, seed)
            res["sk best"].append(v)
        res["_sk_best_how"] = how
        if have_pg:
            pg = P.parmigene_pairs(pairs, args.k)
            res["pg 0"], res["pg def"] = list(pg[:, 0]), list(pg[:, 1])
        else:
            res["pg 0"] = res["pg def"] = [float("nan")] * args.seeds
        results[f.name] = res
        print(f"{f.name}: done ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    elapsed = time.time() - t0

    cmd = "python3 samples/benchmarks/ties/study.py" + "".join(f" {a}" for a in sys.argv[1:])
    load = os.getloadavg()
    versions = []
    import scipy
    import sklearn
    versions.append(f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}")
    if have_pg:
        versions.append(f"parmigene {P.parmigene_version()}")
    lines = [
        "# Ties study: tie handling for mibatch's KSG default (issue 14)",
        "",
        f"Command: `{cmd}` (from the repository root)  ",
        f"Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores (shared), Python {platform.python_version()}, {'; '.join(versions)}; "
        f"run time {elapsed / 60:.1f} min (load average at the end {load[0]:.1f}).  ",
        f"n = {args.n}, k = {args.k}, {args.seeds} seeds per family. Cells: mean error (estimate − truth) ± sd over the seeds, nats.",
        "",
        "Columns: **mixed** = Gao et al. 2017 mixed KSG (spec of issue 14, ψ(n)); **K1/K2 F** = KSG-1 / KSG-2 after",
        "jitter of ±F·resolution/2 on every tied variable (before global-linf normalization);",
        "**strat** = research variant, not in the paper (estimators.stratified_mixed): values occurring more than once are",
        "atoms; k-NN radius searched only within the point's stratum (same atom values), continuous marginals counted only",
        "among continuous points; both-atom points use Gao's ρ = 0 rule; **hybrid** = research variant: discrete-like tied",
        "variables (fewer than 5% of samples holding a unique value) get the jitter with F = 0.1, mixed ones (zero-inflated)",
        "keep their atoms, then strat (so KSG-1 where nothing is tied);",
        "**sk naive** = `mutual_info_regression(x, y)`; **sk best** = scikit-learn's best configuration",
        "(discrete_features=True / mutual_info_classif where a side is discrete: Ross 2014 for disc-m*, plug-in",
        "mutual_info_score for dd-*; the naive call elsewhere); **pg 0 / pg def** = parmigene `knnmi(x, y, k=3)` with",
        "noise = 0 / its default noise = 1e-12. scikit-learn clamps negative estimates to 0.",
        "",
    ]
    lines += table(fams, results, ["mixed", "strat", "hybrid"] + [f"K1 F={F}" for F in FS], "mibatch candidates (reference implementations): mixed KSG, research variants, KSG-1 + jitter")
    lines += [""]
    lines += table(fams, results, ["mixed"] + [f"K2 F={F}" for F in FS], "KSG-2 + jitter (today's default algorithm)")
    lines += [""]
    lines += table(fams, results, PEERS, "Peers")
    if notes:
        lines += ["", "Notes: " + "; ".join(notes)]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(out_path, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
