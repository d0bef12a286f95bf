#!/usr/bin/env python3
"""MINE trainer benchmark: PyTorch (CPU, 1 thread) reference for mibatch's native trainer.

Same algorithm and defaults as mibatch's `MINE` (Sources/MIEstimators/MINE*.swift):
  * data: X, T in R^{n x d}, coordinates independent, corr(X_j, T_j) = rho with
    rho chosen so that the total true MI is `--mi` nats (default 2 nats, d = 5, n = 5,000);
  * global-linf normalization of each variable ((V - mu) / mean_i ||V_i - mu||_inf);
  * statistics network Linear(dX+dT, 64) ReLU Linear(64, 64) ReLU Linear(64, 1),
    PyTorch's default nn.Linear init (U(+-1/sqrt(fan_in)) for weights and biases), float32;
  * Donsker-Varadhan objective, product samples by permuting T within the batch,
    batch 256 (epoch-wise shuffling), Adam lr 1e-3 (0.9, 0.999, 1e-8), 2,000 steps;
  * corrected gradient: E[e^f] in the gradient replaced by an EMA with weight
    `--ema-rate` (0.01) on the newest batch, initialised with the first batch's value;
  * reported value: mean of the DV bound on the full data (fixed permutation for the
    product samples) over the last 10 evaluations, one every 20 steps.

Usage (torch: pip install torch, CPU build; not needed by the test suite):
  swift build -c release && python3 samples/benchmarks/mine_vs_torch.py [--pairs 3] [--steps 2000] [--mibatch .build/release/mibatch]
Prints seconds per pair (wall and CPU time, best of --pairs) and the estimates of each, and
the ratio. mibatch runs as users run it: `mibatch run --var /X --var /T --estimator mine
--threads 1` on an HDF5 file of the same data, one process per pair (startup included).

Also used by samples/benchmarks/peers/run.py (`--tools mine`), which imports this module (data,
write_input, mibatch_cmd, read_estimate, parser) and runs the PyTorch side as a child process
`mine_vs_torch.py --mibatch '' --first-pair I --pairs 1 --json OUT` (PyTorch only, pair I,
results also written to OUT as JSON) so that its memory and CPU are measured on their own.
h5py and torch are imported where they are used, so importing this module needs numpy only.
"""
import argparse, json, math, os, resource, subprocess, tempfile, time

import numpy as np


def data(n, d, mi, seed):
    rho = math.sqrt(1.0 - math.exp(-2.0 * mi / d))
    g = np.random.default_rng(seed)
    a = g.standard_normal((n, d))
    b = g.standard_normal((n, d))
    x, t = a, rho * a + math.sqrt(1 - rho * rho) * b
    def glinf(v):
        c = v - v.mean(axis=0)
        return c / np.abs(c).max(axis=1).mean()
    return glinf(x), glinf(t)


def mine(x, t, steps, batch, lr, ema_rate, hidden, seed, avg_last=10, eval_every=20):
    import torch
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    x = torch.tensor(x, dtype=torch.float32)
    t = torch.tensor(t, dtype=torch.float32)
    layers, din = [], x.shape[1] + t.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(din, h), torch.nn.ReLU()]
        din = h
    net = torch.nn.Sequential(*layers, torch.nn.Linear(din, 1))
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    eval_perm = torch.randperm(n, generator=g)
    joint_all = torch.cat([x, t], 1)
    marg_all = torch.cat([x, t[eval_perm]], 1)
    log_ema = None
    order, pos = torch.randperm(n, generator=g), 0
    evals = []
    b = min(batch, n)
    for step in range(1, steps + 1):
        if pos + b > n:
            order, pos = torch.randperm(n, generator=g), 0
        idx = order[pos:pos + b]; pos += b
        xb, tb = x[idx], t[idx]
        tm = tb[torch.randperm(b, generator=g)]
        f = net(torch.cat([torch.cat([xb, tb], 1), torch.cat([xb, tm], 1)], 0)).squeeze(1)
        fj, fm = f[:b], f[b:]
        log_mean = torch.logsumexp(fm, 0) - math.log(b)
        if ema_rate > 0:
            lm = log_mean.detach()
            log_ema = lm if log_ema is None else torch.logaddexp(
                log_ema + math.log1p(-ema_rate), lm + math.log(ema_rate))
            # gradient of log E[e^f] with the denominator replaced by the EMA
            surrogate = torch.exp(log_mean - log_ema)
        else:
            surrogate = log_mean
        loss = -(fj.mean() - surrogate)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        if step > steps - avg_last * eval_every and (steps - step) % eval_every == 0:
            with torch.no_grad():
                fj_all = net(joint_all).squeeze(1).double()
                fm_all = net(marg_all).squeeze(1).double()
                evals.append((fj_all.mean() - (torch.logsumexp(fm_all, 0) - math.log(n))).item())
    return sum(evals) / len(evals)


def write_input(path, x, t):
    """The HDF5 file mibatch reads: datasets /X and /T (n x d, float64)."""
    import h5py
    with h5py.File(path, "w") as f:
        f["X"], f["T"] = x, t


def mibatch_cmd(binary, path, out, a, pair):
    """`mibatch run` on write_input's file with a's MINE settings, seed = pair, one thread."""
    return [binary, "run", path, "--var", "/X", "--var", "/T", "--estimator", "mine",
            "--mine-steps", str(a.steps), "--mine-batch", str(a.batch), "--mine-lr", str(a.lr),
            "--mine-ema-rate", str(a.ema_rate), "--seed", str(pair), "--threads", "1",
            "-o", out, "--force", "--quiet"]


def read_estimate(out):
    import h5py
    with h5py.File(out, "r") as f:
        return float(f["mi"][0, 1])


def parser():
    p = argparse.ArgumentParser()
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--d", type=int, default=5)
    p.add_argument("--mi", type=float, default=2.0)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ema-rate", type=float, default=0.01)
    p.add_argument("--mibatch", default=".build/release/mibatch", help="mibatch binary (release build); '' = PyTorch only")
    p.add_argument("--first-pair", type=int, default=0, help="pairs are --first-pair ... --first-pair + --pairs - 1")
    p.add_argument("--json", help="also write the per-pair results to this JSON file")
    p.add_argument("--warmup-steps", type=int, default=0,
                   help="untimed PyTorch training steps before the timed pairs (its first call in a process "
                        "pays about 1 s of one-off set-up; the peers driver, one pair per process, uses 200)")
    return p


def main():
    import torch
    a = parser().parse_args()
    torch.set_num_threads(1)
    pairs = range(a.first_pair, a.first_pair + a.pairs)
    times, cpus, ests = [], [], []
    if a.warmup_steps > 0:
        x, t = data(a.n, a.d, a.mi, 999)
        mine(x, t, a.warmup_steps, a.batch, a.lr, a.ema_rate, [64, 64], seed=999)
    for pair in pairs:
        x, t = data(a.n, a.d, a.mi, 1000 + pair)
        t0, c0 = time.perf_counter(), time.process_time()
        ests.append(mine(x, t, a.steps, a.batch, a.lr, a.ema_rate, [64, 64], seed=pair))
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    tt, tc = min(times), min(cpus)
    print(f"torch {torch.__version__}: {tt:.3f} s/pair wall, {tc:.3f} s/pair CPU (best of {a.pairs}; "
          f"wall {['%.3f' % s for s in times]}, CPU {['%.3f' % s for s in cpus]}), "
          f"estimates {['%.3f' % e for e in ests]} (truth {a.mi})")
    result = {"torch": {"version": torch.__version__, "threads": torch.get_num_threads(),
                        "wall": times, "cpu": cpus, "estimates": ests}}
    if a.mibatch:
        walls, cpus_m, ests_m = [], [], []
        with tempfile.TemporaryDirectory() as tmp:
            for pair in pairs:
                x, t = data(a.n, a.d, a.mi, 1000 + pair)
                path, out = os.path.join(tmp, "in.h5"), os.path.join(tmp, "out.h5")
                write_input(path, x, t)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(mibatch_cmd(a.mibatch, path, out, a, pair), check=True)
                walls.append(time.perf_counter() - t0)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus_m.append((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime))
                ests_m.append(read_estimate(out))
        sw, sc = min(walls), min(cpus_m)
        print(f"mibatch: {sw:.3f} s/pair wall, {sc:.3f} s/pair CPU (best of {a.pairs}), "
              f"estimates {['%.3f' % e for e in ests_m]} (truth {a.mi})")
        print(f"ratio torch/mibatch: {tt / sw:.2f}x wall, {tc / sc:.2f}x CPU")
        result["mibatch"] = {"wall": walls, "cpu": cpus_m, "estimates": ests_m}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f)

if __name__ == "__main__":
    main()
