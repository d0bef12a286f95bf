#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Normalization {
    /// `whiten`: the affine-invariant normalization of a variable V ∈ ℝ^{n×d}.
    ///
    /// 1. Center by the column means μ and form the covariance Σ = (1/n)·Σ_i (V_i − μ)(V_i − μ)ᵀ
    ///    (after an exact power-of-two prescale, so Σ neither overflows nor underflows).
    /// 2. Whiten: W_i = L⁻¹(V_i − μ) with Σ = L·Lᵀ (Cholesky), so cov(W) = I.
    /// 3. Rotate to a canonical basis: W ↦ Qᵀ·W with Q the eigenvectors of the fourth-moment
    ///    matrix M = (1/n)·Σ_i ‖W_i‖²·W_i·W_iᵀ (FOBI, Cardoso 1989), ordered by eigenvalue.
    ///
    /// Whitening alone is determined only up to a rotation: for V' = A·V (A invertible),
    /// L'⁻¹·A = R·L⁻¹ with R orthogonal, and the max-norm distances of KSG are not
    /// rotation invariant. M rotates with W (M' = R·M·Rᵀ), so Qᵀ·W is the same for V and A·V
    /// up to the sign and order of its coordinates, which leave max-norm distances unchanged
    /// bit for bit. Hence Î(AX + a; BT + b) = Î(X; T) up to round-off (exactly whenever the
    /// round-off flips no neighbour comparison; the KSG estimate depends only on those
    /// counts). For a power-of-two scaling every step is exact: the same bits. A scalar
    /// variable gets `global-std` (standardization), which is what the steps reduce to.
    /// The canonical basis needs distinct eigenvalues of M; with exactly repeated ones (a
    /// symmetric design, not sampled data) invariance holds only for rotations within them.
    ///
    /// - Throws: ``EstimationError/nonFiniteValues(count:)``; ``EstimationError/constantVariable``
    ///   (every column constant); ``EstimationError/singularCovariance(dimension:rank:)`` when
    ///   the columns are linearly dependent (Σ's numerical rank below d).
    /// - Complexity: O(n·d² + d³).
    static func applyWhiten(to v: VariableData) throws(EstimationError) -> VariableData {
        let n = v.count, d = v.dimension
        if d == 1 { return try Normalization.globalStd.apply(to: v) }
        let (centered, l) = try prescaledCholesky(v)
        // W_i = L⁻¹ (V_i − μ)·p by forward substitution (the prescale p cancels exactly
        // for powers of two: L carries the same factor).
        var w = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            let row = i * d
            for a in 0..<d {
                var s = centered[row + a]
                for b in 0..<a { s -= l[a * d + b] * w[row + b] }
                w[row + a] = s / l[a * d + a]
            }
        }
        var m = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            let row = i * d
            var r2 = 0.0
            for a in 0..<d { r2 += w[row + a] * w[row + a] }
            for a in 0..<d { let wa = r2 * w[row + a]; for b in 0...a { m[a * d + b] += wa * w[row + b] } }
        }
        for a in 0..<d { for b in 0...a { m[a * d + b] /= Double(n); m[b * d + a] = m[a * d + b] } }
        let q = symmetricEigenvectors(m, d)
        var out = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            let row = i * d
            for c in 0..<d {
                var s = 0.0
                for a in 0..<d { s += q[a * d + c] * w[row + a] }
                out[row + c] = s
            }
        }
        return VariableData(count: n, dimension: d, values: out)
    }

    /// Lower Cholesky factor of the symmetric d×d matrix `a` (row-major), or nil when a pivot
    /// falls below d·2⁻⁴⁵ of the largest diagonal entry (numerically singular).
    /// - Complexity: O(d³).
    static func cholesky(_ a: [Double], _ d: Int) -> [Double]? {
        var scale = 0.0
        for j in 0..<d { scale = max(scale, a[j * d + j]) }
        guard scale > 0, scale.isFinite else { return nil }
        let floor = scale * Double(d) * 0x1p-45
        return Cholesky.factor(a, dimension: d) { _, pivot in pivot > floor }
    }

    /// The first steps of `whiten` and `whiten-robust` for a d-column variable (d ≥ 2):
    /// the values centred by the column means and multiplied by the power of two p that brings
    /// the largest |V_ij − μ_j| into [1, 2) (exact, so neither Σ nor L over- or underflows),
    /// and the Cholesky factor L of their covariance Σ = (1/n)·Σ_i (V_i − μ)(V_i − μ)ᵀ·p².
    ///
    /// - Throws: ``EstimationError/nonFiniteValues(count:)``; ``EstimationError/valueRangeOverflow``;
    ///   ``EstimationError/constantVariable`` (no samples, or every column constant);
    ///   ``EstimationError/singularCovariance(dimension:rank:)`` with Σ's numerical rank.
    /// - Complexity: O(n·d² + d³).
    static func prescaledCholesky(_ v: VariableData) throws(EstimationError) -> (centered: [Double], cholesky: [Double]) {
        let n = v.count, d = v.dimension
        let bad = v.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if bad > 0 { throw .nonFiniteValues(count: bad) }
        guard n > 0 else { throw .constantVariable }
        let mu = columnMeans(v)
        var maxAbs = 0.0
        for i in 0..<n { for j in 0..<d { maxAbs = max(maxAbs, abs(v.values[i * d + j] - mu[j])) } }
        guard maxAbs.isFinite else { throw .valueRangeOverflow }
        guard maxAbs > 0 else { throw .constantVariable }
        let p = Double(sign: .plus, exponent: -maxAbs.exponent, significand: 1)
        var centered = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { centered[i * d + j] = (v.values[i * d + j] - mu[j]) * p } }
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            let row = i * d
            for a in 0..<d { let ca = centered[row + a]; for b in 0...a { cov[a * d + b] += ca * centered[row + b] } }
        }
        for a in 0..<d { for b in 0...a { cov[a * d + b] /= Double(n); cov[b * d + a] = cov[a * d + b] } }
        guard let l = cholesky(cov, d) else {
            throw .singularCovariance(dimension: d, rank: numericalRank(cov, d))
        }
        return (centered, l)
    }

    /// Numerical rank of a covariance: its eigenvalues above d·2⁻⁴⁵ of the largest.
    /// - Complexity: O(d³) per Jacobi sweep.
    static func numericalRank(_ a: [Double], _ d: Int) -> Int {
        let (values, _) = jacobi(a, d)
        let top = values.max() ?? 0
        return top > 0 ? values.filter { $0 > top * Double(d) * 0x1p-45 }.count : 0
    }

    /// Eigenvectors (columns of the row-major result) of a symmetric matrix, ordered by
    /// decreasing eigenvalue.
    static func symmetricEigenvectors(_ a: [Double], _ d: Int) -> [Double] {
        let (values, vectors) = jacobi(a, d)
        let order = (0..<d).sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var q = [Double](repeating: 0, count: d * d)
        for (c, from) in order.enumerated() { for r in 0..<d { q[r * d + c] = vectors[r * d + from] } }
        return q
    }

    /// Cyclic Jacobi eigen-decomposition of a symmetric matrix: (eigenvalues, eigenvectors
    /// as columns, row-major). Sweeps until the off-diagonal mass is below 2⁻¹⁰⁴ of the
    /// total (at most 64 sweeps).
    static func jacobi(_ input: [Double], _ d: Int) -> ([Double], [Double]) {
        var a = input
        var v = [Double](repeating: 0, count: d * d)
        guard d > 0 else { return ([], []) }
        a.withUnsafeMutableBufferPointer { a in
            v.withUnsafeMutableBufferPointer { v in _jacobiEigen(a.baseAddress!, v.baseAddress!, d) }
        }
        return ((0..<d).map { a[$0 * d + $0] }, v)
    }
}
