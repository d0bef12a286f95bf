#!/usr/bin/env python3
"""Speed on tied data (issue 14): mibatch on a tied vs a continuous input of the same shape,
and parmigene knnmi.all on the tied input.

For each shape (default 5000x48 and 700x765; inputs from make_tied.py, generated here when
missing) it times
    mibatch run IN --dataset /data -o OUT --threads T --force --quiet [--extra ...]
on tied_NxP.h5 and cont_NxP.h5 (wall time of the whole process, best of --repeats, default 3),
and parmigene knnmi.all(mat, k = 3) (its default noise) on the tied input with
OMP_NUM_THREADS = T, timed inside R around the call alone (samples/benchmarks/peers/
parmigene_all.R, as peers/run.py does; one run, or --pg-repeats). It prints markdown: the wall
times, tied/continuous for mibatch, parmigene compute / mibatch wall on the tied input, and the
median and minimum of mibatch's off-diagonal MI on each input (a sanity check: negative MI
means the tie handling is wrong). The 1-minute load average before each run is recorded: the
machine is shared, so compare only numbers taken under similar load.

Usage (from anywhere; the repository root is three folders up, where Package.swift is):
    swift build -c release
    python3 samples/benchmarks/ties/speed.py [--mibatch .build/release/mibatch] [--threads 2]
        [--extra "--ties jitter"] [--shapes 5000x48,700x765] [--no-parmigene] [--out FILE.md]
        [--prejitter F]   # jitter the tied input here first (emulates resolution-scaled jitter)
parmigene is installed when missing (apt r-cran-parmigene or CRAN; see peers.py), unless
--no-install. A parmigene run longer than --pg-timeout seconds (default 900) is killed.
"""
import argparse
import datetime
import os
import platform
import resource
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

import make_tied  # noqa: E402
import peers as P  # noqa: E402


def env(threads):
    e = dict(os.environ)
    for v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        e[v] = "1"
    e["OMP_NUM_THREADS"] = str(threads)
    return e


def prejittered(inp, work, F, seed):
    """A copy of INP whose tied columns got resolution-scaled jitter here (estimators.jitter:
    uniform in +-F*resolution/2, per (seed, column)): emulates the planned --ties jitter on a
    binary that does not have it (today's --jitter is scaled to the spread, not the resolution)."""
    import estimators as E
    with h5py.File(inp, "r") as f:
        data = f["data"][...]
    for j in range(data.shape[1]):
        data[:, j] = E.jitter(data[:, j], F, np.random.default_rng([seed, j, 1414]))
    path = os.path.join(work, f"prejittered-{os.path.basename(inp)}")
    with h5py.File(path, "w") as f:
        f["data"] = data
    return path


def time_mibatch(binary, inp, out, threads, extra, repeats):
    cmd = [binary, "run", inp, "--dataset", "/data", "-o", out, "--threads", str(threads), "--force", "--quiet", *extra]
    walls, cpus, loads = [], [], []
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env(threads))
        walls.append(time.perf_counter() - t0)
        u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(u1.ru_utime - u0.ru_utime + u1.ru_stime - u0.ru_stime)
        if r.returncode != 0:
            raise SystemExit(f"mibatch failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    with h5py.File(out, "r") as f:
        mi = f["mi"][...]
    off = mi[~np.eye(mi.shape[0], dtype=bool)]
    return min(walls), walls, max(loads), float(np.median(off)), float(off.min()), min(cpus)


def time_parmigene(inp, work, threads, k, timeout, repeats):
    with h5py.File(inp, "r") as f:
        data = f["data"][...]
    n, p = data.shape
    raw = os.path.join(work, "raw.f64")
    np.ascontiguousarray(data, dtype="<f8").tofile(raw)   # row-major n x p, what parmigene_all.R reads
    script = os.path.join(ROOT, "samples", "benchmarks", "peers", "parmigene_all.R")
    # parmigene_all.R passes noise = 0; the default noise (1e-12) is what a user gets, so run a
    # copy of the call with the default.
    src = open(script).read().replace("knnmi.all(mat, k = k, noise = 0)", "knnmi.all(mat, k = k)")
    if "knnmi.all(mat, k = k)" not in src:
        raise SystemExit(f"{script}: unexpected content (no knnmi.all(mat, k = k, noise = 0) call)")
    local = os.path.join(work, "parmigene_all_default_noise.R")
    with open(local, "w") as fh:
        fh.write(src)
    out, tfile = os.path.join(work, "pg.f64"), os.path.join(work, "pg.time")
    best, walls, load = None, [], 0.0
    for _ in range(repeats):
        load = max(load, os.getloadavg()[0])
        t0 = time.perf_counter()
        try:
            r = subprocess.run(["Rscript", local, raw, str(n), str(p), str(k), out, tfile],
                               capture_output=True, text=True, env=env(threads), timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"killed after {timeout} s", load
        walls.append(time.perf_counter() - t0)
        if r.returncode != 0:
            return None, f"Rscript failed: {r.stderr[-300:]}", load
        c = float(open(tfile).read())
        best = c if best is None else min(best, c)
    return best, walls, load


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mibatch", default=os.path.join(ROOT, ".build", "release", "mibatch"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=3, help="parmigene's k (mibatch uses its own default unless --extra says)")
    ap.add_argument("--extra", default="", help='extra mibatch arguments, one string, e.g. "--ties jitter"')
    ap.add_argument("--shapes", default="5000x48,700x765")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pg-repeats", type=int, default=1)
    ap.add_argument("--pg-timeout", type=float, default=900)
    ap.add_argument("--data", default=os.path.join(HERE, "data"), help="folder of make_tied.py's files")
    ap.add_argument("--no-parmigene", action="store_true")
    ap.add_argument("--prejitter", type=float, default=None, metavar="F",
                    help="jitter the tied input here (uniform +-F*resolution/2 per tied column) before mibatch reads it")
    ap.add_argument("--seed", type=int, default=0, help="seed of --prejitter")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--out", default=None, help="also write the markdown here")
    ap.add_argument("--note", default="", help="a line added under the header (e.g. which commit the binary was built from)")
    args = ap.parse_args()
    extra = shlex.split(args.extra)
    binary = os.path.abspath(args.mibatch)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"no mibatch binary at {binary} (swift build -c release)")
    shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
    need = [s for s in shapes if not all(os.path.exists(pth) for pth in make_tied.paths(args.data, *s))]
    if need:
        subprocess.run([sys.executable, os.path.join(HERE, "make_tied.py"), "--out", args.data], check=True)
    notes = []
    have_pg = (not args.no_parmigene) and P.ensure_parmigene(notes, install=not args.no_install)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "out.h5")
        for n, p in shapes:
            tp, cp = make_tied.paths(args.data, n, p)
            tp_m = prejittered(tp, work, args.prejitter, args.seed) if args.prejitter else tp
            t = time_mibatch(binary, tp_m, out, args.threads, extra, args.repeats)
            print(f"mibatch tied {n}x{p}: {t[1]}", file=sys.stderr, flush=True)
            c = time_mibatch(binary, cp, out, args.threads, extra, args.repeats)
            print(f"mibatch cont {n}x{p}: {c[1]}", file=sys.stderr, flush=True)
            pg = (None, "skipped", 0.0)
            if have_pg:
                pg = time_parmigene(tp, work, args.threads, args.k, args.pg_timeout, args.pg_repeats)
                print(f"parmigene tied {n}x{p}: {pg[0]} ({pg[1]})", file=sys.stderr, flush=True)
            rows.append((n, p, t, c, pg))
    cmd = "python3 samples/benchmarks/ties/speed.py" + "".join(" " + shlex.quote(a) for a in sys.argv[1:])
    lines = [
        "# Tied vs continuous input: mibatch and parmigene",
        "",
        f"Command: `{cmd}`  ",
        f"Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other sessions); mibatch {version or '?'} (repository HEAD {commit}), "
        f"extra arguments: `{args.extra or '(none)'}`; threads {args.threads}"
        + (f"; tied input pre-jittered in Python (±{args.prejitter}·resolution/2, seed {args.seed}) for mibatch only" if args.prejitter else "")
        + (f"; parmigene {P.parmigene_version()} (knnmi.all, k = {args.k}, default noise, OMP_NUM_THREADS = {args.threads})" if have_pg else "")
        + ".  ",
        f"mibatch: wall seconds of the whole process, best of {args.repeats}; parmigene: seconds inside knnmi.all "
        f"(best of {args.pg_repeats}); CPU s = user + system seconds of the mibatch process (least of the runs), "
        f"steadier than wall time on a shared machine. Inputs from make_tied.py (tied: ~72% of cells share one value per gene).",
        "",
        *([args.note, ""] if args.note else []),
        "| n × p | mibatch tied s | mibatch continuous s | tied / continuous | CPU s tied / continuous (ratio) | parmigene tied s | parmigene / mibatch (tied) | MI median / min, tied | MI median / min, continuous | max load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, p, t, c, pg in rows:
        pgs = f"{pg[0]:.2f}" if pg[0] is not None else str(pg[1])
        ratio = f"{pg[0] / t[0]:.2f}" if pg[0] is not None else "–"
        lines.append(f"| {n} × {p} | {t[0]:.2f} | {c[0]:.2f} | {t[0] / c[0]:.2f} | {t[5]:.1f} / {c[5]:.1f} ({t[5] / c[5]:.1f}) | {pgs} | {ratio} | "
                     f"{t[3]:+.3f} / {t[4]:+.3f} | {c[3]:+.3f} / {c[4]:+.3f} | {max(t[2], c[2], pg[2]):.1f} |")
    lines.append("")
    lines.append("All mibatch runs (s): " + "; ".join(
        f"{n}×{p} tied {', '.join(f'{w:.2f}' for w in t[1])}, continuous {', '.join(f'{w:.2f}' for w in c[1])}" for n, p, t, c, _ in rows))
    if notes:
        lines += ["", "Notes: " + "; ".join(notes)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
