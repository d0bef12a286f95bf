#!/usr/bin/env python3
"""`mibatch plan`'s projected time against the measured run (issue 18), three sizes.

For each case the script writes an input (standard normals, every column correlated with
a few others through shared factors), prints `mibatch plan`'s "projected time" line, then
runs the same command and times the whole process. The target: every projection within
30% of the measured time. Plan and run go back to back, so whatever else the machine does
affects both alike.

Usage (release build first):
  swift build -c release && python3 samples/benchmarks/plan_projection.py [--binary .build/release/mibatch]
      [--threads 2] [--cases gcmi-2000,gcmi-8000,ksg-400]
"""
import argparse
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

CASES = {
    # name: (estimator options, samples, variables)
    "gcmi-2000": (["--estimator", "gcmi"], 2000, 2000),
    "gcmi-8000": (["--estimator", "gcmi"], 2000, 8000),
    "ksg-400": ([], 1000, 400),
    "binned-1500": (["--estimator", "binned"], 2000, 1500),
}


def seconds(text):
    """'1m05s' / '42.0 s' / '1h02m' -> seconds."""
    if m := re.fullmatch(r"(\d+)h(\d+)m", text):
        return int(m[1]) * 3600 + int(m[2]) * 60
    if m := re.fullmatch(r"(\d+)m(\d+)s", text):
        return int(m[1]) * 60 + int(m[2])
    return float(text.replace(" s", ""))


def write_input(path, samples, variables, seed):
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((samples, max(4, variables // 20)))
    with h5py.File(path, "w") as f:
        data = f.create_dataset("X", (samples, variables), dtype="f8", chunks=(samples, min(variables, 64)))
        for start in range(0, variables, 1000):
            stop = min(variables, start + 1000)
            which = rng.integers(0, factors.shape[1], stop - start)
            data[:, start:stop] = factors[:, which] * rng.uniform(0, 1.5, stop - start) + rng.standard_normal((samples, stop - start))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/mibatch")
    parser.add_argument("--threads", default="2")
    parser.add_argument("--cases", default="gcmi-2000,gcmi-8000,ksg-400")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for number, name in enumerate(args.cases.split(",")):
            options, samples, variables = CASES[name]
            path = f"{work}/{name}.h5"
            write_input(path, samples, variables, number)
            command = ["run", path, "--dataset", "X", "-o", f"{work}/{name}.out.h5", "--threads", args.threads] + options
            plan = subprocess.run([args.binary, "plan"] + command[1:], capture_output=True, text=True)
            if plan.returncode != 0:
                sys.exit(f"plan failed: {plan.stderr}")
            line = next(l for l in plan.stdout.splitlines() if l.startswith("projected time:"))
            projected = seconds(re.match(r"projected time: ([^(]+?) \(", line)[1])
            start = time.perf_counter()
            run = subprocess.run([args.binary] + command, capture_output=True, text=True)
            measured = time.perf_counter() - start
            if run.returncode != 0:
                sys.exit(f"run failed: {run.stderr}")
            error = projected / measured - 1
            rows.append((name, samples, variables, projected, measured, error))
            print(f"{name}: {line}", file=sys.stderr)
    print("| case | n | p | projected | measured | error |")
    print("|---|---|---|---|---|---|")
    for name, n, p, projected, measured, error in rows:
        print(f"| {name} | {n} | {p} | {projected:.1f} s | {measured:.1f} s | {100 * error:+.0f}% |")
    worst = max(abs(r[5]) for r in rows)
    print(f"\nworst error {100 * worst:.0f}% (target: within 30%)")
    return 0 if worst <= 0.30 else 1


if __name__ == "__main__":
    sys.exit(main())
