/// How a variable is rescaled before estimation (design.md §2).
///
/// For V ∈ ℝ^{n×d} with per-dimension mean μ:
///
/// | case | transform | statistic s(V) |
/// |---|---|---|
/// | `none` | V | — |
/// | `local` | each column (v − mean) / std (population std, divisor n) | — |
/// | `globalStd` | (V − μ) / s | sqrt(mean over all n·d entries of (V − μ)²) |
/// | `globalL2` | (V − μ) / s | mean_i ‖V_i − μ‖₂ |
/// | `globalLinf` | (V − μ) / s | mean_i ‖V_i − μ‖_∞ |
/// | `robust` | (V − m) / s, m = per-dimension median | median_i ‖V_i − m‖_∞ |
/// | `rank` | each column to its normal scores Φ⁻¹((r + ½)/n), r its rank 0 ..< n, ties broken at random | — |
/// | `whiten` | Qᵀ·L⁻¹·(V_i − μ), Σ = L·Lᵀ the covariance, Q a canonical rotation (``applyWhiten(to:)``); d = 1: `global-std` | — |
/// | `whitenRobust` | as `whiten` with μ, Σ the Hettmansperger–Randles spatial median and Tyler shape (``applyRobustWhiten(to:)``); d = 1: `robust` | — |
///
/// Every global statistic satisfies s(αV) = α·s(V) for α > 0 — bit-exactly when α is a
/// power of two (barring overflow/underflow of αV itself), to rounding otherwise — so
/// a global normalization makes any estimator invariant to rescaling either variable.
/// `local` instead equalizes the dimensions, changing the geometry between them. `rank`
/// (the copula transform, ``applyRank(to:seed:variableIndex:)``) is invariant to every strictly
/// increasing transform of each column, bit for bit. `whiten` is invariant to every
/// invertible affine map V ↦ A·V + b of a multi-dimensional variable, up to round-off;
/// so is `whiten-robust`, whose statistics a few gross outliers barely move.
/// Medians of an even count are the midpoint `a + (b − a)/2` of the two middle values.
public enum Normalization: String, CaseIterable, Codable, Sendable {
    case none, local, globalStd = "global-std", globalL2 = "global-l2", globalLinf = "global-linf", robust, rank
    /// Affine-invariant whitening by the variable's own covariance (``applyWhiten(to:)``).
    case whiten
    /// Affine-invariant whitening by a robust location and scatter (``applyRobustWhiten(to:)``).
    case whitenRobust = "whiten-robust"

    /// Applies the transform; `rank` breaks ties with the stream of (`seed`, `variableIndex`).
    ///
    /// - Throws: as ``apply(to:)``.
    /// - Complexity: as ``apply(to:)``.
    public func apply(to v: VariableData, seed: UInt64, variableIndex: UInt64) throws(EstimationError) -> VariableData {
        self == .rank ? try Self.applyRank(to: v, seed: seed, variableIndex: variableIndex) : try apply(to: v)
    }

    /// Applies the transform (`rank`: ties broken with seed 0, variable 0). `none` returns
    /// `v` unchanged and never throws.
    ///
    /// - Throws: ``EstimationError/nonFiniteValues(count:)`` if `v` holds NaN/∞ (not for
    ///   `none`); ``EstimationError/constantVariable`` when the statistic is 0 or not
    ///   finite (for `local`: when any column has zero std); for `whiten` and `whiten-robust`, also
    ///   ``EstimationError/singularCovariance(dimension:rank:)``.
    /// - Complexity: O(n·d); O(n·d·log n) for `robust` (medians by sorting); O(n·d² + d³) for `whiten`; O(n·d²) per iteration for `whiten-robust`.
    public func apply(to v: VariableData) throws(EstimationError) -> VariableData {
        if self == .none { return v }
        if self == .rank { return try Self.applyRank(to: v, seed: 0, variableIndex: 0) }
        if self == .whiten { return try Self.applyWhiten(to: v) }
        if self == .whitenRobust { return try Self.applyRobustWhiten(to: v) }
        let bad = v.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if bad > 0 { throw .nonFiniteValues(count: bad) }
        if v.count == 0 { throw .constantVariable }
        let n = v.count, d = v.dimension
        var out = v.values
        if self == .local {
            let mu = Self.columnMeans(v)
            for j in 0..<d {
                var ss = 0.0
                for i in 0..<n { let a = v.values[i * d + j] - mu[j]; ss += a * a }
                let sd = (ss / Double(n)).squareRoot()
                guard sd > 0, sd.isFinite else { throw .constantVariable }
                for i in 0..<n { out[i * d + j] = (v.values[i * d + j] - mu[j]) / sd }
            }
            return VariableData(count: n, dimension: d, values: out)
        }
        let center = self == .robust ? Self.columnMedians(v) : Self.columnMeans(v)
        let s = statistic(of: v, center: center)
        guard s > 0, s.isFinite else { throw .constantVariable }
        for i in 0..<n {
            for j in 0..<d { out[i * d + j] = (v.values[i * d + j] - center[j]) / s }
        }
        return VariableData(count: n, dimension: d, values: out)
    }

    /// The scalar statistic s(V) of a global normalization (see the table above);
    /// `nil` for `none` and `local`. NaN for an empty variable or one with NaN values.
    ///
    /// - Guarantees: s(αV) = α·s(V), α > 0 (bit-exact for powers of two).
    /// - Complexity: O(n·d); O(n·d·log n) for `robust`.
    public func statistic(of v: VariableData) -> Double? {
        switch self {
        case .none, .local, .rank, .whiten, .whitenRobust: return nil
        case .robust: return statistic(of: v, center: Self.columnMedians(v))
        default: return statistic(of: v, center: Self.columnMeans(v))
        }
    }

    private func statistic(of v: VariableData, center: [Double]) -> Double {
        let n = v.count, d = v.dimension
        guard n > 0 else { return .nan }
        switch self {
        case .globalStd, .globalL2:
            // Pre-scale by a power of two (exact) so squares neither overflow nor underflow.
            var maxAbs = 0.0
            for i in 0..<n { for j in 0..<d { maxAbs = max(maxAbs, abs(v.values[i * d + j] - center[j])) } }
            guard maxAbs.isFinite else { return .nan }
            if maxAbs == 0 { return 0 }
            let p = Double(sign: .plus, exponent: -maxAbs.exponent, significand: 1)
            if self == .globalStd {
                var ss = 0.0
                for i in 0..<n { for j in 0..<d { let a = (v.values[i * d + j] - center[j]) * p; ss += a * a } }
                return (ss / Double(n * d)).squareRoot() / p
            }
            var total = 0.0
            for i in 0..<n {
                var ss = 0.0
                for j in 0..<d { let a = (v.values[i * d + j] - center[j]) * p; ss += a * a }
                total += ss.squareRoot()
            }
            return total / Double(n) / p
        case .globalLinf:
            var total = 0.0
            for i in 0..<n { total += Self.rowLinf(v, i, center) }
            return total / Double(n)
        case .robust:
            return Self.median((0..<n).map { Self.rowLinf(v, $0, center) })
        case .none, .local, .rank, .whiten, .whitenRobust:
            preconditionFailure("no scalar statistic")
        }
    }

    private static func rowLinf(_ v: VariableData, _ i: Int, _ c: [Double]) -> Double {
        var m = 0.0
        let d = v.dimension
        for j in 0..<d {
            let a = abs(v.values[i * d + j] - c[j])
            if !(a <= m) { m = a }  // propagates NaN
        }
        return m
    }

    static func columnMeans(_ v: VariableData) -> [Double] {
        let n = v.count, d = v.dimension
        var mu = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mu[j] += v.values[i * d + j] } }
        return mu.map { $0 / Double(n) }
    }

    static func columnMedians(_ v: VariableData) -> [Double] {
        (0..<v.dimension).map { median(v.column($0)) }
    }

    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        if xs.contains(where: { $0.isNaN }) { return .nan }
        let s = xs.sorted()
        let h = s.count / 2
        if s.count % 2 == 1 { return s[h] }
        let a = s[h - 1], b = s[h]
        return a + (b - a) / 2
    }
}
