#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Normalization {
    /// Most fixed-point iterations of ``applyRobustWhiten(to:)``.
    static let robustWhitenMaxIterations = 500

    /// `whiten-robust`: whitening by a robust, affine-equivariant location and scatter.
    ///
    /// 1. Location μ and scatter V: the simultaneous spatial median and Tyler shape of
    ///    Hettmansperger and Randles (2002, "A practical affine equivariant multivariate
    ///    median", Biometrika 89), the fixed point of
    ///    z_i = L⁻¹(V_i − μ), r_i = ‖z_i‖, u_i = z_i / r_i (V = L·Lᵀ):
    ///    μ ← μ + L·Σ u_i / Σ 1/r_i and V ← L·((d/m)·Σ u_i·u_iᵀ)·Lᵀ (m the samples with r_i > 0;
    ///    V rescaled to trace d, which changes neither μ nor the directions). Each sample's
    ///    pull is bounded (a unit vector), so a few gross outliers move μ and V by O(1/n)
    ///    however far they are (breakdown point about 1/(d + 1)). Start: the mean and the
    ///    covariance (the `whiten` statistics); stop when ‖L⁻¹·Δμ‖ and ‖(d/m)·Σ u·uᵀ − I‖_F
    ///    are both below 10⁻¹² (both invariant to affine maps), or after
    ///    ``robustWhitenMaxIterations`` iterations. Every step maps A·V + b to the same
    ///    z up to a rotation, so the iterates (and where they stop) are affine equivariant.
    /// 2. W_i = L⁻¹(V_i − μ), scaled so that the median of ‖W_i‖² is the median of χ²_d
    ///    (Wilson–Hilferty), so Gaussian data come out with about unit covariance.
    /// 3. The canonical rotation of `whiten` with a bounded weight: Q the eigenvectors of
    ///    (1/n)·Σ_i ‖W_i‖²/(1 + ‖W_i‖²)·W_i·W_iᵀ/‖W_i‖², ordered by eigenvalue (a radial
    ///    weight, so it rotates with W; bounded, so an outlier adds at most 1/n).
    ///
    /// Hence Î(AX + b; BT + c) = Î(X; T) up to round-off, as for `whiten`. A scalar variable
    /// gets `robust` (median, median absolute deviation in max-norm).
    ///
    /// - Throws: as `whiten`: ``EstimationError/nonFiniteValues(count:)``,
    ///   ``EstimationError/constantVariable``, ``EstimationError/singularCovariance(dimension:rank:)``
    ///   (the covariance's numerical rank below d: checked before the iteration).
    /// - Complexity: O(n·d²) per iteration (tens of iterations on sampled data) plus
    ///   O(n log n) for the median radius and O(d³) per factorization.
    static func applyRobustWhiten(to v: VariableData) throws(EstimationError) -> VariableData {
        let n = v.count, d = v.dimension
        if d == 1 { return try Normalization.robust.apply(to: v) }
        // The start: the mean and covariance, as for `whiten` (singular variables refused here).
        let (y, start) = try prescaledCholesky(v)
        var l = start
        var mu = [Double](repeating: 0, count: d)
        var z = [Double](repeating: 0, count: n * d)
        var su = [Double](repeating: 0, count: d), s = [Double](repeating: 0, count: d * d)
        for _ in 0..<robustWhitenMaxIterations {
            whitenRows(y, mu, l, n, d, into: &z)
            for a in 0..<d { su[a] = 0 }
            for r in 0..<(d * d) { s[r] = 0 }
            var inverseRadii = 0.0, m = 0
            for i in 0..<n {
                var r2 = 0.0
                for a in 0..<d { r2 += z[i * d + a] * z[i * d + a] }
                guard r2 > 0 else { continue }
                let r = r2.squareRoot()
                m += 1
                inverseRadii += 1 / r
                for a in 0..<d {
                    su[a] += z[i * d + a] / r
                    let za = z[i * d + a] / r2
                    for b in 0...a { s[a * d + b] += za * z[i * d + b] }
                }
            }
            guard m > d else { break }
            var offIdentity = 0.0, stepNorm = 0.0
            for a in 0..<d {
                for b in 0...a {
                    s[a * d + b] *= Double(d) / Double(m)
                    s[b * d + a] = s[a * d + b]
                    let e = s[a * d + b] - (a == b ? 1 : 0)
                    offIdentity += (a == b ? 1 : 2) * e * e
                }
                su[a] /= inverseRadii
                stepNorm += su[a] * su[a]
            }
            // μ ← μ + L·step; V ← L·S·Lᵀ, rescaled to trace d.
            for a in 0..<d { var t = 0.0; for b in 0...a { t += l[a * d + b] * su[b] }; mu[a] += t }
            var ls = [Double](repeating: 0, count: d * d)
            for a in 0..<d { for b in 0..<d { var t = 0.0; for c in 0...a { t += l[a * d + c] * s[c * d + b] }; ls[a * d + b] = t } }
            var next = [Double](repeating: 0, count: d * d)
            var trace = 0.0
            for a in 0..<d {
                for b in 0...a {
                    var t = 0.0
                    for c in 0...b { t += ls[a * d + c] * l[b * d + c] }
                    next[a * d + b] = t
                    next[b * d + a] = t
                }
                trace += next[a * d + a]
            }
            for r in 0..<(d * d) { next[r] *= Double(d) / trace }
            guard let factor = cholesky(next, d) else { break }
            l = factor
            if stepNorm.squareRoot() < 1e-12 && offIdentity.squareRoot() < 1e-12 { break }
        }
        whitenRows(y, mu, l, n, d, into: &z)
        // Scale: median ‖W‖² = median of χ²_d (Wilson–Hilferty: d·(1 − 2/(9d))³).
        var r2s = [Double](repeating: 0, count: n)
        for i in 0..<n { var r2 = 0.0; for a in 0..<d { r2 += z[i * d + a] * z[i * d + a] }; r2s[i] = r2 }
        let medianR2 = median(r2s)
        guard medianR2 > 0 else { throw .constantVariable }
        let target = Double(d) * pow(1 - 2 / (9 * Double(d)), 3)
        let scale = (target / medianR2).squareRoot()
        for r in 0..<(n * d) { z[r] *= scale }
        var mm = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            let r2 = r2s[i] * scale * scale
            guard r2 > 0 else { continue }
            let w = 1 / (1 + r2)
            for a in 0..<d { let za = w * z[i * d + a]; for b in 0...a { mm[a * d + b] += za * z[i * d + b] } }
        }
        for a in 0..<d { for b in 0...a { mm[a * d + b] /= Double(n); mm[b * d + a] = mm[a * d + b] } }
        let q = symmetricEigenvectors(mm, d)
        var out = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for c in 0..<d {
                var t = 0.0
                for a in 0..<d { t += q[a * d + c] * z[i * d + a] }
                out[i * d + c] = t
            }
        }
        return VariableData(count: n, dimension: d, values: out)
    }

    /// z_i = L⁻¹(y_i − μ) by forward substitution, for every row.
    private static func whitenRows(_ y: [Double], _ mu: [Double], _ l: [Double], _ n: Int, _ d: Int, into z: inout [Double]) {
        for i in 0..<n {
            let row = i * d
            for a in 0..<d {
                var t = y[row + a] - mu[a]
                for b in 0..<a { t -= l[a * d + b] * z[row + b] }
                z[row + a] = t / l[a * d + a]
            }
        }
    }
}
