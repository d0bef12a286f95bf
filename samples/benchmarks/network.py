#!/usr/bin/env python3
"""Time and peak memory of `mibatch network` on an existing MI file (RESULTS.md, "Network").

Usage: python3 samples/benchmarks/network.py MI.h5 [--min-mi T] [--methods aracne,clr,mrnet]
       [--memory LIMIT] [--binary .build/release/mibatch]

Runs each method alone and all methods in one pass, one after the other, and prints wall
time, peak resident memory of the child (ru_maxrss), candidates and edges. The network files
go to a temporary directory that is removed afterwards.
"""
import argparse, os, resource, shutil, subprocess, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("mi")
parser.add_argument("--min-mi", default="0.01")
parser.add_argument("--methods", default="aracne,clr,mrnet")
parser.add_argument("--memory", default=None)
parser.add_argument("--binary", default=".build/release/mibatch")
args = parser.parse_args()

directory = tempfile.mkdtemp(prefix="mibatch-network-bench-")
try:
    runs = args.methods.split(",") + ([args.methods] if "," in args.methods else [])
    for methods in runs:
        output = os.path.join(directory, "net.h5")
        command = [args.binary, "network", args.mi, "--method", methods, "--min-mi", args.min_mi, "-o", output, "--force"]
        if args.memory:
            command += ["--memory", args.memory]
        start = time.time()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, _, usage = os.wait4(child.pid, 0)
        elapsed = time.time() - start
        out, err = child.stdout.read(), child.stderr.read()
        print(f"{methods:20s} {elapsed:8.1f} s  peak {usage.ru_maxrss / 1024 / 1024:7.2f} GiB  {out.strip() or err.strip()}")
finally:
    shutil.rmtree(directory)
