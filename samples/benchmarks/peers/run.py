#!/usr/bin/env python3
"""mibatch against its peers, side by side: same data, same algorithm, same threads.

ONE command, from the repository root (release build first):

    swift build -c release && python3 samples/benchmarks/peers/run.py            # full grid
    swift build -c release && python3 samples/benchmarks/peers/run.py --quick    # ~1 minute, correctness

It installs the peers when missing (pip: numpy and h5py, which the driver itself needs, then
scikit-learn, ennemi, and for --tools mine torch's CPU build from
https://download.pytorch.org/whl/cpu, falling back to PyPI's torch, which on Linux x86-64 is the
CUDA build, several GB of nvidia-* wheels, run on the CPU all the same; Debian apt: r-base-core,
r-cran-parmigene; if apt has no parmigene, CRAN's source package when cloud.r-project.org is
reachable; every install and its duration goes in the notes; a peer that still cannot be
imported is skipped with a note), generates the inputs, runs every peer and mibatch on the same
data with the same thread count (--threads, default 2), and prints and writes a markdown table:
tool, n, p, k, wall seconds, peak memory, ratio to mibatch and max |difference| from mibatch's
matrix. It runs in a fresh virtual environment too (python3 -m venv ENV && ENV/bin/python
samples/benchmarks/peers/run.py ...): numpy is imported only after the installs.
Outputs go to samples/benchmarks/peers/results/ (results-full.md/.json, timing-full.svg;
results-quick.* for --quick).

Tools (--tools, default all): mibatch, parmigene, sklearn, ennemi, binned, mine.

Same algorithm, same answer (read from the peers' sources; see RESULTS.md):
  * parmigene knnmi.all(mat, k, noise = 0) is KSG-2 (Kraskov eq. 9: marginal counts <= the
    largest marginal distance among the k joint neighbours, self excluded; psi from the exact
    table psi[i] = psi[i-1] + 1/i). It takes one ROW per variable. It cannot switch off its own
    normalize(): each variable becomes (x - mean) / sd(n - 1), then minus its minimum. So R gets
    the raw Gaussian data, and every other tool gets parmigene_normalize(raw) computed here with
    the same floating-point operations in the same order (sequential sums), i.e. the very
    numbers parmigene computes on. mibatch runs with --normalization none.
  * scikit-learn _compute_mi_cc(x, y, k) (core of mutual_info_regression, without its scaling
    and noise) is KSG-1 (eq. 8): radius nextafter(eps, 0) with a <= query = strict < eps,
    scipy digamma; it clamps negative estimates to 0, so it is compared with max(mibatch, 0).
  * ennemi pairwise_mi(..., preprocess=False) is KSG-1 with counts <= eps - 1e-12 (an absolute
    shift standing in for strict <) and an asymptotic-series digamma (ennemi._psi, error up to
    1.2e-5 at psi(2)); an extra correctness run (n x pairs <= 2.5e7) with the exact digamma patched in isolates it.
  * binned: mibatch --estimator binned --bins B vs sklearn mutual_info_score on columns binned
    here (equal width from min to max, max in the last bin).
  * MINE (--tools mine): mibatch --estimator mine vs the PyTorch reference in
    samples/benchmarks/mine_vs_torch.py (same network, objective, batches, Adam, EMA-corrected
    gradient and reported value; see its docstring), ONE pair of d-dimensional variables X, T
    (--mine-n, --mine-d, true MI 2 nats), --mine-steps training steps (2,000 full, 300 with
    --quick), --mine-pairs independent pairs (3 full, 1 quick; data seed 1000 + i, training seed
    i), each tool given the same pairs. 1 thread each, whatever --threads says (as in
    mine_vs_torch.py: mibatch --threads 1, torch.set_num_threads(1) and OMP_NUM_THREADS=1). The
    table's p column reads "d = 5" (one pair, X and T in R^d), k is "–", wall / compute / peak
    are per pair (the best of the pairs; peak the largest): mibatch's wall is its whole process;
    PyTorch's wall is its whole process (interpreter, torch import, data generation, and an
    untimed 200-step warm-up training run: PyTorch's first training call in a process pays about
    1 s of one-off set-up, which a user training many pairs pays once) and its compute is the
    timed training call alone (mine_vs_torch.py's number); the ratio is torch compute /
    mibatch wall and torch wall / mibatch wall; CPU seconds per pair (torch: training call;
    mibatch: whole process) and their ratio are in the note and the JSON ("cpu", "ratio_cpu").
    "max abs diff" is |torch estimate - mibatch estimate| (largest over the pairs): MINE is
    stochastic (different random streams for init, batches and permutations), so the two agree
    only statistically, never to 1e-9 as KSG does (about 0.1 nats apart in our runs at n = 5,000,
    d = 5, truth 2 nats, after 300 and after 2,000 steps).

Threads: mibatch --threads T; parmigene OMP_NUM_THREADS=T; ennemi max_threads=T (its own
thread pool); scikit-learn pairs spread over T joblib/loky worker processes (each
single-threaded). Wall seconds are whole processes (start-up and I/O included); "compute s" is
the time inside the peer's call alone; ratios use the peer's compute time against mibatch's whole
process, which favours the peers. Runs shorter than 10 s are repeated (at most 3 runs in total)
and the fastest kept, for every tool alike. A peer whose predicted time (scaled from its
finished run nearest in n by pairs x n log n) exceeds --budget seconds is skipped, and a run
past 2 x budget is killed; both are reported.

Timing discipline: with --wait-quiet M (default 50 in full mode) the run first polls the 1-minute
load average every minute until it is below 1.0, for at most M minutes, then runs anyway. Every
row records the CPU used by other processes during that run ("other load", in cores).
"""
import argparse
import datetime
import importlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

try:  # imported again in main() after ensure_python_peers(), so a fresh venv gets this far
    import numpy as np
except ImportError:
    np = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")

QUICK_KSG = [(1000, 20), (2000, 10)]
QUICK_BINNED = [(1000, 20)]
FULL_KSG = [(n, p) for n in (1000, 5000, 20000) for p in (20, 100, 400)]
FULL_BINNED = [(5000, 400)]
MINE_DIR = os.path.join(HERE, "..")  # samples/benchmarks: mine_vs_torch.py


# ----------------------------------------------------------------------------- installation

def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def pip_install(notes, pkgs, extra=()):
    """pip install into this interpreter's environment; the command and its duration go in the notes."""
    label = " ".join([*pkgs, *extra])
    print(f"installing with pip: {label}", flush=True)
    t0 = time.perf_counter()
    r = sh([sys.executable, "-m", "pip", "install", "--quiet", *pkgs, *extra])
    dt = time.perf_counter() - t0
    importlib.invalidate_caches()
    if r.returncode != 0:
        lines = [ln.strip() for ln in r.stderr.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("ERROR")] or lines[-1:]
        cause = next((ln[ln.index("Failed to establish"):] for ln in lines if "Failed to establish" in ln), "")
        why = " / ".join(([cause[:160]] if cause else []) + errors[-2:])[:400]
        notes.append(f"pip install {label} failed after {dt:.0f} s: {why}")
        return False
    notes.append(f"pip install {label}: {dt:.0f} s")
    print(f"  done in {dt:.0f} s", flush=True)
    return True


def importable(mod):
    try:
        __import__(mod)
        return True
    except ImportError:
        return False


def ensure_python_peers(notes, wanted):
    """numpy and h5py (the driver's own imports), then the Python peers the tools in `wanted` use."""
    need = [("numpy", "numpy"), ("h5py", "h5py")]
    if wanted & {"sklearn", "binned"}:
        need += [("sklearn", "scikit-learn"), ("joblib", "joblib")]
    if "ennemi" in wanted:
        need.append(("ennemi", "ennemi"))
    missing = [pkg for mod, pkg in need if not importable(mod)]
    if missing:
        pip_install(notes, missing)


def torch_ok():
    """`import torch` in a child process (the driver never loads torch: no extra threads or memory)."""
    return sh([sys.executable, "-c", "import torch"]).returncode == 0


def ensure_torch(notes, install):
    """torch for --tools mine: the CPU build (download.pytorch.org), else PyPI's torch, else skip."""
    if torch_ok():
        return True
    if install:
        if pip_install(notes, ["torch"], ["--index-url", "https://download.pytorch.org/whl/cpu"]) and torch_ok():
            return True
        if pip_install(notes, ["torch"]) and torch_ok():
            return True
    notes.append("torch unavailable: MINE comparison skipped")
    return False


def parmigene_ok():
    return shutil.which("Rscript") is not None and sh(["Rscript", "-e", "library(parmigene)"]).returncode == 0


def ensure_parmigene(notes):
    if parmigene_ok():
        return True
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
            notes.append("r-cran-parmigene has no apt candidate")
    if shutil.which("R"):
        try:
            urllib.request.urlopen("https://cloud.r-project.org/", timeout=10)
            reachable = True
        except Exception as e:  # noqa: BLE001 - any failure means unreachable
            reachable = False
            notes.append(f"CRAN not reachable ({e}); parmigene skipped")
        if reachable:
            print("installing parmigene from CRAN (source)", flush=True)
            sh(["R", "-e", 'install.packages("parmigene", repos="https://cloud.r-project.org")'])
            if parmigene_ok():
                return True
    notes.append("parmigene unavailable: skipped")
    return False


# ----------------------------------------------------------------------------- inputs

def parmigene_normalize(raw):
    """parmigene's normalize() (src/points.c), column by column, bit for bit.

    C:  m = sum_i x_i (sequential) / n;  s = sqrt(sum_i (x_i - m)*(x_i - m) (sequential) / (n-1));
        x_i = (x_i - m) / s;  l = min_i x_i;  x_i -= l.
    np.cumsum is a strictly sequential left-to-right sum, so its last element is the C loop's sum
    (x86-64 baseline: no FMA contraction, no reassociation without -ffast-math).
    """
    n = raw.shape[0]
    out = np.empty_like(raw)
    for j in range(raw.shape[1]):
        x = raw[:, j]
        m = np.cumsum(x)[-1] / n
        d = x - m
        s = math.sqrt(np.cumsum(d * d)[-1] / (n - 1))
        z = d / s
        out[:, j] = z - z.min()
    return out


def make_input(work, n, p, seed):
    """Correlated Gaussian columns (5 latent factors + noise), no ties. Returns (raw.f64, data.h5)."""
    import h5py
    rng = np.random.default_rng([seed, n, p])
    factors = rng.standard_normal((n, 5))
    loadings = rng.normal(0.0, 0.7, (5, p)) * (rng.random((5, p)) < 0.4)
    raw = factors @ loadings + rng.standard_normal((n, p))
    data = parmigene_normalize(raw)
    for j in range(p):
        if np.unique(data[:, j]).size != n or np.unique(raw[:, j]).size != n:
            sys.exit(f"tie in column {j} (n={n}, p={p}); change --seed")
    raw_path = os.path.join(work, f"raw_{n}_{p}.f64")
    h5_path = os.path.join(work, f"data_{n}_{p}.h5")
    raw.astype("<f8").tofile(raw_path)
    with h5py.File(h5_path, "w") as f:
        f["data"] = data
    return raw_path, h5_path


# ----------------------------------------------------------------------------- measurement

def cpu_busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / TICK


def session_rss(sid):
    """Sum of resident memory of every process in session sid (the run and all its children)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[3]) != sid:  # fields[3] = session id
                continue
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd, env, timeout):
    """Run cmd in its own session; return dict(wall, peak_bytes, cpu, other_load, rc, stderr)."""
    # /usr/bin/time -f %M: the max RSS of the tool's own process. (os.wait4 on a child forked from
    # this Python would report this Python's RSS: Linux keeps maxrss across fork + exec.)
    tfd, tpath = tempfile.mkstemp(suffix=".rss")
    os.close(tfd)
    cmd = ["/usr/bin/time", "-f", "%M", "-o", tpath, *cmd]
    busy0 = cpu_busy_seconds()
    t0 = time.perf_counter()
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errf, start_new_session=True)
    state = {"peak": 0, "killed": False}
    done = threading.Event()

    def sample():  # resident memory of the whole session, every 0.1 s; kill past the timeout
        while not done.wait(0.1):
            state["peak"] = max(state["peak"], session_rss(proc.pid))
            if time.perf_counter() - t0 > timeout and not state["killed"]:
                state["killed"] = True
                os.killpg(proc.pid, signal.SIGKILL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, rusage = os.wait4(proc.pid, 0)  # blocking: exact wall time
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    peak, killed = state["peak"], state["killed"]
    busy = cpu_busy_seconds() - busy0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if session_rss(proc.pid) > 0:  # leftovers of our own session (e.g. idle loky workers)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    own_cpu = rusage.ru_utime + rusage.ru_stime
    try:
        with open(tpath) as f:
            peak = max(peak, int(f.read().split()[-1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    os.remove(tpath)
    errf.seek(0)
    return {"wall": wall, "peak": peak, "cpu": own_cpu, "other_load": max(0.0, busy - own_cpu) / wall,
            "rc": proc.returncode, "killed": killed, "stderr": errf.read().decode(errors="replace")[-2000:]}


def best_of(fn, min_total=10.0, max_runs=3):
    """Repeat fn() while the runs so far took < min_total seconds (at most max_runs); keep the fastest."""
    runs = []
    while True:
        r = fn()
        runs.append(r)
        if r.get("failed") or len(runs) >= max_runs or sum(x["wall"] for x in runs) >= min_total:
            break
    best = min((x for x in runs if not x.get("failed")), key=lambda x: x["wall"], default=runs[-1])
    best["runs"] = len(runs)
    best["other_load"] = max(x["other_load"] for x in runs)
    return best


# ----------------------------------------------------------------------------- tools

def base_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["OMP_NUM_THREADS"] = str(threads)  # parmigene's OpenMP team; the Python peers set their own
    return env


def run_mibatch(args, h5, work, extra, timeout):
    import h5py
    out = os.path.join(work, "mibatch_out.h5")
    cmd = [args.binary, "run", h5, "--dataset", "/data", "-o", out, "--force", "--quiet",
           "--threads", str(args.threads), *extra]
    r = run_measured(cmd, base_env(args.threads), timeout)
    if r["rc"] != 0:
        r["failed"] = f"mibatch exit {r['rc']}: {r['stderr'][-300:]}"
        return r
    with h5py.File(out, "r") as f:
        r["matrix"] = f["mi"][...]
    r["compute"] = None
    return r


def run_parmigene(args, raw, work, n, p, timeout):
    out, tfile = os.path.join(work, "parmigene.f64"), os.path.join(work, "parmigene.time")
    cmd = ["Rscript", os.path.join(HERE, "parmigene_all.R"), raw, str(n), str(p), str(args.k), out, tfile]
    r = run_measured(cmd, base_env(args.threads), timeout)
    if r["rc"] != 0:
        r["failed"] = "killed (over 2 x budget)" if r["killed"] else f"Rscript exit {r['rc']}: {r['stderr'][-300:]}"
        return r
    r["matrix"] = np.fromfile(out, dtype="<f8").reshape(p, p)
    with open(tfile) as f:
        r["compute"] = float(f.read())
    return r


def run_python_peer(args, tool, h5, work, timeout):
    out, jfile = os.path.join(work, f"{tool}.npy"), os.path.join(work, f"{tool}.json")
    cmd = [sys.executable, os.path.join(HERE, "py_peers.py"), tool, h5, "/data", str(args.k),
           str(args.threads), out, jfile, "--bins", str(args.bins)]
    env = base_env(args.threads)
    env["OMP_NUM_THREADS"] = "1"
    r = run_measured(cmd, env, timeout)
    if r["rc"] != 0:
        r["failed"] = "killed (over 2 x budget)" if r["killed"] else f"{tool} exit {r['rc']}: {r['stderr'][-300:]}"
        return r
    r["matrix"] = np.load(out)
    with open(jfile) as f:
        r["compute"] = json.load(f)["compute_seconds"]
    return r


def mine_setup(args):
    """mine_vs_torch.py as a module, its settings for this run, and the same settings as argv."""
    if MINE_DIR not in sys.path:
        sys.path.insert(0, MINE_DIR)
    import mine_vs_torch as mvt
    argv = ["--n", str(args.mine_n), "--d", str(args.mine_d), "--steps", str(args.mine_steps), "--pairs", "1"]
    return mvt, mvt.parser().parse_args(argv), argv


def run_mine_mibatch(args, mvt, ma, pair, work, timeout):
    """mibatch --estimator mine --threads 1 on pair `pair` (mine_vs_torch.py's data and command)."""
    path, out = os.path.join(work, "mine_in.h5"), os.path.join(work, "mine_out.h5")
    mvt.write_input(path, *mvt.data(ma.n, ma.d, ma.mi, 1000 + pair))
    r = run_measured(mvt.mibatch_cmd(args.binary, path, out, ma, pair), base_env(1), timeout)
    if r["rc"] != 0:
        r["failed"] = "killed (over 2 x budget)" if r["killed"] else f"mibatch exit {r['rc']}: {r['stderr'][-300:]}"
        return r
    r["estimate"] = mvt.read_estimate(out)
    return r


def run_mine_torch(args, argv, pair, work, timeout):
    """mine_vs_torch.py, PyTorch only (1 thread), pair `pair`, in its own measured process."""
    jfile = os.path.join(work, "mine_torch.json")
    cmd = [sys.executable, os.path.join(MINE_DIR, "mine_vs_torch.py"), *argv, "--mibatch", "",
           "--first-pair", str(pair), "--json", jfile, "--warmup-steps", "200"]
    r = run_measured(cmd, base_env(1), timeout)
    if r["rc"] != 0:
        r["failed"] = "killed (over 2 x budget)" if r["killed"] else f"mine_vs_torch.py exit {r['rc']}: {r['stderr'][-300:]}"
        return r
    with open(jfile) as f:
        j = json.load(f)["torch"]
    r.update(compute=j["wall"][0], compute_cpu=j["cpu"][0], estimate=j["estimates"][0], version=j["version"])
    return r


def offdiag(m):
    return m[~np.eye(m.shape[0], dtype=bool)]


def predict(history, n, p):
    """Seconds predicted from the tool's finished run nearest in n (the largest n <= this n, and
    there the largest p), scaled by pairs x n log n. (Scaling up from the largest run overall
    overestimates the Python peers, whose per-pair cost at small n is mostly fixed overhead.)"""
    if not history:
        return None
    below = [h for h in history if h[0] <= n] or history
    n0 = max(h[0] for h in below)
    n0, p0, t0 = max((h for h in below if h[0] == n0), key=lambda h: h[1])
    pairs = lambda q: q * (q - 1) / 2  # noqa: E731
    return t0 * (pairs(p) / pairs(p0)) * (n * math.log(n)) / (n0 * math.log(n0))


# ----------------------------------------------------------------------------- report

def machine_info():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "python": platform.python_version()}


def versions(binary, torch=False):
    v = {}
    v["mibatch"] = sh([binary, "--version"]).stdout.strip() or sh([binary, "run", "--version"]).stdout.strip()
    v["mibatch git"] = sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = sh(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "Sources"]).stdout.strip()
    v["mibatch tree"] = "Sources modified (uncommitted)" if dirty else "clean"
    v["mibatch binary mtime"] = datetime.datetime.fromtimestamp(os.path.getmtime(binary)).isoformat(timespec="seconds")
    from importlib.metadata import PackageNotFoundError, version
    for dist in ("scikit-learn", "ennemi", "scipy", "numpy", "joblib", "h5py"):
        try:
            v[dist] = version(dist)
        except PackageNotFoundError:
            v[dist] = "missing"
    if torch:
        v["torch"] = sh([sys.executable, "-c", "import torch; print(torch.__version__)"]).stdout.strip() or "missing"
    if shutil.which("Rscript"):
        v["R"] = sh(["Rscript", "-e", "cat(R.version.string)"]).stdout.strip()
        v["parmigene"] = sh(["Rscript", "-e", "cat(as.character(packageVersion('parmigene')))"]).stdout.strip()
    return v


def fmt_t(x):
    return "–" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def fmt_d(x):
    return "–" if x is None else f"{x:.1e}"


def table(rows):
    head = ("| tool | algorithm | n | p | k | wall s | compute s | peak MiB | ratio to mibatch "
            "(compute / wall) | max abs diff vs mibatch | other load | note |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
    lines = []
    for r in rows:
        ratio = "–"
        if r.get("ratio_compute") is not None:
            ratio = f"{r['ratio_compute']:.1f}× / {r['ratio_wall']:.1f}×"
        peak = "–" if r.get("peak") is None else f"{r['peak'] / 2**20:.0f}"
        load = "–" if r.get("other_load") is None else f"{r['other_load']:.2f}"
        lines.append(f"| {r['tool']} | {r['algo']} | {r['n']:,} | {r['p']} | {r.get('k', '–')} | {fmt_t(r.get('wall'))} | "
                     f"{fmt_t(r.get('compute'))} | {peak} | {ratio} | {fmt_d(r.get('diff'))} | {load} | {r.get('note', '')} |")
    return head + "\n".join(lines) + "\n"


def growth_table(rows, startup=None):
    """mibatch seconds per pair against n at the largest p: is it ~ n log n?

    With startup (the wall time of a 1-pair run at n = 1,000: process start, HDF5 open/write),
    the per-pair cost is (wall - startup) / pairs."""
    out = []
    s0 = startup or 0.0
    for algo in ("KSG-2", "KSG-1"):
        pts = [r for r in rows if r["tool"] == "mibatch" and r["algo"] == algo and r.get("wall")]
        if not pts:
            continue
        pmax = max(r["p"] for r in pts)
        pts = sorted((r for r in pts if r["p"] == pmax), key=lambda r: r["n"])
        out.append(f"\nmibatch {algo}, p = {pmax} ({pmax * (pmax - 1) // 2:,} pairs): seconds per pair against n "
                   f"(per pair = (wall - {s0:.3f} s start-up) / pairs)\n\n"
                   "| n | wall s | µs per pair | ns per pair / (n log2 n) | exponent vs previous n |\n|---:|---:|---:|---:|---:|\n")
        prev = None
        for r in pts:
            per = max(r["wall"] - s0, 1e-9) / (pmax * (pmax - 1) / 2)
            norm = per / (r["n"] * math.log2(r["n"])) * 1e9
            expo = "–" if prev is None else f"{math.log(per / prev[1]) / math.log(r['n'] / prev[0]):.2f}"
            out.append(f"| {r['n']:,} | {fmt_t(r['wall'])} | {per * 1e6:.1f} | {norm:.3f} | {expo} |\n")
            prev = (r["n"], per)
    return "".join(out)


def svg_figure(rows, path):
    """Log-log time against p (n = 5,000) and against n (largest p), one line per tool."""
    tools = []
    for r in rows:
        key = f"{r['tool']} {r['algo']}"
        if r.get("wall") and r["algo"].startswith("KSG") and key not in tools:
            tools.append(key)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    W, H, M = 420, 300, 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H + 40}" font-family="sans-serif" font-size="11">']

    def panel(x0, title, xkey, fixed_key, fixed_val):
        pts = {t: sorted(((r[xkey], r.get("compute") or r["wall"]) for r in rows
                          if f"{r['tool']} {r['algo']}" == t and r.get("wall") and r[fixed_key] == fixed_val))
               for t in tools}
        xs = [x for v in pts.values() for x, _ in v]
        ys = [y for v in pts.values() for _, y in v]
        if not xs:
            return
        lx0, lx1 = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
        ly0, ly1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
        sx = lambda v: x0 + M + (math.log10(v) - lx0) / (lx1 - lx0) * (W - 1.5 * M)  # noqa: E731
        sy = lambda v: H - M + 20 - (math.log10(v) - ly0) / max(ly1 - ly0, 1) * (H - 1.5 * M)  # noqa: E731
        parts.append(f'<text x="{x0 + W / 2}" y="15" text-anchor="middle" font-size="13">{title}</text>')
        parts.append(f'<line x1="{x0 + M}" y1="{sy(10 ** ly0)}" x2="{x0 + W - M / 2}" y2="{sy(10 ** ly0)}" stroke="black"/>')
        parts.append(f'<line x1="{x0 + M}" y1="{sy(10 ** ly0)}" x2="{x0 + M}" y2="{sy(10 ** ly1)}" stroke="black"/>')
        for e in range(ly0, ly1 + 1):
            parts.append(f'<text x="{x0 + M - 4}" y="{sy(10 ** e) + 4}" text-anchor="end">1e{e} s</text>')
            parts.append(f'<line x1="{x0 + M}" y1="{sy(10 ** e)}" x2="{x0 + W - M / 2}" y2="{sy(10 ** e)}" stroke="#ddd"/>')
        for v in sorted(set(xs)):
            parts.append(f'<text x="{sx(v)}" y="{sy(10 ** ly0) + 14}" text-anchor="middle">{v:,}</text>')
        parts.append(f'<text x="{x0 + W / 2}" y="{H + 10}" text-anchor="middle">{xkey} (log)</text>')
        for t, c in zip(tools, colors):
            v = pts[t]
            if not v:
                continue
            parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                         % (c, " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in v)))
            for x, y in v:
                parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{c}"/>')

    panel(0, "time vs p (n = 5,000)", "p", "n", 5000)
    # the p with the most sizes n measured (ties: the largest p)
    ksg = [r for r in rows if r["tool"] == "mibatch" and r["algo"].startswith("KSG") and r.get("wall")]
    pmax = max({r["p"] for r in ksg}, key=lambda q: (len({r["n"] for r in ksg if r["p"] == q}), q), default=None)
    if pmax:
        panel(W, f"time vs n (p = {pmax})", "n", "p", pmax)
    for i, (t, c) in enumerate(zip(tools, colors)):
        parts.append(f'<rect x="{10 + i * 140}" y="{H + 22}" width="10" height="10" fill="{c}"/>'
                     f'<text x="{24 + i * 140}" y="{H + 31}">{t}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def write_report(args, info, rows, checks, notes, final):
    mode = info["mode"]
    mine_rows = [r for r in rows if r["algo"] == "MINE"]
    load_start, quiet = info["load_at_start"], info["quiet_at_start"]
    info["finished"] = datetime.datetime.now().isoformat(timespec="seconds") if final else "(running)"
    info["load_at_end"] = os.getloadavg()
    info["notes"] = notes
    os.makedirs(args.out, exist_ok=True)
    md = [f"# mibatch vs peers ({mode})\n",
          f"Command: `{info['command']}`  \nStarted {info['started']}, finished {info['finished']}.  \n",
          f"Machine: {info['machine']['nproc']} × {info['machine']['cpu']}, Linux {info['machine']['kernel']}.  \n",
          f"Load average at start {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f} "
          f"({'quiet' if quiet else 'NOT quiet'}); at end {info['load_at_end'][0]:.2f}.  \n",
          "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".  \n",
          f"Threads {args.threads} for every tool{' (MINE: 1 thread each)' if mine_rows else ''}; "
          f"k = {args.k}; budget {args.budget:.0f} s per peer run. "
          f"mibatch start-up (one pair, n = 1,000): {info.get('mibatch_startup') or 0:.3f} s.\n",
          "\n" + table(rows), growth_table(rows, info.get("mibatch_startup"))]
    if mine_rows:
        md.append("\nMINE rows: one pair of variables X, T in R^d (the p column), samples/benchmarks/mine_vs_torch.py's "
                  "data, settings and PyTorch reference; seconds per pair, best of the pairs; 1 thread each. mibatch wall "
                  "= its whole process; PyTorch wall = its whole process (interpreter, torch import, data), compute = "
                  "the training call. Ratio = torch compute / mibatch wall and torch wall / mibatch wall (CPU ratio in "
                  "the note). \"max abs diff\" = |torch estimate − mibatch estimate|: MINE is stochastic (different "
                  "random streams), so the estimates agree statistically, not to 1e-9.\n")
    if notes:
        md.append("\nNotes: " + "; ".join(notes) + "\n")
    text = "".join(md)
    with open(os.path.join(args.out, f"results-{mode}.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, f"results-{mode}.json"), "w") as f:
        json.dump({"info": info, "rows": rows, "checks": checks}, f, indent=1)
    if final and not args.quick:
        svg_figure(rows, os.path.join(args.out, f"timing-{mode}.svg"))
    return text


# ----------------------------------------------------------------------------- main

def wait_quiet(minutes):
    deadline = time.time() + minutes * 60
    while True:
        load = os.getloadavg()
        if load[0] < 1.0:
            print(f"load average {load[0]:.2f}: quiet", flush=True)
            return load, True
        if time.time() >= deadline:
            print(f"load average {load[0]:.2f} after waiting {minutes} min: running anyway", flush=True)
            return load, False
        print(f"{datetime.datetime.now():%H:%M:%S} load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}: waiting", flush=True)
        time.sleep(60)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes only (correctness in about a minute)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--budget", type=float, default=300.0, help="seconds per peer run (predicted); killed at 2x")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "mibatch"))
    ap.add_argument("--wait-quiet", type=float, default=None, metavar="MINUTES",
                    help="wait up to MINUTES for load average < 1.0 (default: 50 full, 0 quick)")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--tools", default="mibatch,parmigene,sklearn,ennemi,binned,mine")
    ap.add_argument("--mine-steps", type=int, help="MINE training steps (default 2000 full, 300 quick)")
    ap.add_argument("--mine-pairs", type=int, help="MINE pairs, best of (default 3 full, 1 quick)")
    ap.add_argument("--mine-n", type=int, default=5000)
    ap.add_argument("--mine-d", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--ksg-sizes", help="override, e.g. 1000x20,5000x100")
    ap.add_argument("--binned-sizes", help="override, e.g. 5000x400")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    wanted = set(args.tools.split(","))
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no mibatch binary at {args.binary}: swift build -c release")

    if args.mine_steps is None:
        args.mine_steps = 300 if args.quick else 2000
    if args.mine_pairs is None:
        args.mine_pairs = 1 if args.quick else 3

    global np
    notes = []
    if not args.no_install:
        ensure_python_peers(notes, wanted)
    try:
        import numpy as np
    except ImportError:
        sys.exit("numpy missing and not installed (see the notes): " + "; ".join(notes))
    have_torch = "mine" in wanted and ensure_torch(notes, not args.no_install)
    have_parmigene = ("parmigene" in wanted) and (parmigene_ok() if args.no_install else ensure_parmigene(notes))
    if "parmigene" in wanted and not have_parmigene and "parmigene unavailable: skipped" not in notes:
        notes.append("parmigene unavailable: skipped")

    wait = args.wait_quiet if args.wait_quiet is not None else (0 if args.quick else 50)
    load_start, quiet = wait_quiet(wait) if wait > 0 else (os.getloadavg(), os.getloadavg()[0] < 1.0)
    started = datetime.datetime.now()
    info = {"mode": mode, "started": started.isoformat(timespec="seconds"), "machine": machine_info(),
            "load_at_start": load_start, "quiet_at_start": quiet, "versions": versions(args.binary, "mine" in wanted),
            "threads": args.threads, "k": args.k, "bins": args.bins, "budget": args.budget,
            "command": " ".join([os.path.relpath(sys.argv[0], ROOT) if sys.argv[0].startswith("/") else sys.argv[0], *sys.argv[1:]])}
    print(json.dumps(info, indent=1), flush=True)

    rows, history, checks = [], {}, []
    parse = lambda spec: [tuple(int(v) for v in item.split("x")) for item in spec.split(",") if item]  # noqa: E731
    ksg_sizes = parse(args.ksg_sizes) if args.ksg_sizes is not None else (QUICK_KSG if args.quick else FULL_KSG)
    binned_sizes = parse(args.binned_sizes) if args.binned_sizes is not None else (QUICK_BINNED if args.quick else FULL_BINNED)
    timeout = 2 * args.budget
    with tempfile.TemporaryDirectory(prefix="mibatch-peers-") as work:
        def emit(row):
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
            write_report(args, info, rows, checks, notes, final=False)

        def peer(tool, algo, n, p, fn, ref, compare=None, note=""):
            pred = predict(history.get(tool, []), n, p)
            if pred is not None and pred > args.budget:
                emit({"tool": tool, "algo": algo, "n": n, "p": p, "k": args.k,
                      "note": f"skipped: predicted {pred:.0f} s > budget {args.budget:.0f} s"})
                return None
            r = best_of(fn)
            row = {"tool": tool, "algo": algo, "n": n, "p": p, "k": args.k if algo.startswith("KSG") else "–",
                   "runs": r.get("runs"), "other_load": r["other_load"], "note": note}
            if r.get("failed"):
                row["note"] = r["failed"]
                if r.get("killed"):  # counts as a 2 x budget run, so larger sizes are predicted over budget
                    history.setdefault(tool, []).append((n, p, timeout))
                emit(row)
                return None
            row.update(wall=r["wall"], compute=r["compute"], peak=r["peak"])
            history.setdefault(tool, []).append((n, p, r["compute"] or r["wall"]))
            if ref is not None:
                row["ratio_compute"] = (r["compute"] or r["wall"]) / ref["wall"]
                row["ratio_wall"] = r["wall"] / ref["wall"]
                a, b = offdiag(r["matrix"]), offdiag(ref["matrix"])
                if compare:
                    row.update(compare(a, b))
                else:
                    row["diff"] = float(np.max(np.abs(a - b)))
            emit(row)
            return r

        def mib(algo, n, p, h5, extra):
            r = best_of(lambda: run_mibatch(args, h5, work, extra, timeout))
            row = {"tool": "mibatch", "algo": algo, "n": n, "p": p, "k": args.k if algo.startswith("KSG") else "–",
                   "runs": r.get("runs"), "other_load": r["other_load"]}
            if r.get("failed"):
                row["note"] = r["failed"]
                emit(row)
                return None
            size = n * p * 8 + p * p * 8
            row.update(wall=r["wall"], peak=r["peak"],
                       note=f"input+matrix {size / 2**20:.1f} MiB; peak/(that) {r['peak'] / size:.1f}×")
            emit(row)
            return r

        def sklearn_cmp(a, b):
            clamped = b < 0
            return {"diff": float(np.max(np.abs(a - np.maximum(b, 0.0)))),
                    "note": f"vs max(mibatch, 0): sklearn clamps; {int(clamped.sum()) // 2} of {a.size // 2} pairs < 0"}

        if "mibatch" in wanted:
            raw, h5 = make_input(work, 1000, 2, args.seed)
            r = best_of(lambda: run_mibatch(args, h5, work, ["--ksg-algorithm", "2", "--normalization", "none"], timeout))
            if not r.get("failed"):
                info["mibatch_startup"] = r["wall"]
                print(f"mibatch start-up (n = 1,000, p = 2, one pair): {r['wall']:.3f} s", flush=True)

        for n, p in ksg_sizes:
            raw, h5 = make_input(work, n, p, args.seed)
            common = ["--k", str(args.k), "--normalization", "none"]
            m2 = m1 = None
            if "mibatch" in wanted or "parmigene" in wanted:
                m2 = mib("KSG-2", n, p, h5, ["--ksg-algorithm", "2", *common])
            if have_parmigene and m2:
                peer("parmigene", "KSG-2", n, p, lambda: run_parmigene(args, raw, work, n, p, timeout), m2,
                     note=f"OMP_NUM_THREADS={args.threads}")
            if wanted & {"sklearn", "ennemi", "mibatch"}:
                m1 = mib("KSG-1", n, p, h5, ["--ksg-algorithm", "1", *common])
            if "sklearn" in wanted and m1:
                peer("scikit-learn", "KSG-1", n, p, lambda: run_python_peer(args, "sklearn-ksg1", h5, work, timeout), m1,
                     compare=sklearn_cmp)
            if "ennemi" in wanted and m1:
                e = peer("ennemi", "KSG-1", n, p, lambda: run_python_peer(args, "ennemi-ksg1", h5, work, timeout), m1,
                         note="ennemi's approximate psi")
                # Correctness only (untimed in the ratios): ennemi with the exact integer digamma.
                if e is not None and n * p * (p - 1) / 2 <= 2.5e7:
                    x = run_python_peer(args, "ennemi-ksg1-exactpsi", h5, work, timeout)
                    if not x.get("failed"):
                        d = float(np.max(np.abs(offdiag(x["matrix"]) - offdiag(m1["matrix"]))))
                        d_psi = float(np.max(np.abs(offdiag(x["matrix"]) - offdiag(e["matrix"]))))
                        checks.append({"n": n, "p": p, "ennemi_exactpsi_vs_mibatch": d, "ennemi_psi_effect": d_psi})
                        emit({"tool": "ennemi, exact psi", "algo": "KSG-1", "n": n, "p": p, "k": args.k, "diff": d,
                              "note": f"correctness run (ennemi._psi replaced); approx-psi effect {d_psi:.1e}"})
            for path in (raw, h5):
                os.remove(path)

        if "binned" in wanted:
            for n, p in binned_sizes:
                raw, h5 = make_input(work, n, p, args.seed)
                mb = mib("binned", n, p, h5, ["--estimator", "binned", "--bins", str(args.bins)])
                if mb:
                    peer("scikit-learn loop", "binned", n, p,
                         lambda: run_python_peer(args, "sklearn-binned", h5, work, timeout), mb,
                         note=f"mutual_info_score on pre-binned columns, {args.bins} bins")
                for path in (raw, h5):
                    os.remove(path)

        if have_torch:
            mvt, ma, argv = mine_setup(args)
            mr, tr = [], []
            for pair in range(args.mine_pairs):  # interleaved, so both tools see the same load
                mr.append(run_mine_mibatch(args, mvt, ma, pair, work, timeout))
                tr.append(run_mine_torch(args, argv, pair, work, timeout))
            d, steps, base = args.mine_d, args.mine_steps, f"{args.mine_steps:,} steps, 1 thread"
            common = {"algo": "MINE", "n": args.mine_n, "p": f"d = {d}", "d": d, "k": "–", "steps": steps,
                      "runs": args.mine_pairs, "truth": ma.mi}
            fails = [r["failed"] for r in mr + tr if r.get("failed")]
            if fails:
                emit({"tool": "mibatch / PyTorch", **common, "note": f"{base}; failed: {fails[0]}"})
            else:
                mrow = {"tool": "mibatch", **common, "other_load": max(r["other_load"] for r in mr),
                        "wall": min(r["wall"] for r in mr), "peak": max(r["peak"] for r in mr),
                        "cpu": min(r["cpu"] for r in mr), "estimates": [r["estimate"] for r in mr]}
                mrow["estimate"] = sum(mrow["estimates"]) / len(mrow["estimates"])
                trow = {"tool": f"PyTorch {tr[0]['version']}", **common, "other_load": max(r["other_load"] for r in tr),
                        "wall": min(r["wall"] for r in tr), "compute": min(r["compute"] for r in tr),
                        "peak": max(r["peak"] for r in tr), "cpu": min(r["compute_cpu"] for r in tr),
                        "cpu_process": min(r["cpu"] for r in tr), "estimates": [r["estimate"] for r in tr]}
                trow["estimate"] = sum(trow["estimates"]) / len(trow["estimates"])
                trow["ratio_compute"] = trow["compute"] / mrow["wall"]
                trow["ratio_wall"] = trow["wall"] / mrow["wall"]
                trow["ratio_cpu"] = trow["cpu"] / mrow["cpu"]
                trow["diff"] = max(abs(a["estimate"] - b["estimate"]) for a, b in zip(tr, mr))
                ests = lambda row: ", ".join(f"{e:.3f}" for e in row["estimates"])  # noqa: E731
                mrow["note"] = (f"{base}; CPU {mrow['cpu']:.3f} s/pair (whole process); "
                                f"estimate {ests(mrow)} nats (truth {ma.mi:g})")
                trow["note"] = (f"{base} (mine_vs_torch.py); CPU {trow['cpu']:.3f} s/pair (training call), ratio "
                                f"{trow['ratio_cpu']:.1f}× CPU; estimate {ests(trow)} nats; MINE is stochastic: "
                                "estimates agree statistically, not to 1e-9")
                emit(mrow)
                emit(trow)

    text = write_report(args, info, rows, checks, notes, final=True)
    print("\n" + text)


if __name__ == "__main__":
    main()
