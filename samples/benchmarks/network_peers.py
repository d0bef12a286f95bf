#!/usr/bin/env python3
"""mibatch network against R's parmigene on the same MI matrix (RESULTS.md, "Network
inference"): time, peak memory and agreement, ARACNE and MRNET over every pair (no MI
threshold: parmigene has none), CLR timed only (parmigene's CLR is another definition).
Edges are compared on pairs of positive weight (parmigene also returns pairs of negative MI).

Usage: python3 samples/benchmarks/network_peers.py MI.h5 [--eps 0.01] [--methods aracne,mrnet]
       [--binary .build/release/mibatch] [--threads N]

mibatch runs once per method (`mibatch network MI.h5 --method M --dpi-tolerance EPS`); R runs
once (Rscript samples/benchmarks/network_parmigene.R), reading the matrix with hdf5r first
(its read time and the whole process's peak are printed separately). Wall times are
end to end for mibatch (including the SHA-256 of the input), the call alone for parmigene.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
import h5py, numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("mi")
parser.add_argument("--eps", default="0.01")
parser.add_argument("--methods", default="aracne,mrnet")
parser.add_argument("--binary", default=".build/release/mibatch")
parser.add_argument("--threads", default=str(os.cpu_count()))
args = parser.parse_args()
here = os.path.dirname(os.path.abspath(__file__))


def run(command, env=None):
    start = time.time()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    out, err = child.stdout.read(), child.stderr.read()
    if status != 0:
        sys.exit(f"{command[0]} failed: {err}")
    return time.time() - start, usage.ru_maxrss / 1024 / 1024, out


directory = tempfile.mkdtemp(prefix="mibatch-network-peers-")
try:
    env = dict(os.environ, OMP_NUM_THREADS=args.threads)
    wall, peak, out = run(["Rscript", os.path.join(here, "network_parmigene.R"), args.mi, args.eps, directory, args.methods], env)
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    print(f"parmigene: read {float(lines['read'][0]):.1f} s (hdf5r), process {wall:.1f} s, peak {peak:.2f} GiB, OMP_NUM_THREADS={args.threads}")
    for method in args.methods.split(","):
        output = os.path.join(directory, f"{method}.h5")
        seconds, rss, _ = run([args.binary, "network", args.mi, "--method", method, "--dpi-tolerance", args.eps, "-o", output, "--quiet"])
        with h5py.File(output) as f:
            ours = {(int(r), int(c)): w for r, c, w in zip(f[f"/edges/{method}/row"][:], f[f"/edges/{method}/column"][:], f[f"/edges/{method}/weight"][:])}
        theirs = {}
        with open(os.path.join(directory, f"{method}.tsv")) as f:
            for line in f:
                r, c, w = line.split("\t")
                theirs[(int(r), int(c))] = float.fromhex(w.strip())
        # parmigene keeps pairs of negative MI (a bias-corrected estimate below 0) that no triangle
        # prunes; mibatch lists only edges of positive MI (mibatch-network(7)).
        negative = sum(1 for w in theirs.values() if w <= 0)
        theirs = {k: w for k, w in theirs.items() if w > 0}
        common = ours.keys() & theirs.keys()
        difference = max((abs(ours[k] - theirs[k]) for k in common), default=0.0)
        peer = float(lines[method][0])
        agreement = "" if method == "clr" else f"; same edges: {len(common)} common, {len(ours.keys() - theirs.keys())} only ours, {len(theirs.keys() - ours.keys())} only parmigene's, max |Δweight| {difference:.1e} (parmigene's {negative} pairs of MI <= 0 left out)"
        print(f"{method:7s} mibatch {seconds:8.1f} s peak {rss:5.2f} GiB {len(ours):9d} edges | parmigene {peer:8.1f} s {len(theirs):9d} edges | ratio {peer / seconds:6.1f}x{agreement}")
finally:
    shutil.rmtree(directory)
