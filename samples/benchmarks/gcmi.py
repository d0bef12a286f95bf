#!/usr/bin/env python3
"""Gaussian-copula MI (`--estimator gcmi`) against frites 0.4.6, side by side in one run.

1. Agreement in bits, max |difference| < --tolerance (1e-10) or exit status 1: every pair of
   50 scalar variables (mixtures through exp, cubes, tanh, squares, sines, heavy tails) against
   frites.core.gcmi_1d.gcmi_1d_cc; every pair of six 3-D, one 2-D and one 1-D --var datasets
   against gcmi_1d_cc and, with --bias-correction none, against mi_1d_gg(copnorm_nd(x),
   copnorm_nd(y), biascorrect=False, demeaned=True). No ties in the inputs: mibatch breaks
   ties at random (seeded), frites in argsort order, and only there would the two differ.
2. All pairs at n x p = 2,000 x 2,000: mibatch (whole process, best of --repeats; also with
   --compression none) against frites' nd functions, one vectorized call per row i over the
   columns j > i: copnorm_nd once then mi_nd_gg(x_i broadcast, C[i+1:], demeaned=True) (what
   gcmi_nd_cc does after its copnorm, the fastest route through frites' API), and gcmi_nd_cc
   (copnorm in every call); and numpy by hand (copnorm_nd, one C Cᵀ product; not frites' API).
   A route stops after --frites-budget s and is extrapolated by pairs (said so in the table);
   every row computed is compared with mibatch's matrix. "other load" = cores other processes
   used meanwhile (/proc/stat): timings taken beside other work are slower.
3. --genome-scale: all pairs of p = 20,000, n = 2,000: the whole process (with the compressed
   output), peak RSS (/usr/bin/time -v), mibatch's timing line, `mibatch plan`'s estimated
   peak, --spot-check random pairs against gcmi_1d_cc.

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/gcmi.py [--genome-scale]
      [--genome-input FILE.h5 (dataset /X, samples x variables; default: generated)]
      [--mibatch .build/release/mibatch] [--threads 2] [--frites-budget 120]
"""
import argparse, os, re, subprocess, sys, tempfile, time

import frites
import h5py
import numpy as np
from frites.core.copnorm import copnorm_nd
from frites.core.gcmi_1d import gcmi_1d_cc, mi_1d_gg
from frites.core.gcmi_nd import gcmi_nd_cc, mi_nd_gg
from scipy.special import psi

LN2 = np.log(2)


def run(command):
    """Runs command under /usr/bin/time -v: (wall s, peak RSS MiB, mibatch's timing line, OpenBLAS core, CPU s)."""
    env = dict(os.environ, OPENBLAS_VERBOSE="2")
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    text = result.stdout + result.stderr  # the summary goes to stdout when it is not a terminal
    line = next((l.strip() for l in text.splitlines() if " samples, " in l and "peak memory" in l), "?")
    core = re.search(r"Core: (\S+)", text)
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", result.stderr).group(1)) for kind in ("User", "System"))
    return wall, rss, line, core.group(1) if core else "?", cpu


def counters():
    """(busy CPU s of the whole machine, CPU s of this process and its children, wall s)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK"), sum(os.times()[:4]), time.perf_counter()


def since(before):
    """(wall s, own CPU s, cores used by other processes) since counters() gave before."""
    busy, own, wall = (b - a for a, b in zip(before, counters()))
    return wall, own, max(busy - own, 0) / wall


def write(file, **datasets):
    with h5py.File(file, "w") as f:
        for name, value in datasets.items():
            f[name] = value


def without_ties(columns):
    x = np.column_stack(columns)
    assert all(len(np.unique(c)) == len(c) for c in x.T), "tied values: frites and mibatch break ties differently"
    return x


def scalar_set(n, rng):
    """50 variables: 10 latent normals, each with 4 dependent, transformed companions."""
    z = rng.standard_normal((n, 11))
    e = lambda: rng.standard_normal(n)
    columns = []
    for k, a in enumerate((0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.6, 0.4, 0.2)):
        columns += [z[:, k],
                    np.exp(a * z[:, k] + np.sqrt(1 - a * a) * e()),          # monotone of a mixture
                    (z[:, k] + 0.5 * z[:, k + 1] + e()) ** 3,                 # cube, two latents
                    np.tanh(2 * z[:, k + 1] + a * e()) + 0.3 * (z[:, k] + 0.2 * e()) ** 2,
                    rng.standard_t(3, n) + np.sin(3 * z[:, k]) + a * z[:, k + 1]]
    return without_ties(columns)


def multi_set(n, rng):
    """Six 3-D datasets, one 2-D, one 1-D (name -> (n, d))."""
    e = lambda d=3: rng.standard_normal((n, d))
    a0 = e()
    m = a0 @ rng.standard_normal((3, 3)) + e()
    a1 = np.column_stack([np.exp(m[:, 0] / 2), m[:, 1] ** 3, m[:, 2]])
    a2 = e()
    a3 = np.arcsinh(0.5 * a1[:, ::-1] + a2 + e())
    a4 = rng.standard_t(4, (n, 3)) + 0.3 * a0
    a5 = np.column_stack([a0[:, 0] ** 2, np.sin(a0[:, 1]), a2[:, 2] ** 3]) + 0.5 * e()
    b = np.column_stack([np.exp(a2[:, 0] + e(1)[:, 0]), a3[:, 1] - a4[:, 2]])
    s = a0.sum(axis=1) + e(1)[:, 0]
    data = dict(A0=a0, A1=a1, A2=a2, A3=a3, A4=a4, A5=a5, B=b, S=s)
    for value in data.values():
        without_ties(value.reshape(n, -1).T.tolist())
    return data


def max_diff(mi, reference):
    """Largest |mi[i, j] - reference(i, j)| over i < j."""
    p = len(mi)
    return max(abs(mi[i, j] - reference(i, j)) for i in range(p) for j in range(i + 1, p))


def frites_rows(route, p, budget):
    """Rows i = 0, 1, ... of the upper triangle by route(i), until budget s have passed."""
    start, rows = time.perf_counter(), []
    for i in range(p - 1):
        rows.append(route(i))
        if time.perf_counter() - start > budget:
            break
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mibatch", default=".build/release/mibatch")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--variables", type=int, default=2000, help="p of the speed comparison")
    parser.add_argument("--repeats", type=int, default=3, help="mibatch runs of the speed comparison (best taken)")
    parser.add_argument("--frites-budget", type=float, default=120, help="seconds per frites route before extrapolating")
    parser.add_argument("--tolerance", type=float, default=1e-10)
    parser.add_argument("--genome-scale", action="store_true", help="also all pairs of p = 20,000 (about 2 min)")
    parser.add_argument("--genome-variables", type=int, default=20000)
    parser.add_argument("--genome-input", help="existing HDF5 with dataset /X (samples x variables)")
    parser.add_argument("--spot-check", type=int, default=200, help="genome-scale pairs checked against frites")
    args = parser.parse_args()
    n, p, mib = args.samples, args.variables, args.mibatch
    gcmi = ["--estimator", "gcmi", "--threads", str(args.threads), "--force"]
    rng = np.random.default_rng(2017)
    agreement, speed, genome = [], [], []
    try:
        import threadpoolctl
        numpy_blas = ", ".join(f"{i['internal_api']} {i['version']} ({i['architecture']})" for i in threadpoolctl.threadpool_info())
    except ImportError:
        numpy_blas = "?"

    with tempfile.TemporaryDirectory() as work:
        path = lambda name: os.path.join(work, name)
        # 1. Agreement.
        x = scalar_set(n, rng)
        write(path("scalar.h5"), X=x)
        core = run([mib, "run", path("scalar.h5"), "--dataset", "X", "-o", path("scalar-mi.h5"), "--units", "bits"] + gcmi)[3]
        mi = h5py.File(path("scalar-mi.h5"))["mi"][:]
        agreement.append((f"scalar, n = {n}, p = {x.shape[1]}", x.shape[1] * (x.shape[1] - 1) // 2, "gcmi_1d_cc(x, y)",
                          max_diff(mi, lambda i, j: gcmi_1d_cc(x[:, i], x[:, j]))))
        data = multi_set(n, rng)
        write(path("multi.h5"), **data)
        names = list(data)
        dims = "/".join(str(data[k].reshape(n, -1).shape[1]) for k in names)
        var = [a for k in names for a in ("--var", "/" + k)]
        cop = {k: copnorm_nd(data[k].reshape(n, -1).T, axis=1) for k in names}
        for bias, frites_call, reference in [
                ("gaussian", "gcmi_1d_cc(x.T, y.T)",
                 lambda i, j: gcmi_1d_cc(data[names[i]].reshape(n, -1).T, data[names[j]].reshape(n, -1).T)),
                ("none", "mi_1d_gg(copnorm_nd(x.T), copnorm_nd(y.T), biascorrect=False, demeaned=True)",
                 lambda i, j: mi_1d_gg(cop[names[i]], cop[names[j]], biascorrect=False, demeaned=True))]:
            out = path(f"multi-{bias}.h5")
            run([mib, "run", path("multi.h5")] + var + ["-o", out, "--units", "bits", "--bias-correction", bias] + gcmi)
            mi = h5py.File(out)["mi"][:]
            agreement.append((f"d = {dims} ({len(names)} --var), --bias-correction {bias}", len(names) * (len(names) - 1) // 2,
                              frites_call, max_diff(mi, reference)))

        # 2. Speed, all pairs of n x p.
        x = rng.standard_normal((n, p))
        for j in range(0, p - 1, 10):
            x[:, j + 1] = 0.5 * x[:, j] + np.sqrt(0.75) * x[:, j + 1]
        x[:, 2::3] = np.exp(x[:, 2::3])
        write(path("speed.h5"), X=x)
        before = counters()
        runs = [run([mib, "run", path("speed.h5"), "--dataset", "X", "-o", path("speed-mi.h5"), "--units", "bits"] + gcmi)
                for _ in range(args.repeats)]
        (ours, rss, line, _, ours_cpu), speed_load = min(runs), since(before)[2]
        mi = h5py.File(path("speed-mi.h5"))["mi"][:]
        pairs = p * (p - 1) // 2
        speed.append((f"mibatch `--estimator gcmi` (whole process, {args.threads} threads, best of {args.repeats}: "
                      + ", ".join(f"{r[0]:.2f}" for r in runs) + " s)", ours, ours_cpu, f"{line}; peak RSS {rss:.0f} MiB"))
        before = counters()
        bare = min(run([mib, "run", path("speed.h5"), "--dataset", "X", "-o", path("bare.h5"), "--compression", "none"] + gcmi)
                   for _ in range(args.repeats))
        speed.append(("the same, `--compression none` (output written uncompressed)", bare[0], bare[4],
                      f"{bare[2]}; other load {since(before)[2]:.2f}"))
        before = counters()
        c = copnorm_nd(x.T, axis=-1)
        copnorm = since(before)
        c3, xt = c[:, None, :], np.ascontiguousarray(x.T)
        routes = [
            ("frites: copnorm_nd once, then mi_nd_gg per row", True,
             lambda i: mi_nd_gg(np.broadcast_to(c3[i], c3[i + 1:].shape), c3[i + 1:], mvaxis=-2, traxis=-1,
                                biascorrect=True, demeaned=True, shape_checking=False)),
            ("frites: gcmi_nd_cc per row (copnorm in every call)", False,
             lambda i: gcmi_nd_cc(np.broadcast_to(xt[i], xt[i + 1:].shape), xt[i + 1:], traxis=-1))]
        frites_diff, compared = 0.0, 0
        for name, once, route in routes:
            before = counters()
            rows = frites_rows(route, p, args.frites_budget)
            elapsed, cpu, load = since(before)
            done = sum(len(r) for r in rows)
            compared = max(compared, done)
            frites_diff = max([frites_diff] + [np.abs(r - mi[i, i + 1:]).max() for i, r in enumerate(rows)])
            how = "measured, all rows" if len(rows) == p - 1 else \
                f"**extrapolated** from rows 0–{len(rows) - 1} ({done:,} of {pairs:,} pairs, {elapsed:.1f} s)"
            speed.append((name, once * copnorm[0] + elapsed * pairs / done, once * copnorm[1] + cpu * pairs / done,
                          how + (f"; copnorm_nd {copnorm[0]:.2f} s included" if once else "") + f"; other load {load:.2f}"))
        before = counters()
        g = c @ c.T / (n - 1)
        d = np.diag(g)
        bias = (psi((n - 2) / 2) - psi((n - 1) / 2)) / 2  # frites' psi terms for d_x = d_y = 1
        with np.errstate(divide="ignore"):  # the diagonal
            by_hand = (0.5 * np.log(np.outer(d, d) / (np.outer(d, d) - g * g)) + bias) / LN2
        hand = since(before)
        iu = np.triu_indices(p, 1)
        speed.append(("numpy by hand: copnorm_nd once, one C·Cᵀ product (not a frites function)", copnorm[0] + hand[0],
                      copnorm[1] + hand[1], f"copnorm_nd {copnorm[0]:.2f} s included; max diff "
                      f"{np.abs(by_hand[iu] - mi[iu]).max():.1e}; other load {hand[2]:.2f}"))
        agreement.append((f"speed input n = {n}, p = {p}, the rows frites computed", compared,
                          "mi_nd_gg / gcmi_nd_cc rows", frites_diff))

        # 3. Genome scale.
        if args.genome_scale:
            big = args.genome_input
            if not big:
                big = path("genome.h5")
                y = rng.standard_normal((n, args.genome_variables))
                y[:, 1::10] = 0.5 * y[:, 0:-1:10] + np.sqrt(0.75) * y[:, 1::10]
                write(big, X=y)
            out = path("genome-mi.h5")
            command = [mib, "run", big, "--dataset", "X", "-o", out] + gcmi
            plan = subprocess.run([mib, "plan", big, "--dataset", "X", "-o", out] + gcmi[:4], capture_output=True, text=True)
            estimated = re.search(r"estimated peak ([\d.]+ \w+)", plan.stdout + plan.stderr)
            before = counters()
            wall, rss, line, _, cpu = run(command)
            genome_load = since(before)[2]
            size = os.path.getsize(out)
            with h5py.File(big) as f, h5py.File(out) as o:
                q = f["X"].shape[1]
                picks = rng.choice(q, size=(args.spot_check, 2))
                picks = picks[picks[:, 0] != picks[:, 1]]
                spot = max(abs(o["mi"][i, j] / LN2 - gcmi_1d_cc(f["X"][:, i], f["X"][:, j])) for i, j in picks)
            genome += [("command", "`" + " ".join(["mibatch"] + command[1:]).replace(work + "/", "$TMP/") + "`"),
                       ("input", f"{n:,} × {q:,} float64 ({q * (q - 1) // 2:,} pairs), other load {genome_load:.2f} during the run"),
                       ("wall, whole process (incl. compressed output)", f"**{wall:.1f} s** ({int(wall // 60)}:{wall % 60:04.1f}); CPU {cpu:.1f} s"),
                       ("mibatch's line", line),
                       ("peak RSS (`/usr/bin/time -v`)", f"**{rss / 1024:.2f} GiB**"),
                       ("`mibatch plan` estimated peak", estimated.group(1) if estimated else "?"),
                       ("output file", f"{size / 2**30:.2f} GiB"),
                       (f"{len(picks)} random pairs against gcmi_1d_cc", f"max diff {spot:.1e} bits")]
            agreement.append((f"genome scale, {len(picks)} random pairs", len(picks), "gcmi_1d_cc(x, y)", spot))

    print(f"frites {frites.__version__}, numpy {np.__version__} ({numpy_blas}); mibatch's OpenBLAS core: {core}; "
          f"{os.cpu_count()} cores\n")
    print("| comparison | pairs | frites | max abs diff (bits) |\n|---|---:|---|---:|")
    for what, count, call, diff in agreement:
        print(f"| {what} | {count:,} | `{call}` | {diff:.1e} |")
    print(f"\nall pairs, n = {n}, p = {p} ({pairs:,} pairs), other load {speed_load:.2f} during the default mibatch runs\n")
    print("| route | wall s | CPU s | wall / mibatch | CPU / mibatch | note |\n|---|---:|---:|---:|---:|---|")
    for name, seconds, cpu, note in speed:
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {seconds / ours:.1f}× | {cpu / ours_cpu:.1f}× | {note} |")
    if genome:
        print("\n| genome scale | |\n|---|---|")
        for name, value in genome:
            print(f"| {name} | {value} |")
    worst = max(a[3] for a in agreement)
    if not worst < args.tolerance:
        sys.exit(f"FAILED: max difference {worst:.2e} bits >= {args.tolerance:g}")


if __name__ == "__main__":
    main()
