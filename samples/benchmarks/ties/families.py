"""Test families with exact MI for tied, zero-inflated, rounded and discrete data (shared by
study.py and accuracy.py; not run by itself).

Every family is a `Family(name, group, truth, kinds, gen)`: `gen(rng, n)` returns two float64
vectors x, y of length n; `kinds` is a pair of "d" (discrete), "c" (continuous) or "m"
(mixture: an atom plus a continuous part), which only the *best-configured* scikit-learn call
uses (it has to be told which features are discrete). `truth` is exact (nats).

Families (n = 5,000 in the study):
  disc-m{2,4,8}          X uniform on {0..m-1}, Y | X uniform on [X, X+2]:
                         I = log m - (m-1) log 2 / m.
  zi-{ind,shr}-r{rho}-q{q}[-exp]
                         X = Z1*B1, Y = Z2*B2, (Z1, Z2) standard bivariate normal with
                         correlation rho, B Bernoulli(q) keep-probability (q = fraction of
                         non-zeros). ind: independent dropouts, I = q^2 I_G; shr: one shared
                         dropout B1 = B2, I = q I_G + H_b(q); I_G = -1/2 log(1 - rho^2).
                         -exp: exp(Z) in place of Z (positive, expression-like; the atom at 0 is
                         then at the left edge instead of inside the continuous part; MI is
                         unchanged because exp is monotone and exp(Z) > 0 keeps the atom apart).
                         rho = 0 with independent dropouts: truth 0.
  dd-3x3, dd-4x2, dd-3x3-indep
                         discrete X, Y drawn from a fixed joint pmf (integer codes); truth is
                         the pmf's exact MI (0 for the independent one).
  round-r{0.5,0.9}       standard bivariate normal rounded to 1 decimal (resolution 0.1 sd);
                         truth = exact MI of the rounded (discrete) pair from the normal's cell
                         probabilities (Gauss-Legendre in x of phi(x) * [Phi((d - rho x)/s) -
                         Phi((c - rho x)/s)], cells covering +-8.5 sd; cross-checked against
                         scipy.stats.multivariate_normal.cdf on sample cells).
  gauss-r{0,0.5,0.9}     continuous Gaussian control, no ties: I = -1/2 log(1 - rho^2).
"""
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import special, stats


@dataclass
class Family:
    name: str
    group: str
    truth: float
    kinds: tuple
    gen: Callable


def h_b(q):
    return -(q * math.log(q) + (1 - q) * math.log(1 - q))


def i_gauss(rho):
    return -0.5 * math.log(1 - rho * rho) + 0.0


def mi_of_pmf(p):
    p = np.asarray(p, dtype=float)
    p = p / p.sum()
    px = p.sum(axis=1, keepdims=True)
    py = p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] / (px @ py)[nz])))


def rounded_gauss_truth(rho, step=0.1, half_width=8.5, nodes=24):
    """Exact MI (to ~1e-10) of (round(X/step), round(Y/step)) for a standard bivariate normal."""
    s = math.sqrt(1 - rho * rho)
    m = int(round(half_width / step))
    edges = (np.arange(-m, m + 2) - 0.5) * step          # cell a covers [edges[a], edges[a+1])
    gx, gw = np.polynomial.legendre.leggauss(nodes)
    lo, hi = edges[:-1], edges[1:]
    # nodes inside each x-cell: shape (cells, nodes)
    xs = 0.5 * (hi - lo)[:, None] * gx[None, :] + 0.5 * (hi + lo)[:, None]
    ws = 0.5 * (hi - lo)[:, None] * gw[None, :] * stats.norm.pdf(xs)
    # Phi at every y-edge for every node: (cells, nodes, edges)
    cdf = special.ndtr((edges[None, None, :] - rho * xs[:, :, None]) / s)
    cell = np.diff(cdf, axis=2)                            # (cells, nodes, cells)
    p = np.einsum("an,anb->ab", ws, cell)
    p = np.clip(p, 0, None)
    return mi_of_pmf(p), p, edges


def _check_rounded(rho, p, edges):
    """Spot-check a few cells against scipy's bivariate normal cdf (raises if off)."""
    mvn = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])
    c = (len(edges) - 1) // 2
    for a, b in [(c, c), (c + 3, c + 2), (c - 7, c - 5), (c + 12, c + 11)]:
        x0, x1, y0, y1 = edges[a], edges[a + 1], edges[b], edges[b + 1]
        ref = mvn.cdf([x1, y1]) - mvn.cdf([x0, y1]) - mvn.cdf([x1, y0]) + mvn.cdf([x0, y0])
        if abs(ref - p[a, b]) > 1e-6 * max(1e-3, ref):
            raise RuntimeError(f"rounded-normal cell check failed rho={rho} cell=({a},{b}): {p[a,b]} vs {ref}")


def _disc(m):
    def gen(rng, n):
        x = rng.integers(0, m, n).astype(float)
        return x, x + 2.0 * rng.random(n)
    return gen


def _zi(rho, q, shared, transform):
    def gen(rng, n):
        z1 = rng.standard_normal(n)
        z2 = rho * z1 + math.sqrt(1 - rho * rho) * rng.standard_normal(n)
        if transform:
            z1, z2 = np.exp(z1), np.exp(z2)
        b1 = rng.random(n) < q
        b2 = b1 if shared else (rng.random(n) < q)
        return z1 * b1, z2 * b2
    return gen


def _pmf(p):
    p = np.asarray(p, dtype=float)
    p = p / p.sum()
    def gen(rng, n):
        cells = rng.choice(p.size, size=n, p=p.ravel())
        a, b = np.unravel_index(cells, p.shape)
        return a.astype(float), b.astype(float)
    return gen


def _round(rho):
    def gen(rng, n):
        x = rng.standard_normal(n)
        y = rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal(n)
        return np.round(x, 1), np.round(y, 1)
    return gen


def _gauss(rho):
    def gen(rng, n):
        x = rng.standard_normal(n)
        return x, rho * x + math.sqrt(1 - rho * rho) * rng.standard_normal(n)
    return gen


PMF_3x3 = [[0.20, 0.05, 0.05], [0.05, 0.20, 0.05], [0.02, 0.08, 0.30]]
PMF_4x2 = [[0.20, 0.05], [0.15, 0.10], [0.05, 0.20], [0.10, 0.15]]
PMF_3x3_INDEP = np.outer([0.5, 0.3, 0.2], [0.2, 0.3, 0.5])


def families(quick=False):
    fams = []
    for m in (2, 4, 8):
        fams.append(Family(f"disc-m{m}", "discrete X, continuous Y", math.log(m) - (m - 1) * math.log(2) / m,
                           ("d", "c"), _disc(m)))
    for transform in (False, True):
        suf = "-exp" if transform else ""
        for rho in (0.6, 0.9):
            for q in (0.3, 0.7):
                fams.append(Family(f"zi-ind-r{rho}-q{q}{suf}", "zero-inflated", q * q * i_gauss(rho),
                                   ("m", "m"), _zi(rho, q, False, transform)))
                fams.append(Family(f"zi-shr-r{rho}-q{q}{suf}", "zero-inflated", q * i_gauss(rho) + h_b(q),
                                   ("m", "m"), _zi(rho, q, True, transform)))
        for q in (0.3, 0.7):
            fams.append(Family(f"zi-ind-r0-q{q}{suf}", "zero-inflated", 0.0, ("m", "m"), _zi(0.0, q, False, transform)))
    fams.append(Family("dd-3x3", "discrete-discrete", mi_of_pmf(PMF_3x3), ("d", "d"), _pmf(PMF_3x3)))
    fams.append(Family("dd-4x2", "discrete-discrete", mi_of_pmf(PMF_4x2), ("d", "d"), _pmf(PMF_4x2)))
    fams.append(Family("dd-3x3-indep", "discrete-discrete", 0.0, ("d", "d"), _pmf(PMF_3x3_INDEP)))
    for rho in (0.5, 0.9):
        t, p, edges = rounded_gauss_truth(rho)
        _check_rounded(rho, p, edges)
        fams.append(Family(f"round-r{rho}", "rounded Gaussian", t, ("c", "c"), _round(rho)))
    for rho in (0.0, 0.5, 0.9):
        fams.append(Family(f"gauss-r{rho}", "continuous control", i_gauss(rho), ("c", "c"), _gauss(rho)))
    if quick:
        keep = {"disc-m4", "zi-ind-r0.9-q0.3", "zi-shr-r0.6-q0.7-exp", "zi-ind-r0-q0.3", "dd-3x3", "round-r0.9", "gauss-r0.5"}
        fams = [f for f in fams if f.name in keep]
    return fams


def sample(family, seed, n):
    """The family's data for one seed: deterministic in (family name, seed, n)."""
    key = [seed, n] + [ord(c) for c in family.name]
    return family.gen(np.random.default_rng(key), n)
