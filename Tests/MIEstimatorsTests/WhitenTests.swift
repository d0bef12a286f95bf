@testable import MIEstimators
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--normalization whiten`: invariance to invertible linear maps of each variable, exact
/// invariances, the singular case, the scalar case, and the accuracy gain on mixed groups.
@Suite struct WhitenTests {
    /// X = A·U, T = B·V with U, V ∈ ℝ^d standard Gaussian, corr(U_j, V_j) = rho_j; returns
    /// (U, V) and the truth −½ Σ log(1 − rho_j²).
    static func family(n: Int, rho: [Double], seed: UInt64) -> (VariableData, VariableData, Double) {
        let d = rho.count
        var g = SeededGenerator(seed: seed, stream: 5)
        var u = [Double](repeating: 0, count: n * d), v = u
        for i in 0..<n {
            for j in 0..<d {
                let a = gaussian(&g), b = gaussian(&g)
                u[i * d + j] = a
                v[i * d + j] = rho[j] * a + (1 - rho[j] * rho[j]).squareRoot() * b
            }
        }
        let truth = rho.reduce(0) { $0 - 0.5 * log(1 - $1 * $1) }
        return (VariableData(count: n, dimension: d, values: u), VariableData(count: n, dimension: d, values: v), truth)
    }

    /// A random d×d matrix with Gaussian entries (invertible with probability 1), applied
    /// to each sample, plus a random offset.
    static func mix(_ v: VariableData, seed: UInt64) -> VariableData {
        let d = v.dimension
        var g = SeededGenerator(seed: seed, stream: 11)
        let a = (0..<(d * d)).map { _ in gaussian(&g) }
        let b = (0..<d).map { _ in 10 * gaussian(&g) }
        var out = v.values
        for i in 0..<v.count {
            for r in 0..<d {
                var s = b[r]
                for c in 0..<d { s += a[r * d + c] * v.values[i * d + c] }
                out[i * d + r] = s
            }
        }
        return VariableData(count: v.count, dimension: d, values: out)
    }

    static func whitened(_ alg: KSGAlgorithm, _ x: VariableData, _ y: VariableData) throws -> Double {
        let ksg = KSG(k: 3, algorithm: alg, normalization: .whiten)
        return try ksg.estimate(ksg.prepare(Normalization.whiten.apply(to: x)), ksg.prepare(Normalization.whiten.apply(to: y)))
    }

    @Test(arguments: [2, 5])
    func invariantToInvertibleLinearMaps(d: Int) throws {
        let rho = (0..<d).map { 0.3 + 0.6 * Double($0) / Double(max(d - 1, 1)) }
        let (u, v, _) = Self.family(n: 800, rho: rho, seed: UInt64(d))
        for alg in [KSGAlgorithm.ksg1, .ksg2] {
            let reference = try Self.whitened(alg, u, v)
            for trial in 0..<3 {
                let x = Self.mix(u, seed: UInt64(10 * d + trial)), y = Self.mix(v, seed: UInt64(100 * d + trial))
                let mixed = try Self.whitened(alg, x, y)
                #expect(abs(mixed - reference) <= 1e-9 * abs(reference), "d=\(d) \(alg) trial \(trial): \(mixed) vs \(reference)")
            }
        }
    }

    /// Power-of-two scalings are exact at every step: the whitened values are the same bits.
    /// Column permutations change the round-off of the Cholesky factor only; the estimate
    /// (a function of neighbour counts) is then the same bits unless a comparison flips.
    @Test func exactForPowersOfTwoAndPermutations() throws {
        let (u, v, _) = Self.family(n: 600, rho: [0.5, 0.7, 0.9, 0.2, 0.6], seed: 3)
        let mu = try Normalization.whiten.apply(to: Self.mix(u, seed: 1))
        for scale in [0.25, 8.0, 1024.0] {
            #expect(try Normalization.whiten.apply(to: Self.mix(u, seed: 1).scaled(scale)) == mu, "scale \(scale)")
        }
        let reference = try Self.whitened(.ksg2, u, v)
        let permuted = try Self.whitened(.ksg2, u.permutedDimensions([3, 0, 4, 2, 1]), v.permutedDimensions([1, 2, 3, 4, 0]))
        #expect(permuted.bitPattern == reference.bitPattern, "\(permuted) vs \(reference)")
    }

    @Test func scalarIsStandardization() throws {
        let x = uniformData(n: 300, d: 1, seed: 4).map { 3 * $0 + 1 }
        #expect(try Normalization.whiten.apply(to: x) == Normalization.globalStd.apply(to: x))
    }

    @Test func singularVariableRefusedWithItsRank() throws {
        let c = uniformData(n: 200, d: 1, seed: 5).values, o = uniformData(n: 200, d: 1, seed: 6).values
        #expect(throws: EstimationError.singularCovariance(dimension: 2, rank: 1)) {
            try Normalization.whiten.apply(to: VariableData(columns: [c, c.map { 2 * $0 }]))
        }
        #expect(throws: EstimationError.singularCovariance(dimension: 3, rank: 2)) {
            try Normalization.whiten.apply(to: VariableData(columns: [c, o, zip(c, o).map { $0 - 3 * $1 }]))
        }
        let message = EstimationError.singularCovariance(dimension: 3, rank: 2).description
        #expect(message.contains("rank 2") && message.contains("whiten"))
    }

    /// The 5-D family (mixed Gaussian groups, n = 2,000): whitening's mean absolute
    /// error at least 40% below the default normalization's (global-linf), KSG-2.
    @Test func halvesTheErrorOnMixedGroups() throws {
        var errDefault = 0.0, errWhiten = 0.0, cases = 0.0
        for (s, rho) in [[0.65, 0.6, 0.7, 0.62, 0.68], [0.8, 0.75, 0.85, 0.78, 0.8], [0.85, 0.8, 0.88, 0.82, 0.84]].enumerated() {
            let (u, v, truth) = Self.family(n: 2_000, rho: rho, seed: UInt64(40 + s))
            let x = Self.mix(u, seed: UInt64(50 + s)), y = Self.mix(v, seed: UInt64(60 + s))
            let plain = KSG(k: 3, algorithm: .ksg2)
            let base = try plain.estimate(plain.prepare(Normalization.globalLinf.apply(to: x)), plain.prepare(Normalization.globalLinf.apply(to: y)))
            let white = try Self.whitened(.ksg2, x, y)
            errDefault += abs(base - truth)
            errWhiten += abs(white - truth)
            cases += 1
        }
        #expect(errWhiten / cases <= 0.6 * errDefault / cases, "whiten MAE \(errWhiten / cases), default \(errDefault / cases)")
    }
}
