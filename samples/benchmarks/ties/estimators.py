"""Reference (correct, not fast) numpy/scipy estimators for the ties study; see study.py.

Distances are max-norm; the joint distance is the max of the two marginal distances. Every
count is done by scipy.spatial.cKDTree with p = inf, whose distances are |x_j - x_i| exactly,
so "strict < r" is a `<= nextafter(r, 0)` query (as scikit-learn does) and no value +- r is
ever formed (that rounding would misplace the neighbours that define r).
"""
import math

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma


def global_linf(v):
    """mibatch's default normalization for a scalar variable: (v - mean) / mean|v - mean|."""
    c = v - v.mean()
    s = np.abs(c).mean()
    return c / s if s > 0 else c


def resolution(v):
    """Smallest gap between distinct values (None if the variable is constant)."""
    u = np.unique(v)
    return float(np.diff(u).min()) if u.size > 1 else None


def has_ties(v):
    return np.unique(v).size < v.size


def jitter(v, F, rng, only_if_tied=True):
    """Uniform noise in +-(F * resolution / 2), added before normalization."""
    if only_if_tied and not has_ties(v):
        return v
    r = resolution(v)
    if r is None:
        return v
    return v + (F * r / 2.0) * rng.uniform(-1.0, 1.0, v.size)


def _counts(tree, pts, r):
    """#{j : |p_j - p_i| <= r_i} (self included), per point."""
    return np.asarray(tree.query_ball_point(pts, r, p=np.inf, return_length=True))


def _joint_knn(x, y, k):
    z = np.column_stack([x, y])
    tree = cKDTree(z)
    d, idx = tree.query(z, k=k + 1, p=np.inf)
    return z, tree, d, idx


def mixed_ksg(x, y, k=3, use_log_n=False):
    """Gao, Kannan, Oh, Viswanath (NeurIPS 2017), as specified for mibatch.

    rho_i = k-th NN joint distance (self excluded). rho_i == 0: k~ = #joint-identical (self
    incl.), n_x + 1 = #{x_j == x_i} (self incl.), likewise y. Else k~ = k and n_x = #{j != i :
    |x_j - x_i| < rho_i}. I = mean[psi(k~) + psi(n) - psi(n_x + 1) - psi(n_y + 1)] (log n in
    place of psi(n) with use_log_n, as in the paper). No clamping.
    """
    n = x.size
    z, tree, d, _ = _joint_knn(x, y, k)
    rho = d[:, k]                      # sorted distances incl. self (0); k+1-th = k-th excluding self
    xt, yt = cKDTree(x[:, None]), cKDTree(y[:, None])
    zero = rho == 0
    r = np.where(zero, 0.0, np.nextafter(rho, 0))   # strict < rho ; == for the ties
    nx1 = _counts(xt, x[:, None], r)   # self included: n_x + 1
    ny1 = _counts(yt, y[:, None], r)
    kt = np.full(n, float(k))
    if zero.any():
        kt[zero] = _counts(tree, z[zero], 0.0)
    # a rho > 0 whose strict ball is empty would give n_x + 1 = 1: that is psi(1), legitimate
    psi_n = math.log(n) if use_log_n else digamma(n)
    return float(np.mean(digamma(kt) + psi_n - digamma(nx1) - digamma(ny1)))


def ksg1(x, y, k=3):
    """Kraskov eq. 8. Assumes no joint ties (run after jitter)."""
    n = x.size
    _, _, d, _ = _joint_knn(x, y, k)
    eps = d[:, k]
    if (eps == 0).any():
        raise ValueError("KSG-1 needs distinct joint points")
    r = np.nextafter(eps, 0)
    nx = _counts(cKDTree(x[:, None]), x[:, None], r) - 1
    ny = _counts(cKDTree(y[:, None]), y[:, None], r) - 1
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1)))


def ksg2(x, y, k=3):
    """Kraskov eq. 9: eps_x(i), eps_y(i) = largest marginal distances among the k joint
    neighbours (self excluded); n_x = #{j != i : |x_j - x_i| <= eps_x(i)}."""
    n = x.size
    _, _, d, idx = _joint_knn(x, y, k)
    if (d[:, k] == 0).any():
        raise ValueError("KSG-2 needs distinct joint points")
    # drop self: it is the unique point at distance 0 when the points are distinct
    rows = np.arange(n)[:, None]
    mask = idx != rows
    nb = idx[mask].reshape(n, k) if mask.sum() == n * k else np.array([r[m][:k] for r, m in zip(idx, mask)])
    ex = np.abs(x[nb] - x[:, None]).max(axis=1)
    ey = np.abs(y[nb] - y[:, None]).max(axis=1)
    nx = _counts(cKDTree(x[:, None]), x[:, None], ex) - 1
    ny = _counts(cKDTree(y[:, None]), y[:, None], ey) - 1
    return float(digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny)))


def stratified_mixed(x, y, k=3):
    """Research variant (not in Gao et al.): atoms = values that occur more than once.
    Each point is placed in the stratum of its atom coordinates (x atom value or "continuous",
    likewise y); the k-NN radius rho is found only among points of the same stratum, in the
    continuous coordinates; a continuous marginal is counted only among points whose value on
    that side is continuous (|d| < rho strict, self included), an atom marginal is the atom's
    size. Both atoms: psi(N_stratum) + psi(n) - psi(N_x) - psi(N_y) (= Gao's rho = 0 rule).
    So atoms never enter a continuous point's marginal count: the bias of the mixed KSG for
    an atom inside the continuous support (shared dropout at 0) goes away. Points alone in
    their stratum (N = 1, only possible with one continuous side) are dropped from the mean.
    """
    n = x.size
    ux, cx = np.unique(x, return_counts=True)
    uy, cy = np.unique(y, return_counts=True)
    nxv = cx[np.searchsorted(ux, x)]
    nyv = cy[np.searchsorted(uy, y)]
    ax, ay = nxv > 1, nyv > 1
    xc_tree = cKDTree(x[~ax][:, None]) if (~ax).any() else None
    yc_tree = cKDTree(y[~ay][:, None]) if (~ay).any() else None
    terms = np.full(n, np.nan)
    both = ax & ay
    if both.any():
        z = np.column_stack([x[both], y[both]])
        t = cKDTree(z)
        ng = _counts(t, z, 0.0)
        terms[both] = digamma(ng) + digamma(n) - digamma(nxv[both]) - digamma(nyv[both])
    # one side atom: strata by the atom value
    for sel, keyv, contv, cont_tree, natom in (
            (ax & ~ay, x, y, yc_tree, nxv),
            (~ax & ay, y, x, xc_tree, nyv)):
        idx = np.flatnonzero(sel)
        for a in np.unique(keyv[idx]):
            g = idx[keyv[idx] == a]
            if g.size < 2:
                continue
            kk = min(k, g.size - 1)
            pts = contv[g][:, None]
            d, _ = cKDTree(pts).query(pts, k=kk + 1, p=np.inf)
            rho = d[:, kk]
            m = _counts(cont_tree, pts, np.nextafter(rho, 0))  # continuous-side count, self incl.
            terms[g] = digamma(kk) + digamma(n) - digamma(natom[g]) - digamma(m)
    cc = ~ax & ~ay
    if cc.sum() > 1:
        g = np.flatnonzero(cc)
        kk = min(k, g.size - 1)
        z = np.column_stack([x[g], y[g]])
        d, _ = cKDTree(z).query(z, k=kk + 1, p=np.inf)
        r = np.nextafter(d[:, kk], 0)
        mx = _counts(xc_tree, x[g][:, None], r)
        my = _counts(yc_tree, y[g][:, None], r)
        terms[g] = digamma(kk) + digamma(n) - digamma(mx) - digamma(my)
    return float(np.nanmean(terms))


def is_mixed(v, singleton_fraction=0.05):
    """A tied variable with a continuous part: at least this fraction of its samples hold a
    value no other sample has (zero-inflated expression); otherwise a tied variable is
    discrete-like (labels, counts, rounded values)."""
    _, inv, counts = np.unique(v, return_inverse=True, return_counts=True)
    return bool(counts.max() > 1 and (counts[inv] == 1).mean() >= singleton_fraction)


def hybrid(x, y, k, F, ux, uy):
    """Research variant: discrete-like tied variables get the resolution-scaled jitter
    (+-F*resolution/2, draws ux, uy in [-1, 1)), mixed ones keep their atoms; then
    stratified_mixed on the global-linf-normalized pair (= KSG-1 where nothing is tied)."""
    def prep(v, u):
        if has_ties(v) and not is_mixed(v):
            r = resolution(v)
            if r:
                v = v + (F * r / 2.0) * u
        return global_linf(v)
    return stratified_mixed(prep(x, ux), prep(y, uy), k)
