import MIEstimators
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - An independent reference, straight from the definition

/// GCMI written again from its definition (Ince et al. 2017; frites' `gcmi_1d_cc`), sharing
/// no code with `GCMI`: ranks by sorting the samples, Φ⁻¹ by bisection on `erfc`, log-determinants
/// by Gaussian elimination with partial pivoting (not Cholesky), ψ at the integers and
/// half-integers by its finite sums. Defined for continuous data only (no ties: the reference
/// does not reproduce the seeded tie-breaking).
private enum GCMIReference {
    static let eulerGamma = 0.577215664901532860606512090082402431

    /// Φ(x) = erfc(−x/√2)/2.
    static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Φ⁻¹(q) for 0 < q ≤ ½, by bisection on [−40, 0] down to adjacent doubles.
    static func lowerQuantile(_ q: Double) -> Double {
        precondition(q > 0 && q <= 0.5)
        if q == 0.5 { return 0 }
        var lo = -40.0, hi = 0.0
        for _ in 0..<2000 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if cdf(mid) < q { lo = mid } else { hi = mid }
        }
        return abs(cdf(lo) - q) < abs(cdf(hi) - q) ? lo : hi
    }

    /// Φ⁻¹((r + 1)/(n + 1)); the upper half as −Φ⁻¹((n − r)/(n + 1)) (the lower tail of the
    /// same quantile, computed from its own exact fraction).
    static func copulaScore(rank r: Int, samples n: Int) -> Double {
        let numerator = r + 1, denominator = n + 1
        if 2 * numerator == denominator { return 0 }
        if 2 * numerator < denominator { return lowerQuantile(Double(numerator) / Double(denominator)) }
        return -lowerQuantile(Double(denominator - numerator) / Double(denominator))
    }

    /// The copula scores of one column (0-based ranks by sorting; no ties).
    static func copula(_ column: [Double]) -> [Double] {
        let n = column.count
        let order = column.indices.sorted { column[$0] < column[$1] }
        var scores = [Double](repeating: 0, count: n)
        var cache: [Int: Double] = [:]
        for (rank, sample) in order.enumerated() {
            if let hit = cache[rank] {
                scores[sample] = hit
            } else {
                let z = copulaScore(rank: rank, samples: n)
                cache[rank] = z
                scores[sample] = z
            }
        }
        return scores
    }

    /// log |det a| for a row-major m × m matrix, by LU with partial pivoting.
    static func logDeterminant(_ a: [Double], _ m: Int) -> Double {
        var u = a
        var total = 0.0
        for column in 0..<m {
            var pivot = column
            for row in (column + 1)..<max(m, column + 1) where abs(u[row * m + column]) > abs(u[pivot * m + column]) { pivot = row }
            if pivot != column { for k in 0..<m { u.swapAt(column * m + k, pivot * m + k) } }
            let p = u[column * m + column]
            precondition(p != 0, "singular matrix")
            total += log(abs(p))
            for row in (column + 1)..<max(m, column + 1) {
                let factor = u[row * m + column] / p
                for k in column..<m { u[row * m + k] -= factor * u[column * m + k] }
            }
        }
        return total
    }

    /// Kahan-compensated sum.
    static func sum(_ terms: [Double]) -> Double {
        var total = 0.0, compensation = 0.0
        for term in terms {
            let y = term - compensation
            let t = total + y
            compensation = (t - total) - y
            total = t
        }
        return total
    }

    /// ψ(j/2) for an integer j ≥ 1: ψ(m) = −γ + H_{m−1} (j = 2m), ψ(m + ½) = −γ − 2 log 2 + Σ_{i=1}^{m} 2/(2i − 1)
    /// (j = 2m + 1).
    static func digammaOfHalf(_ j: Int) -> Double {
        precondition(j >= 1)
        if j % 2 == 0 {
            let m = j / 2
            return -eulerGamma + sum((1..<max(m, 1)).map { 1 / Double($0) })
        }
        let m = (j - 1) / 2
        return -eulerGamma - 2 * log(2.0) + sum((0..<m).map { 2 / Double(2 * ($0 + 1) - 1) })
    }

    /// Σ_{k=d_y+1}^{d_x+d_y} ψ((n−k)/2)/2 − Σ_{k=1}^{d_x} ψ((n−k)/2)/2.
    static func bias(samples n: Int, _ dx: Int, _ dy: Int) -> Double {
        var total = 0.0
        for k in (dy + 1)...(dx + dy) { total += digammaOfHalf(n - k) / 2 }
        for k in 1...dx { total -= digammaOfHalf(n - k) / 2 }
        return total
    }

    /// Î(X; Y) in nats: ½ log det Σ_x + ½ log det Σ_y − ½ log det Σ_xy with Σ = SᵀS/(n − 1) of
    /// the copula scores S (no mean subtracted), plus the bias term when `biasCorrected`.
    static func mi(_ x: VariableData, _ y: VariableData, biasCorrected: Bool) -> Double {
        let n = x.count, dx = x.dimension, dy = y.dimension, d = dx + dy
        var columns: [[Double]] = []
        for j in 0..<dx { columns.append(copula((0..<n).map { x.values[$0 * dx + j] })) }
        for j in 0..<dy { columns.append(copula((0..<n).map { y.values[$0 * dy + j] })) }
        var joint = [Double](repeating: 0, count: d * d)
        for a in 0..<d {
            for b in 0..<d {
                var s = 0.0
                for i in 0..<n { s += columns[a][i] * columns[b][i] }
                joint[a * d + b] = s / Double(n - 1)
            }
        }
        func block(_ range: Range<Int>) -> [Double] {
            var out: [Double] = []
            for a in range { for b in range { out.append(joint[a * d + b]) } }
            return out
        }
        let value = 0.5 * (logDeterminant(block(0..<dx), dx) + logDeterminant(block(dx..<d), dy) - logDeterminant(joint, d))
        return biasCorrected ? value + bias(samples: n, dx, dy) : value
    }
}

// MARK: - Data

/// Seeded draws for these tests.
private struct Draws {
    var generator: SeededGenerator
    init(_ seed: UInt64) { generator = SeededGenerator(seed: seed, stream: 0x6C4D1) }
    mutating func uniform() -> Double { generator.nextUnit() }
    mutating func normal() -> Double {
        let u1 = 1.0 - generator.nextUnit(), u2 = generator.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// n samples of a zero-mean Gaussian with covariance `sigma` (row-major m × m), row-major.
    mutating func gaussian(n: Int, covariance sigma: [Double], _ m: Int) -> [Double] {
        var l = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0...i {
                var s = sigma[i * m + j]
                for k in 0..<j { s -= l[i * m + k] * l[j * m + k] }
                l[i * m + j] = i == j ? s.squareRoot() : s / l[j * m + j]
            }
        }
        var out = [Double](repeating: 0, count: n * m)
        for i in 0..<n {
            let z = (0..<m).map { _ in normal() }
            for a in 0..<m {
                var s = 0.0
                for b in 0...a { s += l[a * m + b] * z[b] }
                out[i * m + a] = s
            }
        }
        return out
    }
}

extension VariableData {
    /// Dimensions `range` of each sample.
    fileprivate func columns(_ range: Range<Int>) -> VariableData {
        var out: [Double] = []
        for i in 0..<count { for j in range { out.append(values[i * dimension + j]) } }
        return VariableData(count: count, dimension: range.count, values: out)
    }

    /// Dimension `j` transformed by `f`, the others unchanged.
    fileprivate func mapping(dimension j: Int, _ f: (Double) -> Double) -> VariableData {
        var out = values
        for i in 0..<count { out[i * dimension + j] = f(values[i * dimension + j]) }
        return VariableData(count: count, dimension: dimension, values: out)
    }

    /// Whether some dimension repeats a value.
    fileprivate var hasTies: Bool {
        (0..<dimension).contains { j in Set((0..<count).map { values[$0 * dimension + j] }).count < count }
    }
}

/// A joint sample of `dimensions.reduce(+)` correlated non-Gaussian columns (Gaussian copula
/// with correlation `rho` between successive columns, marginals made skewed, bounded or
/// heavy-tailed), split into variables of the given dimensions. Continuous (no ties).
private func mixedMarginals(n: Int, dimensions: [Int], rho: Double, seed: UInt64) -> [VariableData] {
    let m = dimensions.reduce(0, +)
    var sigma = [Double](repeating: 0, count: m * m)
    for a in 0..<m { for b in 0..<m { sigma[a * m + b] = pow(rho, Double(abs(a - b))) } }
    var draws = Draws(seed)
    let joint = draws.gaussian(n: n, covariance: sigma, m)
    let marginals: [(Double) -> Double] = [{ exp($0) }, { $0 * $0 * $0 + $0 }, { 1 / (1 + exp(-2 * $0)) }, { $0 }, { atan($0) * 10 + 3 }]
    var out: [VariableData] = []
    var start = 0
    for d in dimensions {
        var values: [Double] = []
        for i in 0..<n { for j in start..<(start + d) { values.append(marginals[j % marginals.count](joint[i * m + j])) } }
        out.append(VariableData(count: n, dimension: d, values: values))
        start += d
    }
    return out
}

/// Scalar variable `index` of `count` independent-ish continuous variables sharing a weak
/// common factor (so the MI matrix is not all zero).
private func scalarFamily(count: Int, n: Int, seed: UInt64) -> [VariableData] {
    var draws = Draws(seed)
    var columns = [[Double]](repeating: [], count: count)
    for _ in 0..<n {
        let factor = draws.normal()
        for v in 0..<count {
            let loading = Double(v % 7) / 10
            columns[v].append(loading * factor + draws.normal())
        }
    }
    return columns.map { VariableData(column: $0) }
}

// MARK: - Tests

@Suite struct GCMITests {
    static func prepare(_ v: VariableData, seed: UInt64 = 0, index: UInt64 = 0) throws -> GCMI.Prepared {
        try GCMI.prepare(v, seed: seed, variableIndex: index)
    }

    static func estimate(_ x: VariableData, _ y: VariableData, biasCorrection: Bool = true, seed: UInt64 = 0) throws -> Double {
        try GCMI(biasCorrection: biasCorrection).estimate(prepare(x, seed: seed, index: 1), prepare(y, seed: seed, index: 2))
    }

    // MARK: The reference itself

    /// The reference's pieces against known values: Φ⁻¹ at quantiles with published values,
    /// ψ(½) = −γ − 2 log 2, ψ(1) = −γ, and the documented bias ≈ −d_x·d_y/(2n).
    @Test func referencePiecesAreRight() {
        #expect(abs(GCMIReference.lowerQuantile(0.025) - -1.9599639845400545) < 1e-15)
        #expect(abs(GCMIReference.lowerQuantile(0.15865525393145707) - -1.0) < 1e-15)
        #expect(abs(GCMIReference.lowerQuantile(1e-10) - -6.361340902404056) < 1e-13)
        #expect(abs(GCMIReference.digammaOfHalf(1) - (-GCMIReference.eulerGamma - 2 * log(2.0))) < 1e-16)
        #expect(abs(GCMIReference.digammaOfHalf(2) - -GCMIReference.eulerGamma) < 1e-16)
        #expect(abs(GCMIReference.digammaOfHalf(20) - 2.251752589066721) < 1e-15)   // ψ(10)
        #expect(abs(GCMIReference.digammaOfHalf(21) - 2.3030010342976865) < 1e-14)   // ψ(10.5)
        for n in [100, 1001, 5000] {
            #expect(abs(GCMIReference.bias(samples: n, 1, 1) + 1 / (2 * Double(n))) < 2 / (Double(n) * Double(n)))
        }
    }

    /// The copula scores, the ψ-based bias and `Digamma.real` against the reference.
    @Test func scoresAndBiasAgreeWithTheReference() {
        for n in [4, 5, 57, 500, 1001] {
            let scores = Normalization.copulaScores(count: n)
            for r in 0..<n {
                let reference = GCMIReference.copulaScore(rank: r, samples: n)
                #expect(abs(scores[r] - reference) <= 4e-15 * max(1, abs(reference)), "n \(n) r \(r): \(scores[r]) vs \(reference)")
            }
            // Antisymmetric exactly, 0 in the middle for odd n.
            #expect((0..<n).allSatisfy { scores[$0] == -scores[n - 1 - $0] })
            let squares = scores.reduce(0) { $0 + $1 * $1 }
            #expect(abs(GCMI.sumOfSquares(samples: n) - squares) <= 1e-12 * squares)
        }
        for n in [4, 5, 6, 37, 500, 1001, 5000] {
            for dx in 1...3 {
                for dy in 1...3 where dx + dy < n {
                    let reference = GCMIReference.bias(samples: n, dx, dy)
                    #expect(abs(GCMI.bias(samples: n, dx, dy) - reference) < 1e-13, "n \(n) dx \(dx) dy \(dy)")
                }
            }
        }
        for j in 1...60 { #expect(abs(Digamma.real(Double(j) / 2) - GCMIReference.digammaOfHalf(j)) < 1e-13, "ψ(\(j)/2)") }
    }

    // MARK: Agreement with the reference

    /// Scalar pairs of continuous, non-Gaussian data, n even and odd, weak to strong
    /// dependence, with and without the bias correction: to 1e-10 nats.
    @Test(arguments: [(500, 0.0), (500, 0.4), (333, 0.8), (1000, 0.95), (4, 0.5), (7, -0.6)])
    func scalarPairsMatchTheReference(n: Int, rho: Double) throws {
        let variables = mixedMarginals(n: n, dimensions: [1, 1], rho: rho, seed: UInt64(n) &* 31 &+ UInt64(abs(rho) * 100))
        let (x, y) = (variables[0], variables[1])
        #expect(!x.hasTies && !y.hasTies)
        for corrected in [true, false] {
            let value = try Self.estimate(x, y, biasCorrection: corrected)
            let reference = GCMIReference.mi(x, y, biasCorrected: corrected)
            #expect(abs(value - reference) < 1e-10, "n \(n) ρ \(rho) corrected \(corrected): \(value) vs reference \(reference)")
            // The estimate is symmetric.
            let swapped = try Self.estimate(y, x, biasCorrection: corrected)
            #expect(abs(swapped - value) < 1e-13)
        }
    }

    /// Multi-dimensional variables (1×2, 2×2, 2×3, 3×3, 3×1) of correlated, non-Gaussian
    /// columns: to 1e-10 nats with and without the correction.
    @Test(arguments: [[1, 2], [2, 2], [2, 3], [3, 3], [3, 1]])
    func multidimensionalPairsMatchTheReference(dimensions: [Int]) throws {
        for (n, rho) in [(400, 0.6), (251, 0.3)] {
            let variables = mixedMarginals(n: n, dimensions: dimensions, rho: rho, seed: UInt64(7 * n + dimensions[0] * 3 + dimensions[1]))
            let (x, y) = (variables[0], variables[1])
            #expect(!x.hasTies && !y.hasTies)
            for corrected in [true, false] {
                let value = try Self.estimate(x, y, biasCorrection: corrected)
                let reference = GCMIReference.mi(x, y, biasCorrected: corrected)
                #expect(abs(value - reference) < 1e-10, "\(dimensions) n \(n) corrected \(corrected): \(value) vs reference \(reference)")
            }
            // Without the correction the difference is exactly the documented bias term.
            let corrected = try Self.estimate(x, y), plain = try Self.estimate(x, y, biasCorrection: false)
            #expect(abs(corrected - plain - GCMI.bias(samples: n, dimensions[0], dimensions[1])) < 1e-14)
        }
    }

    /// The protocol's entry points (`prepareVariable`, `estimate(_:_:pair:)`) are the same
    /// computation as `prepare` and `estimate`, to the bit; settings round-trip.
    @Test func protocolEntryPointsAreTheSameComputation() throws {
        let variables = mixedMarginals(n: 300, dimensions: [2, 1], rho: 0.5, seed: 3)
        for settings in [GCMI.Settings(), GCMI.Settings(biasCorrection: .none)] {
            let gcmi = GCMI(settings: settings)
            #expect(gcmi.settings == settings)
            #expect(gcmi.biasCorrection == (settings.biasCorrection == .gaussian))
            let (px, tx) = try gcmi.prepareVariable(variables[0], VariableRole(index: 4, seed: 9))
            let (py, _) = try gcmi.prepareVariable(variables[1], VariableRole(index: 5, seed: 9))
            _ = tx
            let viaProtocol = try gcmi.estimate(px, py, pair: PairIdentity(seed: 9, variables: (4, 5)))
            let direct = try gcmi.estimate(GCMI.prepare(variables[0], seed: 9, variableIndex: 4), GCMI.prepare(variables[1], seed: 9, variableIndex: 5))
            #expect(viaProtocol.bitPattern == direct.bitPattern)
        }
        #expect(GCMI.Settings().biasCorrection == .gaussian, "bias-corrected by default")
        #expect(GCMI().biasCorrection)
        #expect(GCMI.name == "gcmi")
    }

    // MARK: Accuracy on Gaussian data

    /// Bivariate normal, n = 5,000: the bias-corrected estimate is within 0.01 nats of
    /// −½ log(1 − ρ²) on average over 12 samples (standard error of the mean ≤ ρ/√(12n) =
    /// 0.0037 at ρ = 0.9), and each sample within 4 standard errors ρ/√n of it (the
    /// asymptotic standard deviation of the Gaussian MI estimate; normal scores are efficient
    /// at the normal). Gaussian marginals are not needed: exp and x³ change nothing.
    @Test(arguments: [0.3, 0.6, 0.9])
    func bivariateNormalIsEstimatedWithoutBias(rho: Double) throws {
        let n = 5000, replicates = 12
        let truth = -0.5 * log(1 - rho * rho)
        var estimates: [Double] = []
        for r in 0..<replicates {
            var draws = Draws(UInt64(1000 * rho) + UInt64(r) * 7919)
            let joint = draws.gaussian(n: n, covariance: [1, rho, rho, 1], 2)
            let x = VariableData(column: (0..<n).map { joint[2 * $0] }), y = VariableData(column: (0..<n).map { joint[2 * $0 + 1] })
            let value = try Self.estimate(x, y)
            #expect(abs(value - truth) < 4 * rho / Double(n).squareRoot(), "ρ \(rho) sample \(r): \(value) vs \(truth)")
            if r == 0 {
                #expect(try Self.estimate(x.map { exp($0) }, y.map { $0 * $0 * $0 }).bitPattern == value.bitPattern)
            }
            estimates.append(value)
        }
        let mean = estimates.reduce(0, +) / Double(replicates)
        #expect(abs(mean - truth) < 0.01, "ρ \(rho): mean \(mean) vs truth \(truth); \(estimates)")
    }

    /// Multivariate normals, n = 5,000: a 2-D X and 2-D Y with coordinate-wise ρ = 0.5 (truth
    /// 2 × 0.1438), and a 1-D X with a 2-D Y of a general covariance (truth from the
    /// determinants): within 0.02 nats.
    @Test func multivariateNormalIsEstimatedWithoutBias() throws {
        let n = 5000
        let cases: [(covariance: [Double], dx: Int, dy: Int)] = [
            ([1, 0, 0.5, 0,
              0, 1, 0, 0.5,
              0.5, 0, 1, 0,
              0, 0.5, 0, 1], 2, 2),
            ([1, 0.6, -0.3,
              0.6, 1, 0.2,
              -0.3, 0.2, 1], 1, 2),
            ([2, 0.5, 0.8, 0.1,
              0.5, 1, -0.4, 0.3,
              0.8, -0.4, 1.5, 0.2,
              0.1, 0.3, 0.2, 1], 3, 1),
        ]
        for (index, c) in cases.enumerated() {
            let m = c.dx + c.dy
            let truth = gaussianMI(covariance: c.covariance, dx: c.dx, dt: c.dy)
            var estimates: [Double] = []
            for r in 0..<4 {
                var draws = Draws(UInt64(500 + 10 * index + r))
                let joint = VariableData(count: n, dimension: m, values: draws.gaussian(n: n, covariance: c.covariance, m))
                estimates.append(try Self.estimate(joint.columns(0..<c.dx), joint.columns(c.dx..<m)))
            }
            let mean = estimates.reduce(0, +) / Double(estimates.count)
            #expect(abs(mean - truth) < 0.02, "case \(index): mean \(mean) vs truth \(truth); \(estimates)")
        }
    }

    /// Independent pairs: the bias-corrected values scatter about 0 (mean within 4 standard
    /// errors), the uncorrected about d_x·d_y/(2n).
    @Test func independentPairsScatterAboutZeroWhenCorrected() throws {
        let n = 200, pairs = 300
        var corrected: [Double] = [], plain: [Double] = []
        for p in 0..<pairs {
            var draws = Draws(UInt64(90_000 + p))
            let x = VariableData(column: (0..<n).map { _ in draws.normal() }), y = VariableData(column: (0..<n).map { _ in draws.uniform() })
            let px = try Self.prepare(x, index: 1), py = try Self.prepare(y, index: 2)
            corrected.append(try GCMI().estimate(px, py))
            plain.append(try GCMI(biasCorrection: false).estimate(px, py))
        }
        func meanAndError(_ v: [Double]) -> (Double, Double) {
            let mean = v.reduce(0, +) / Double(v.count)
            let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)
            return (mean, (variance / Double(v.count)).squareRoot())
        }
        let (mc, ec) = meanAndError(corrected), (mp, ep) = meanAndError(plain)
        #expect(abs(mc) < 4 * ec, "corrected mean \(mc) ± \(ec)")
        #expect(abs(mp - 1 / (2 * Double(n))) < 4 * ep, "uncorrected mean \(mp) ± \(ep)")
        #expect(corrected.contains { $0 < 0 }, "bias-corrected values of independent pairs can be negative")
        #expect(plain.allSatisfy { $0 >= 0 })
    }

    // MARK: Invariance

    /// Strictly increasing transforms of any dimension of either variable leave the estimate's
    /// bits unchanged, on continuous and on tied data (ties broken by the same seeded keys);
    /// another seed breaks the ties otherwise.
    @Test func increasingTransformsLeaveTheBitsUnchanged() throws {
        let transforms: [(String, (Double) -> Double)] = [
            ("exp", { exp($0) }), ("x³", { $0 * $0 * $0 }), ("2.5x − 7", { 2.5 * $0 - 7 }),
            ("x + 1000", { $0 + 1000 }), ("x/1024 − 3", { $0 / 1024 - 3 }), ("atan", { atan($0) }),
        ]
        let continuous = mixedMarginals(n: 400, dimensions: [2, 1], rho: 0.6, seed: 11).map { $0.map { log(abs($0) + 1) * ($0 < 0 ? -1 : 1) } }
        // Tied: quarters (many repeats, both zeros) and halves.
        let tied = [
            continuous[0].map { ($0 * 4).rounded() / 4 },
            continuous[1].mapping(dimension: 0) { ($0 * 2).rounded() / 2 },
        ]
        #expect(tied[0].hasTies && tied[1].hasTies && !continuous[0].hasTies)
        for (label, data) in [("continuous", continuous), ("tied", tied)] {
            let (x, y) = (data[0], data[1])
            let scalar = x.columns(0..<1)
            for corrected in [true, false] {
                let reference = try Self.estimate(x, y, biasCorrection: corrected, seed: 5)
                let scalarReference = try Self.estimate(scalar, y, biasCorrection: corrected, seed: 5)
                for (name, f) in transforms {
                    let moved: [(String, VariableData, VariableData)] = [
                        ("x dim 0", x.mapping(dimension: 0, f), y), ("x dim 1", x.mapping(dimension: 1, f), y),
                        ("y", x, y.map(f)), ("both", x.map(f), y.map(f)),
                    ]
                    for (which, mx, my) in moved {
                        #expect(mx != x || my != y)
                        let value = try Self.estimate(mx, my, biasCorrection: corrected, seed: 5)
                        #expect(value.bitPattern == reference.bitPattern, "\(label) \(name) on \(which): \(value) vs \(reference)")
                    }
                    let value = try Self.estimate(scalar.map(f), y.map(f), biasCorrection: corrected, seed: 5)
                    #expect(value.bitPattern == scalarReference.bitPattern, "\(label) scalar \(name)")
                }
                // The prepared scores themselves are unchanged.
                #expect(try Self.prepare(x.map { exp($0) }, seed: 5, index: 1).scores == Self.prepare(x, seed: 5, index: 1).scores)
            }
            // Seeded tie-breaking: another seed changes tied data only.
            let otherSeed = try Self.estimate(x, y, seed: 6), sameSeed = try Self.estimate(x, y, seed: 5)
            if label == "tied" {
                #expect(otherSeed != sameSeed, "another seed breaks the ties differently")
            } else {
                #expect(otherSeed.bitPattern == sameSeed.bitPattern, "without ties the seed does not enter")
            }
        }
    }

    /// A strictly decreasing transform of a scalar variable flips the sign of every score
    /// (on continuous data), which leaves a scalar pair's MI unchanged up to rounding.
    @Test func decreasingTransformOfAScalarKeepsTheValue() throws {
        let v = mixedMarginals(n: 301, dimensions: [1, 1], rho: 0.7, seed: 12)
        let value = try Self.estimate(v[0], v[1])
        let flipped = try Self.estimate(v[0].map { -$0 }, v[1])
        #expect(abs(value - flipped) < 1e-14)
    }

    // MARK: The panel route

    static func panelValues(_ rows: [GCMI.Prepared], _ columns: [GCMI.Prepared], gcmi: GCMI) -> [[Double]] {
        let a = GCMI.Panel(rows), b = GCMI.Panel(columns)
        var product = GCMI.PanelProduct()
        GCMI.multiply(a, b, into: &product)
        let bias = gcmi.scalarBias(samples: a.samples)
        return rows.indices.map { i in columns.indices.map { j in GCMI.estimate(product, row: i, column: j, a, b, bias: bias) } }
    }

    /// Every pair of 300 scalar variables (three panels: 128, 128, 44 wide) through
    /// `multiply` and the panel `estimate` agrees with `GCMI.estimate` to 1e-12 relative (and
    /// 4.5e-16 nats absolute: the rounding of 1 − r² near 1 bounds both routes' accuracy on
    /// weak pairs), with and without the correction; `scalarBias` is the d = 1 bias or 0.
    @Test func panelRouteAgreesWithThePerPairEstimate() throws {
        let n = 777
        let variables = try scalarFamily(count: 300, n: n, seed: 41).enumerated().map { try Self.prepare($1, seed: 3, index: UInt64($0)) }
        let panels = stride(from: 0, to: variables.count, by: GCMI.panelWidth).map { Array(variables[$0..<min($0 + GCMI.panelWidth, variables.count)]) }
        #expect(panels.map(\.count) == [128, 128, 44])
        #expect(GCMI.Panel(panels[2]).width == 44 && GCMI.Panel(panels[2]).samples == n)
        #expect(GCMI().scalarBias(samples: n) == GCMI.bias(samples: n, 1, 1))
        #expect(GCMI(biasCorrection: false).scalarBias(samples: n) == 0)
        for gcmi in [GCMI(), GCMI(biasCorrection: false)] {
            let bias = gcmi.scalarBias(samples: n)
            var worst = 0.0, worstStrong = 0.0, compared = 0
            for (p, rowPanel) in panels.enumerated() {
                for (q, columnPanel) in panels.enumerated() where q >= p {
                    let values = Self.panelValues(rowPanel, columnPanel, gcmi: gcmi)
                    for i in rowPanel.indices {
                        for j in columnPanel.indices {
                            let (x, y) = (p * GCMI.panelWidth + i, q * GCMI.panelWidth + j)
                            guard x < y else { continue }
                            let single = try gcmi.estimate(variables[x], variables[y])
                            let error = abs(values[i][j] - single)
                            worst = max(worst, error / (abs(single) + abs(bias)))
                            if abs(single - bias) > 0.01 { worstStrong = max(worstStrong, error / abs(single - bias)) }
                            // Relative to the uncorrected value (the bias term is added after, the same in
                            // both), and at least 2 ulps of 1: −½ log q with q = 1 − r² rounded to a double
                            // carries an absolute error of up to ulp(1) = 2.2e-16 nats on either route, so
                            // for weak pairs (Î ≈ 1e-5) the routes differ by ~1e-11 relative.
                            #expect(error <= 1e-12 * (abs(single) + abs(bias)) + 4.5e-16, "(\(x), \(y)): panel \(values[i][j]) vs per pair \(single)")
                            compared += 1
                        }
                    }
                }
            }
            #expect(compared == 300 * 299 / 2)
            #expect(worstStrong <= 1e-12, "pairs with Î > 0.01 nats agree to 1e-12 relative (worst \(worstStrong))")
            print("GCMI panel vs per pair (\(gcmi.label)): worst relative difference \(worst) over \(compared) pairs")
        }
    }

    /// The determinism premise of the panel route: a pair's bits do not depend on its rows'
    /// and columns' positions in their panels, on the panels' widths, or on the other
    /// variables they hold (the product has one shape whatever the tiles, shards or resumed
    /// cells around it).
    @Test(arguments: [777, 64, 1500])
    func panelBitsDoNotDependOnPositionOrCompanions(n: Int) throws {
        let gcmi = GCMI()
        let variables = try scalarFamily(count: 260, n: n, seed: UInt64(n)).enumerated().map { try Self.prepare($1, seed: 0, index: UInt64($0)) }
        var draws = Draws(99)
        let pairs = [(5, 17), (200, 3), (0, 259), (128, 127), (77, 78)]
        for (x, y) in pairs {
            var seen: [UInt64] = []
            var layouts: [(rows: [Int], columns: [Int])] = [
                ([x], [y]),                                          // alone, width 1
                (Array(0..<128).map { $0 == 0 ? x : ($0 == x ? 0 : $0) }, Array(128..<256).map { $0 == 255 ? y : ($0 == y ? 255 : $0) }),
                ([x] + Array(100..<120), [y, x]),                    // x in both panels
                (Array(repeating: y, count: 3) + [x], [x, x, y]),   // duplicates as companions
            ]
            // One panel holding both (the symmetric tile's panel), at shuffled positions.
            var both = Array(0..<260).filter { $0 != x && $0 != y }.shuffled(using: &draws.generator).prefix(126) + [x, y]
            both.shuffle(using: &draws.generator)
            layouts.append((Array(both), Array(both)))
            for _ in 0..<6 {
                // Random widths and companions, the pair at random positions.
                var rows = Array((0..<260).shuffled(using: &draws.generator).prefix(Int(draws.generator.next() % 128)))
                var columns = Array((0..<260).shuffled(using: &draws.generator).prefix(Int(draws.generator.next() % 128)))
                rows.insert(x, at: Int(draws.generator.next() % UInt64(rows.count + 1)))
                columns.insert(y, at: Int(draws.generator.next() % UInt64(columns.count + 1)))
                layouts.append((rows, columns))
            }
            for layout in layouts {
                let values = Self.panelValues(layout.rows.map { variables[$0] }, layout.columns.map { variables[$0] }, gcmi: gcmi)
                let i = layout.rows.lastIndex(of: x)!, j = layout.columns.firstIndex(of: y)!
                seen.append(values[i][j].bitPattern)
                // Every occurrence of the pair in the product, not only the one looked up.
                for (r, row) in layout.rows.enumerated() where row == x {
                    for (c, column) in layout.columns.enumerated() where column == y {
                        #expect(values[r][c].bitPattern == seen[0], "n \(n) pair (\(x), \(y)) at (\(r), \(c)) of \(layout.rows.count)×\(layout.columns.count)")
                    }
                }
            }
            #expect(Set(seen).count == 1, "n \(n) pair (\(x), \(y)): \(seen.map { Double(bitPattern: $0) })")
        }
    }

    /// Rows and columns exchanged: the panel value of (y, x) against that of (x, y) (a
    /// rectangular run with --x-vars and --y-vars swapped).
    @Test func panelValueOfTheSwappedPair() throws {
        let n = 777
        let variables = try scalarFamily(count: 40, n: n, seed: 5).enumerated().map { try Self.prepare($1, seed: 0, index: UInt64($0)) }
        let forward = Self.panelValues(Array(variables[0..<20]), Array(variables[20..<40]), gcmi: GCMI())
        let backward = Self.panelValues(Array(variables[20..<40]), Array(variables[0..<20]), gcmi: GCMI())
        var differing = 0
        for i in 0..<20 {
            for j in 0..<20 {
                #expect(abs(forward[i][j] - backward[j][i]) <= 1e-13 * abs(forward[i][j]) + 1e-17)
                if forward[i][j].bitPattern != backward[j][i].bitPattern { differing += 1 }
            }
        }
        print("GCMI panel: \(differing) of 400 swapped pairs differ in their last bits")
    }

    // MARK: Refusals

    @Test func refusesWhatItCannotEstimate() throws {
        var draws = Draws(4)
        let n = 50
        let column = (0..<n).map { _ in draws.normal() }
        // A constant variable, or a constant dimension of a 2-D one.
        #expect(throws: EstimationError.constantVariable) { try Self.prepare(VariableData(column: Array(repeating: 3.5, count: n))) }
        #expect(throws: EstimationError.constantVariable) { try Self.prepare(VariableData(columns: [column, Array(repeating: 0, count: n)])) }
        // NaN and ±∞, counted.
        var bad = column
        bad[3] = .nan
        bad[10] = .infinity
        bad[11] = -.infinity
        #expect(throws: EstimationError.nonFiniteValues(count: 3)) { try Self.prepare(VariableData(column: bad)) }
        #expect(throws: EstimationError.nonFiniteValues(count: 1)) { try Self.prepare(VariableData(columns: [column, column.enumerated().map { $0 == 7 ? .nan : $1 }])) }
        // A 2-D variable whose second column is the first (or a monotone transform of it:
        // same ranks, same scores): singular covariance, rank 1. In 3-D, rank 2.
        #expect(throws: EstimationError.singularCovariance(dimension: 2, rank: 1)) { try Self.prepare(VariableData(columns: [column, column])) }
        #expect(throws: EstimationError.singularCovariance(dimension: 2, rank: 1)) { try Self.prepare(VariableData(columns: [column, column.map { exp($0) }])) }
        let other = (0..<n).map { _ in draws.normal() }
        #expect(throws: EstimationError.singularCovariance(dimension: 3, rank: 2)) { try Self.prepare(VariableData(columns: [column, other, column.map { 2 * $0 + 1 }])) }
        // Too few samples: n = 3 refused, n = 4 (the minimum) estimated.
        #expect(GCMI.minimumSamples == 4 && GCMI().minimumSamples == 4)
        #expect(throws: EstimationError.tooFewSamples(count: 3, required: 4)) { try Self.prepare(VariableData(column: [1, 2, 3])) }
        #expect(throws: EstimationError.tooFewSamples(count: 0, required: 4)) { try Self.prepare(VariableData(count: 0, dimension: 1, values: [])) }
        let four = try Self.estimate(VariableData(column: [1, 2, 4, 3]), VariableData(column: [0.5, 0.1, 0.9, 0.7]))
        #expect(four.isFinite)
        #expect(abs(four - GCMIReference.mi(VariableData(column: [1, 2, 4, 3]), VariableData(column: [0.5, 0.1, 0.9, 0.7]), biasCorrected: true)) < 1e-12)
        // Different sample counts.
        let x = try Self.prepare(VariableData(column: Array(column.prefix(20))))
        let y = try Self.prepare(VariableData(column: Array(other.prefix(21))))
        #expect(throws: EstimationError.self) { try GCMI().estimate(x, y) }
        do {
            _ = try GCMI().estimate(x, y)
        } catch {
            guard case .dimensionMismatch = error else { Issue.record("expected dimensionMismatch, got \(error)"); return }
        }
    }

    /// Two variables with the same ranks (a scalar and a monotone transform of it; a 2-D
    /// variable and its own copy) have a singular joint covariance: +∞ or a value far above
    /// anything estimable (−½ log of a rounding error), never NaN.
    @Test func identicalRanksGiveAnUnboundedValue() throws {
        var draws = Draws(8)
        let column = (0..<500).map { _ in draws.normal() }
        let scalar = try Self.estimate(VariableData(column: column), VariableData(column: column.map { exp($0) }))
        #expect(scalar == .infinity || scalar > 15, "\(scalar)")
        let two = VariableData(columns: [column, (0..<500).map { _ in draws.normal() }])
        let joint = try Self.estimate(two, two)
        #expect(joint == .infinity || joint > 15, "\(joint)")
        // The panel route on the same scalar pair.
        let p = try Self.prepare(VariableData(column: column), index: 1), q = try Self.prepare(VariableData(column: column.map { exp($0) }), index: 2)
        let panel = Self.panelValues([p], [q], gcmi: GCMI())[0][0]
        #expect(panel == .infinity || panel > 15, "\(panel)")
        print("GCMI of identical ranks: per pair \(scalar), panel \(panel), 2-D \(joint)")
    }
}
