#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Normalization {
    /// The Gaussian copula transform: each column's values replaced by their normal scores
    /// Φ⁻¹((r + ½)/n), r = 0 ..< n the sample's rank in that column, so every column becomes
    /// the same n values, symmetric about 0, with standard normal marginal.
    ///
    /// Normal scores rather than the uniform ranks (r + ½)/n: both are monotone maps of the
    /// ranks (same MI, same exactness of the shared null), but KSG is biased at the edges of
    /// a bounded support. Measured on `samples/gaussian-pairs.h5` (n = 2,000, KSG-2, k = 3):
    /// uniform ranks read −0.008 nats on average over the independent pairs and 0.810 for the
    /// strongest pair; normal scores +0.0007 and 0.848, as the unranked data (+0.0006, 0.846).
    ///
    /// Ties are broken at random: equal values are ordered by a key drawn from the stream of
    /// (`seed`, `variableIndex`, column), never by sample position. So, for independent
    /// variables whose samples are exchangeable, the ranks of each scalar variable are a
    /// uniformly random permutation whatever its distribution, ties or zeros included: the
    /// null distribution of any estimate computed on them depends only on n and the
    /// estimator's settings (the shared null of `--permutations`).
    ///
    /// - Guarantees: bit-identical output under any strictly increasing transform of a
    ///   column (ranks depend only on the order of values, and ties map to ties); the MI of
    ///   tie-broken variables equals the MI of the originals (the tie-breaking noise is
    ///   independent of everything).
    /// - Throws: ``EstimationError/nonFiniteValues(count:)`` for NaN/±∞;
    ///   ``EstimationError/constantVariable`` when a column has a single distinct value
    ///   (its ranks would be pure noise) or no samples.
    /// `scores` (default ``normalScores(count:)``) gives the value of each rank, lowest
    /// first; the Gaussian-copula estimator passes ``copulaScores(count:)``.
    ///
    /// - Complexity: O(n·d·log n).
    public static func applyRank(to v: VariableData, seed: UInt64, variableIndex: UInt64,
                                 scores scoresOf: (Int) -> [Double] = normalScores) throws(EstimationError) -> VariableData {
        try rankColumns(v, seed: seed, variableIndex: variableIndex, scores: scoresOf).ranked
    }

    /// ``applyRank(to:seed:variableIndex:scores:)``, also saying which columns hold ties.
    ///
    /// - Complexity: O(n·d) (radix passes), plus O(t·log t) per run of t tied values.
    public static func rankColumns(_ v: VariableData, seed: UInt64, variableIndex: UInt64,
                                   scores scoresOf: (Int) -> [Double] = normalScores) throws(EstimationError) -> (ranked: VariableData, tied: [Bool]) {
        let bad = v.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if bad > 0 { throw .nonFiniteValues(count: bad) }
        let n = v.count, d = v.dimension
        if n == 0 { throw .constantVariable }
        var out = [Double](repeating: 0, count: n * d)
        var tied = [Bool](repeating: false, count: d)
        // The total order is value, then a tie-breaking key drawn per sample, then sample:
        // a stable radix sort by value, then each run of equal values sorted by (key, sample).
        // Keys are drawn (n per column, in sample order) only for columns that have ties.
        var radix = RadixOrder(count: n)
        let scores = scoresOf(n)
        let values = v.values
        for j in 0..<d {
            radix.load(values, column: j, dimension: d)
            radix.sort()
            // -0.0 == 0.0: both zeros have one key, so they are one tie.
            guard n == 1 || radix.keys[0] != radix.keys[n - 1] else { throw .constantVariable }
            var tieKeys: [UInt64] = []
            var start = 0
            while start < n {
                var end = start + 1
                while end < n && radix.keys[end] == radix.keys[start] { end += 1 }
                if end - start > 1 {
                    tied[j] = true
                    if tieKeys.isEmpty {
                        var generator = SeededGenerator(seed: seed, stream: rankStream(variableIndex: variableIndex, column: j))
                        tieKeys = (0..<n).map { _ in generator.next() }
                    }
                    radix.order[start..<end].sort { a, b in
                        tieKeys[a] != tieKeys[b] ? tieKeys[a] < tieKeys[b] : a < b
                    }
                }
                start = end
            }
            radix.order.withUnsafeBufferPointer { order in
                for rank in 0..<n { out[order[rank] * d + j] = scores[rank] }
            }
        }
        return (VariableData(count: n, dimension: d, values: out), tied)
    }

    /// Φ⁻¹((r + ½)/n) for r = 0 ..< n, exactly antisymmetric (score n − 1 − r = −score r).
    ///
    /// - Complexity: O(n).
    public static func normalScores(count n: Int) -> [Double] {
        var scores = [Double](repeating: 0, count: n)
        for r in 0..<(n / 2) {
            let z = inverseNormal((Double(r) + 0.5) / Double(n))
            scores[r] = z
            scores[n - 1 - r] = -z
        }
        return scores
    }

    /// Φ⁻¹((r + 1)/(n + 1)) for r = 0 ..< n: the copula normalization of Ince et al. (2017)
    /// and frites' `copnorm` (the empirical CDF at each rank, then the normal quantile);
    /// exactly antisymmetric like ``normalScores(count:)``.
    ///
    /// - Complexity: O(n).
    public static func copulaScores(count n: Int) -> [Double] {
        var scores = [Double](repeating: 0, count: n)
        for r in 0..<(n / 2) {
            let z = inverseNormal((Double(r) + 1) / (Double(n) + 1))
            scores[r] = z
            scores[n - 1 - r] = -z
        }
        return scores
    }

    /// Φ⁻¹(p) for 0 < p < 1: Acklam's rational approximation (relative error 1.15e-9)
    /// refined by one Halley step on erfc, to about 1e-15.
    ///
    /// p > ½ is computed as −Φ⁻¹(1 − p) (1 − p is exact there): the Halley residual
    /// Φ(x) − p cancels near p = 1 and left errors up to 1e-9 relative beyond p ≈ 0.99997.
    public static func inverseNormal(_ p: Double) -> Double {
        if p > 0.5 { return -inverseNormal(1 - p) }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let e = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1)
        }
        // Halley: f(x) = Φ(x) − p, with Φ(x) = erfc(−x/√2)/2.
        let error = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The tie-breaking stream of one column: distinct from the streams `--ties` and
    /// `--jitter` draw for the same variable.
    static func rankStream(variableIndex: UInt64, column: Int) -> UInt64 {
        SeededGenerator.mix64(variableIndex &* 0x9E37_79B9_7F4A_7C15 ^ 0x5241_4E4B_5449_4553) &+ UInt64(column)
    }
}
