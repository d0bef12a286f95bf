#!/usr/bin/env python3
"""mibatch on tied, zero-inflated, rounded and discrete families with exact MI (issue 14).

The same families, seeds and data as study.py (families.py). For each seed one HDF5 file
holds every family's pair as two adjacent columns of /data (samples x 2·families, float64);
    mibatch run FILE --dataset /data -o OUT --force --quiet [--threads T] [--extra ...]
runs once per seed and entry (2i, 2i+1) of /mi is family i's estimate. The peers run on the
same pairs: scikit-learn mutual_info_regression as a user calls it (sk naive) and its best
configuration (sk best; see peers.sklearn_best), parmigene knnmi(x, y, k = 3) with its default
noise (pg def). Prints and writes the markdown table of study.py (mean error ± sd over seeds;
summary rows: worst pair, pairs off by > 0.03, smallest estimate on truth-0 pairs — the
acceptance tests of issue 14 ask for every pair within 0.03 and none below -0.03).

Usage (release build first; from the repository root):
    swift build -c release
    python3 samples/benchmarks/ties/accuracy.py                              # today's defaults
    python3 samples/benchmarks/ties/accuracy.py --extra "--ties jitter"      # any mibatch options
    python3 samples/benchmarks/ties/accuracy.py --quick --no-peers           # 7 families, 2 seeds
    python3 samples/benchmarks/ties/accuracy.py --prejitter 0.1 --extra "--ksg-algorithm 1"
        # resolution-scaled jitter done here, then today's engine: must match study.py's K1 F=0.1
Options: --mibatch PATH (default .build/release/mibatch under the repository root), --seeds 5,
--n 5000, --threads 2, --label TEXT (column name for mibatch), --out FILE (default
accuracy.md here; accuracy-quick.md with --quick).
"""
import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# the repository root: samples/benchmarks/ties -> three folders up (checked by the Package.swift there)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
if not os.path.exists(os.path.join(ROOT, "Package.swift")):
    raise SystemExit(f"{ROOT} has no Package.swift: run this script from its place in the repository")
sys.path.insert(0, HERE)

import estimators as E  # noqa: E402
import families as FAM  # noqa: E402
import peers as P  # noqa: E402
from study import table  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mibatch", default=os.path.join(ROOT, ".build", "release", "mibatch"))
    ap.add_argument("--extra", default="", help='extra mibatch arguments, one string, e.g. "--ties jitter"')
    ap.add_argument("--label", default=None, help="column name for mibatch (default: mibatch + extra args)")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--k", type=int, default=3, help="k for the peers (mibatch: its default unless --extra sets --k)")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="7 families, 2 seeds")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--prejitter", type=float, default=None, metavar="F",
                    help="jitter tied columns here (uniform +-F*resolution/2, study.py's draws) before mibatch reads them; "
                         "peers still get the raw data")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.quick:
        args.seeds = min(args.seeds, 2)
    out_path = args.out or os.path.join(HERE, "accuracy-quick.md" if args.quick else "accuracy.md")
    binary = os.path.abspath(args.mibatch)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"no mibatch binary at {binary} (swift build -c release)")
    extra = shlex.split(args.extra)
    label = args.label or ("mibatch " + (args.extra or "(defaults)")
                           + (f" on data pre-jittered F={args.prejitter}" if args.prejitter is not None else ""))
    notes = []
    have_pg = (not args.no_peers) and P.ensure_parmigene(notes, install=not args.no_install)
    fams = FAM.families(quick=args.quick)
    results = {f.name: {label: [], "sk naive": [], "sk best": [], "pg def": []} for f in fams}
    t0 = time.time()
    mib_time = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            pairs = [FAM.sample(f, seed, args.n) for f in fams]
            cols_in = [c for xy in pairs for c in xy]
            if args.prejitter is not None:
                # the very draws study.py uses for its K1/K2 F columns: x stream 0, y stream 1
                cols_in = [E.jitter(c, args.prejitter, np.random.default_rng([seed, j % 2, 1414]))
                           for j, c in enumerate(cols_in)]
            data = np.column_stack(cols_in)
            inp, out = os.path.join(tmp, f"in-{seed}.h5"), os.path.join(tmp, "out.h5")
            with h5py.File(inp, "w") as fh:
                fh["data"] = data
            cmd = [binary, "run", inp, "--dataset", "/data", "-o", out, "--force", "--quiet",
                   "--threads", str(args.threads), *extra]
            t1 = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            mib_time += time.time() - t1
            if r.returncode != 0:
                raise SystemExit(f"mibatch failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
            with h5py.File(out, "r") as fh:
                mi = fh["mi"][...]
            for i, f in enumerate(fams):
                results[f.name][label].append(float(mi[2 * i, 2 * i + 1]))
                if not args.no_peers:
                    x, y = pairs[i]
                    results[f.name]["sk naive"].append(P.sklearn_naive(x, y, args.k, seed))
                    results[f.name]["sk best"].append(P.sklearn_best(x, y, f.kinds, args.k, seed)[0])
            if have_pg:
                pg = P.parmigene_pairs(pairs, args.k)
                for i, f in enumerate(fams):
                    results[f.name]["pg def"].append(float(pg[i, 1]))
            print(f"seed {seed} done ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    for f in fams:
        for c in ("sk naive", "sk best", "pg def"):
            if not results[f.name][c]:
                results[f.name][c] = [float("nan")] * args.seeds
    cols = [label] + ([] if args.no_peers else ["sk naive", "sk best"] + (["pg def"] if have_pg else []))
    cmd = "python3 samples/benchmarks/ties/accuracy.py" + "".join(" " + shlex.quote(a) for a in sys.argv[1:])
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# mibatch on tied / zero-inflated / discrete families (issue 14)",
        "",
        f"Command: `{cmd}`  ",
        f"Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores (shared); binary {binary} (repository HEAD {commit}); "
        f"mibatch wall time {mib_time:.0f} s for {args.seeds} runs of {2 * len(fams)} columns.  ",
        f"n = {args.n}, {args.seeds} seeds; cells: mean error (estimate − truth) ± sd over seeds, nats. Families and truths: "
        "families.py (the same data as study.py). sk naive = `mutual_info_regression(x, y)`; sk best = scikit-learn's best "
        "configuration (discrete_features / mutual_info_classif where a side is discrete); pg def = parmigene "
        "`knnmi(x, y, k=3)` (default noise 1e-12). scikit-learn clamps at 0.",
        "",
    ]
    lines += table(fams, results, cols, f"{label}")
    if notes:
        lines += ["", "Notes: " + "; ".join(notes)]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(out_path, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
