import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Gaussian-copula mutual-information estimator (GCMI; Ince et al. 2017, "A statistical
/// framework for neuroimaging data analysis based on mutual information estimated via a
/// Gaussian copula"), as frites' `gcmi_cc` computes it.
///
/// Each dimension of each variable is replaced by its copula normal scores
/// Φ⁻¹((r + 1)/(n + 1)) (``Normalization/copulaScores(count:)``; ties broken at random per
/// (seed, variable, column), as ``Normalization/rank`` does); the MI of the scores is then
/// that of a Gaussian with their covariance, Σ_x = XᵀX/(n − 1) (the scores are centred by
/// construction, so no mean is subtracted, as frites' `demeaned=True`):
///
///     Î = ½ log det Σ_x + ½ log det Σ_y − ½ log det Σ_xy,
///
/// for scalars −½ log(1 − r²), r the correlation of the scores. With the bias correction
/// (default) each entropy gets the exact expectation of the Gaussian entropy estimator's
/// bias, Σ_k ψ((n − k)/2)/2 and (log 2 − log(n − 1))/2 per dimension, which for a pair
/// leaves Σ_{k=d_y+1}^{d_x+d_y} ψ((n − k)/2)/2 − Σ_{k=1}^{d_x} ψ((n − k)/2)/2 (about
/// −d_x·d_y/(2n)); bias-corrected values of independent pairs scatter about 0 and can be
/// negative.
///
/// - Guarantees: bit-identical under any strictly increasing transform of any dimension of
///   either variable (only ranks enter); a lower bound on the MI whose copula is not
///   Gaussian, exact for Gaussian copulas; blind to non-monotone dependence (x², sin,
///   circles read ≈ 0).
public struct GCMI: Sendable, Equatable {
    /// Whether the bias correction is applied (default: yes).
    public var biasCorrection: Bool

    /// An estimator, bias-corrected unless asked otherwise.
    public init(biasCorrection: Bool = true) {
        self.biasCorrection = biasCorrection
    }

    /// One variable after the copula normalization.
    public struct Prepared: Sendable {
        /// Samples n.
        public let count: Int
        /// Dimensions d.
        public let dimension: Int
        /// The normal scores, column-major: dimension j of sample i at `scores[j * count + i]`.
        public let scores: [Double]
        /// Σ_i s_ij s_ik (row-major d × d). The diagonal is the sum of the squared scores in
        /// rank order, the same bits for every variable of n samples.
        public let gram: [Double]
        /// ½ log det of the covariance `gram/(n − 1)` (Σ log of its Cholesky diagonal).
        public let halfLogDeterminant: Double
    }

    /// The fewest samples: 2 + d_x + d_y would make every covariance regular; 4 keeps the
    /// bias terms ψ((n − k)/2) defined for a scalar pair.
    public static let minimumSamples = 4

    /// The copula normalization of `data` and its covariance factor.
    ///
    /// - Throws: ``EstimationError/nonFiniteValues(count:)``, ``EstimationError/constantVariable``
    ///   (a dimension with one distinct value), ``EstimationError/tooFewSamples(count:required:)``,
    ///   ``EstimationError/singularCovariance(dimension:rank:)`` (dimensions whose scores are
    ///   linearly dependent).
    /// - Complexity: O(n·d·log n + n·d²).
    public static func prepare(_ data: VariableData, seed: UInt64, variableIndex: UInt64) throws(EstimationError) -> Prepared {
        try prepareReportingTies(data, seed: seed, variableIndex: variableIndex).prepared
    }

    /// ``prepare(_:seed:variableIndex:)``, also saying which dimensions hold ties.
    static func prepareReportingTies(_ data: VariableData, seed: UInt64, variableIndex: UInt64) throws(EstimationError) -> (prepared: Prepared, tied: [Bool]) {
        let n = data.count, d = data.dimension
        guard n >= minimumSamples else { throw .tooFewSamples(count: n, required: minimumSamples) }
        let (ranked, tied) = try Normalization.rankColumns(data, seed: seed, variableIndex: variableIndex, scores: ScoreCache.copula)
        var scores = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { scores[j * n + i] = ranked.values[i * d + j] } }
        let squares = sumOfSquares(samples: n)
        var gram = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            gram[j * d + j] = squares
            for k in (j + 1)..<max(d, j + 1) {
                let value = dot(scores, j * n, scores, k * n, count: n)
                gram[j * d + k] = value
                gram[k * d + j] = value
            }
        }
        guard let half = halfLogDeterminant(gram, dimension: d, samples: n) else {
            throw .singularCovariance(dimension: d, rank: numericalRank(gram, dimension: d))
        }
        return (Prepared(count: n, dimension: d, scores: scores, gram: gram, halfLogDeterminant: half), tied)
    }

    /// Σ Φ⁻¹((r + 1)/(n + 1))² over r = 0 ..< n, summed in rank order (the diagonal of every
    /// variable's Gram matrix).
    ///
    /// - Complexity: O(n).
    public static func sumOfSquares(samples n: Int) -> Double {
        ScoreCache.squares(n)
    }

    /// Î(X; Y) in nats.
    ///
    /// - Throws: ``EstimationError/dimensionMismatch(_:)`` when the sample counts differ.
    /// - Complexity: O(n·d_x·d_y + (d_x + d_y)³).
    public func estimate(_ x: Prepared, _ y: Prepared) throws(EstimationError) -> Double {
        guard x.count == y.count else {
            throw .dimensionMismatch("x has \(x.count) samples, y has \(y.count)")
        }
        let n = x.count
        if x.dimension == 1 && y.dimension == 1 {
            let c = Self.dot(x.scores, 0, y.scores, 0, count: n)
            return scalar(product: c, x.gram[0], y.gram[0], samples: n)
        }
        let dx = x.dimension, dy = y.dimension, dd = dx + dy
        var joint = [Double](repeating: 0, count: dd * dd)
        for j in 0..<dx { for k in 0..<dx { joint[j * dd + k] = x.gram[j * dx + k] } }
        for j in 0..<dy { for k in 0..<dy { joint[(dx + j) * dd + dx + k] = y.gram[j * dy + k] } }
        for j in 0..<dx {
            for k in 0..<dy {
                let value = Self.dot(x.scores, j * n, y.scores, k * n, count: n)
                joint[j * dd + dx + k] = value
                joint[(dx + k) * dd + j] = value
            }
        }
        guard let hxy = Self.halfLogDeterminant(joint, dimension: dd, samples: n) else { return .infinity }
        return x.halfLogDeterminant + y.halfLogDeterminant - hxy + (biasCorrection ? Self.bias(samples: n, dx, dy) : 0)
    }

    /// The MI in nats of two scalar score vectors with dot product `c` and sums of squares
    /// `sx`, `sy`: −½ log(1 − c²/(sx·sy)), plus the bias term when corrected; +∞ when the
    /// scores are collinear (|r| = 1 after rounding).
    ///
    /// - Complexity: O(1).
    @inlinable
    public func scalar(product c: Double, _ sx: Double, _ sy: Double, samples n: Int) -> Double {
        let raw = Self.uncorrected(product: c, sx, sy)
        return biasCorrection ? raw + Self.bias(samples: n, 1, 1) : raw
    }

    /// −½ log(1 − c²/(sx·sy)) in nats: through log1p for weak pairs (r² < ½, full relative
    /// precision near 0), through (s − |c|)(s + |c|) for strong ones. +∞ when 1 − r² ≤ 1e-12
    /// (above 13.8 nats): only scores with identical ranks get there, and rounding alone then
    /// decides between 0 and a tiny 1 − r², so both routes (panel and pair) say +∞.
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func uncorrected(product c: Double, _ sx: Double, _ sy: Double) -> Double {
        let s = (sx * sy).squareRoot(), a = abs(c)
        let r = a / s
        if r * r < 0.5 { return -0.5 * log1p(-r * r) }
        let q = (s - a) * (s + a) / (s * s)
        return q > 1e-12 ? -0.5 * log(q) : .infinity
    }

    /// The bias correction of a pair in nats: Σ_{k=d_y+1}^{d_x+d_y} ψ((n−k)/2)/2 − Σ_{k=1}^{d_x} ψ((n−k)/2)/2
    /// (frites' `psiterms`; the (log 2 − log(n − 1))/2 terms cancel). Negative, about −d_x·d_y/(2n).
    ///
    /// - Complexity: O(d_x + d_y).
    public static func bias(samples n: Int, _ dx: Int, _ dy: Int) -> Double {
        var total = 0.0
        for k in (dy + 1)...(dx + dy) { total += Digamma.real(Double(n - k) / 2) / 2 }
        for k in 1...dx { total -= Digamma.real(Double(n - k) / 2) / 2 }
        return total
    }

    /// Σ_i a[offsetA + i]·b[offsetB + i], in index order.
    static func dot(_ a: [Double], _ offsetA: Int, _ b: [Double], _ offsetB: Int, count n: Int) -> Double {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var i = 0
                while i + 4 <= n {
                    s0 += pa[offsetA + i] * pb[offsetB + i]
                    s1 += pa[offsetA + i + 1] * pb[offsetB + i + 1]
                    s2 += pa[offsetA + i + 2] * pb[offsetB + i + 2]
                    s3 += pa[offsetA + i + 3] * pb[offsetB + i + 3]
                    i += 4
                }
                while i < n { s0 += pa[offsetA + i] * pb[offsetB + i]; i += 1 }
                return (s0 + s1) + (s2 + s3)
            }
        }
    }

    /// ½ log det(gram/(n − 1)) through a Cholesky factorization, `nil` when the matrix is not
    /// numerically positive definite.
    static func halfLogDeterminant(_ gram: [Double], dimension d: Int, samples n: Int) -> Double? {
        let covariance = gram.map { $0 / Double(n - 1) }
        guard let l = Cholesky.factor(covariance, dimension: d, accepts: { j, pivot in
            pivot > 1e-14 * covariance[j * d + j] && pivot.isFinite
        }) else { return nil }
        var total = 0.0
        for j in 0..<d { total += log(l[j * d + j]) }
        return total
    }

    /// How many dimensions a Cholesky with pivot skipping keeps (for the error message).
    static func numericalRank(_ gram: [Double], dimension d: Int) -> Int {
        var rank = 0
        for m in 1...d {
            var sub = [Double](repeating: 0, count: m * m)
            for j in 0..<m { for k in 0..<m { sub[j * m + k] = gram[j * d + k] } }
            if halfLogDeterminant(sub, dimension: m, samples: 2) != nil { rank = m } else { break }
        }
        return rank
    }
}

/// The copula scores and their sum of squares for the last few n (a run has one n, or a
/// few under `--nan pairwise`): Φ⁻¹ is evaluated n times per n, not per variable.
enum ScoreCache {
    private static let cache = Mutex<[(n: Int, scores: [Double], squares: Double)]>([])

    private static func entry(_ n: Int) -> (scores: [Double], squares: Double) {
        if let hit = cache.withLock({ $0.first { $0.n == n } }) { return (hit.scores, hit.squares) }
        let scores = Normalization.copulaScores(count: n)
        let squares = scores.reduce(0) { $0 + $1 * $1 }
        cache.withLock { entries in
            if !entries.contains(where: { $0.n == n }) {
                if entries.count >= 8 { entries.removeFirst() }
                entries.append((n, scores, squares))
            }
        }
        return (scores, squares)
    }

    /// ``Normalization/copulaScores(count:)``.
    static func copula(_ n: Int) -> [Double] { entry(n).scores }
    /// Their sum of squares in rank order.
    static func squares(_ n: Int) -> Double { entry(n).squares }
}

extension Digamma {
    /// ψ(x) for real x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the
    /// asymptotic series log x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ) to x⁻¹⁴ (error below 1e-16 there).
    ///
    /// - Precondition: `x > 0`.
    /// - Complexity: O(1) (at most 10 recurrence steps).
    public static func real(_ x: Double) -> Double {
        precondition(x > 0, "Digamma.real: argument must be positive (got \(x))")
        var x = x, shift = 0.0
        while x < 10 { shift -= 1 / x; x += 1 }
        let z = 1 / (x * x)
        let series = z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))))
        return shift + log(x) - 0.5 / x - series
    }
}
