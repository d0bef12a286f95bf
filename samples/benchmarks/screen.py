#!/usr/bin/env python3
"""Screen, then refine: `--screen gcmi|binned --refine ksg --refine-top 1%` against all-pairs KSG.

For each data family (n samples x p variables, columns shuffled; modules of 20-50 variables
driven by one latent factor each cover about half of the variables, the rest are independent):

  monotone       z = a f + sqrt(1 - a^2) e (a ~ U(0.3, 0.95)), then one of linear, exp, cube or a
                 random increasing piecewise-linear warp, sign flipped half of the time;
  zero-inflated  negative-binomial counts (size 2) with log-rate b + a f (a ~ U(1, 4)), b set to
                 a target of 60-90% zero cells per variable (heavily tied);
  non-monotone   half of the modules z ~ N(0, 1) through z, z^2, |z|, sin 2z or exp z (+ noise);
                 the other half an angle t through cos(t + phase) + noise (phases differing by
                 pi/2 give circles x = cos t, y = sin t);

it times, with the release binary (whole process, wall and CPU of the child):

  all pairs      plain KSG (the default estimator): the ground truth ranking;
  gcmi screen    --screen gcmi   --refine ksg --refine-top P (default 1%);
  binned screen  --screen binned --refine ksg --refine-top P;

and reports recall = share of the top --top (1,000) pairs of the all-pairs /mi (upper triangle)
that a screened run refined (/status 1), the smallest screen budget K (pairs of largest /mi_screen)
that would hold 95% / all of them, the speed ratio, and whether the refined /mi values
equal the all-pairs values bit for bit (exit status 1 if not).

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/screen.py [--samples 500] [--variables 5000]
      [--families monotone,zero-inflated,non-monotone] [--variables-non-monotone P] [--top 1000]
      [--refine-top 1%] [--mibatch .build/release/mibatch] [--threads 2] [--dir DIR (keep files)]
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def run(command):
    """(wall s, CPU s of the child, mibatch's timing line, its screen notice)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stdout}{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = result.stdout + result.stderr
    line = next((l.strip() for l in text.splitlines() if " samples, " in l and "peak memory" in l), "?")
    notice = re.search(r"screen [^:]*: \d+ pairs in ([\d.]+) s", text)
    return wall, cpu, line, notice.group(1) if notice else "?"


def screen_rank(screen, top, count):
    """(K95, K100): the smallest K such that the screen's K largest pairs hold count / all of top."""
    order = np.argsort(-screen, kind="stable")
    rank = np.empty(len(screen), np.int64)
    rank[order] = np.arange(1, len(screen) + 1)
    ranks = np.sort(rank[top])
    return int(ranks[count - 1]), int(ranks[-1])


def modules(rng, p, low=20, high=50, share=0.5):
    """Module label of every variable (-1: independent); sizes U{low..high} until share*p."""
    sizes = []
    while sum(sizes) < share * p:
        sizes.append(int(rng.integers(low, high + 1)))
    labels = np.full(p, -1)
    labels[:sum(sizes)] = np.repeat(np.arange(len(sizes)), sizes)
    return rng.permutation(labels), len(sizes)


def warp(rng, z):
    """A random increasing piecewise-linear map of z (rank-preserving)."""
    knots = np.quantile(z, np.linspace(0, 1, 9))
    values = np.cumsum(rng.exponential(1.0, 9))
    return np.interp(z, knots, values)


def monotone(rng, n, p):
    labels, m = modules(rng, p)
    f = rng.standard_normal((n, m))
    x = np.empty((n, p))
    for j in range(p):
        a = rng.uniform(0.3, 0.95) if labels[j] >= 0 else 0.0
        z = a * (f[:, labels[j]] if labels[j] >= 0 else 0) + np.sqrt(1 - a * a) * rng.standard_normal(n)
        kind = rng.integers(4)
        z = [lambda: 2.0 * z + 1.0, lambda: np.exp(z), lambda: z ** 3, lambda: warp(rng, z)][kind]()
        x[:, j] = z if rng.random() < 0.5 else -z
    return x, labels


def zero_inflated(rng, n, p, size=2.0):
    labels, m = modules(rng, p)
    f = rng.standard_normal((n, m))
    a = np.where(labels >= 0, rng.uniform(1.0, 4.0, p), 0.0)
    eta = a * f[:, np.maximum(labels, 0)]                      # n x p latent log-rate (without b)
    target = rng.uniform(0.6, 0.9, p)
    lo, hi = np.full(p, -15.0), np.full(p, 5.0)
    for _ in range(50):                                        # bisect b: mean P(0) = target
        b = (lo + hi) / 2
        zero = np.mean((size / (size + np.exp(b + eta))) ** size, axis=0)
        lo, hi = np.where(zero > target, b, lo), np.where(zero > target, hi, b)
    mu = np.exp((lo + hi) / 2 + eta)
    return rng.poisson(mu * rng.gamma(size, 1 / size, (n, p))).astype(np.float64), labels


def non_monotone(rng, n, p):
    labels, m = modules(rng, p)
    circle = rng.random(m) < 0.5
    z, t = rng.standard_normal((n, m)), rng.uniform(0, 2 * np.pi, (n, m))
    x = np.empty((n, p))
    for j in range(p):
        k = labels[j]
        if k < 0:
            h = rng.standard_normal(n)
        elif circle[k]:
            h = np.cos(t[:, k] + rng.uniform(0, 2 * np.pi))
        else:
            h = [lambda v: v, np.square, np.abs, lambda v: np.sin(2 * v), np.exp][rng.integers(5)](z[:, k])
        x[:, j] = h + rng.uniform(0.05, 0.5) * h.std() * rng.standard_normal(n)
    return x, labels


FAMILIES = {"monotone": monotone, "zero-inflated": zero_inflated, "non-monotone": non_monotone}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--variables", type=int, default=5000)
    parser.add_argument("--variables-non-monotone", type=int, default=None, help="p of (c) (default --variables)")
    parser.add_argument("--families", default="monotone,zero-inflated,non-monotone")
    parser.add_argument("--top", type=int, default=1000)
    parser.add_argument("--refine-top", default="1%")
    parser.add_argument("--screens", default="gcmi,binned")
    parser.add_argument("--mibatch", "--binary", dest="mibatch", default=".build/release/mibatch")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--dir", default=None, help="work directory to keep (default: a temporary one)")
    args = parser.parse_args()

    rows, mismatches = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or tmp
        os.makedirs(work, exist_ok=True)
        for family in args.families.split(","):
            p = args.variables_non_monotone if family == "non-monotone" and args.variables_non_monotone else args.variables
            rng = np.random.default_rng([args.seed, list(FAMILIES).index(family)])
            x, labels = FAMILIES[family](rng, args.samples, p)
            sizes = np.bincount(labels[labels >= 0])
            dependent = int((sizes * (sizes - 1) // 2).sum())
            zeros = np.mean(x == 0, axis=0)
            path = os.path.join(work, f"{family}.h5")
            with h5py.File(path, "w") as f:
                f["X"] = x
            base = [args.mibatch, "run", path, "--dataset", "/X", "--threads", str(args.threads), "--force"]
            out = lambda name: ["-o", os.path.join(work, f"{family}-{name}.h5")]
            load = os.getloadavg()[0]
            truth = run(base + out("all"))
            print(f"{family}: p = {p}, all pairs: {truth[0]:.1f} s wall, {truth[1]:.1f} s CPU ({truth[2]})", flush=True)
            with h5py.File(os.path.join(work, f"{family}-all.h5")) as f:
                mi = f["mi"][:]
            iu = np.triu_indices(p, 1)
            values = mi[iu]
            top = np.argsort(-values, kind="stable")[:args.top]
            top_i, top_j = iu[0][top], iu[1][top]
            in_module = np.mean((labels[top_i] == labels[top_j]) & (labels[top_i] >= 0))
            for screen in args.screens.split(","):
                name = f"{screen}-top"
                timing = run(base + out(name) + ["--screen", screen, "--refine", "ksg", "--refine-top", args.refine_top])
                with h5py.File(os.path.join(work, f"{family}-{name}.h5")) as f:
                    refined, status, screen_mi = f["mi"][:], f["status"][:], f["mi_screen"][:]
                kept = status == 1
                needed = screen_rank(screen_mi[iu], top, round(0.95 * args.top))
                recall = np.mean(kept[top_i, top_j])
                same = np.array_equal(refined[kept].view(np.uint64), mi[kept].view(np.uint64))
                nan_elsewhere = bool(np.all(np.isnan(refined[status == 3])))
                full_screen = bool(np.all(np.isfinite(screen_mi[iu])))
                refined_pairs = int(np.triu(kept, 1).sum())
                mismatches += (not same) + (not nan_elsewhere) + (not full_screen)
                print(f"  {screen}: {timing[0]:.1f} s wall, {timing[1]:.1f} s CPU, screen {timing[3]} s, {refined_pairs} refined, "
                      f"recall {recall:.3f}, bits equal {same}, NaN elsewhere {nan_elsewhere}, screen complete {full_screen}",
                      flush=True)
                rows.append((family, args.samples, p, dependent, zeros, values[top[-1]], in_module, load, truth,
                             screen, timing, refined_pairs, recall, same, needed))
                os.remove(os.path.join(work, f"{family}-{name}.h5")) if not args.dir else None

    print(f"\nn = {args.samples}, --refine-top {args.refine_top}, top {args.top} pairs of all-pairs KSG-2 (k = 3), "
          f"{args.threads} threads, wall (CPU) of the whole process\n")
    print("| family | p | pairs | dependent pairs (same module) | cells zero | KSG of top-1,000th | top-1,000 in a module "
          "| load | all-pairs KSG | screen | screen + refine | of which screen | refined | speed ratio (CPU) | recall | refined bits equal | screen top-K for recall 0.95 / 1 |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|---:|")
    for (family, n, p, dependent, zeros, cut, in_module, load, truth, screen, timing, refined, recall, same, needed) in rows:
        z = f"{zeros.min():.0%}–{zeros.max():.0%}" if zeros.max() > 0 else "0"
        print(f"| {family} | {p:,} | {p * (p - 1) // 2:,} | {dependent:,} | {z} | {cut:.3f} | {in_module:.3f} | {load:.1f} "
              f"| {truth[0]:.1f} s ({truth[1]:.0f}) | {screen} | {timing[0]:.2f} s ({timing[1]:.1f}) | {timing[3]} s "
              f"| {refined:,} | **{truth[0] / timing[0]:.0f}×** ({truth[1] / timing[1]:.0f}×) | **{recall:.3f}** | {same} | {needed[0]:,} / {needed[1]:,} |")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
