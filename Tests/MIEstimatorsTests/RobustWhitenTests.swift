@testable import MIEstimators
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--normalization whiten-robust` (Hettmansperger–Randles location and Tyler shape):
/// invariance to invertible affine maps, the singular refusal, the scalar case, and
/// robustness to a few gross outliers compared with `whiten`.
@Suite struct RobustWhitenTests {
    static func estimate(_ normalization: Normalization, _ alg: KSGAlgorithm, _ x: VariableData, _ y: VariableData) throws -> Double {
        let ksg = KSG(k: 3, algorithm: alg, normalization: normalization)
        return try ksg.estimate(ksg.prepare(normalization.apply(to: x)), ksg.prepare(normalization.apply(to: y)))
    }

    @Test(arguments: [2, 5])
    func invariantToInvertibleLinearMaps(d: Int) throws {
        let rho = (0..<d).map { 0.3 + 0.6 * Double($0) / Double(max(d - 1, 1)) }
        let (u, v, _) = WhitenTests.family(n: 800, rho: rho, seed: UInt64(d))
        for alg in [KSGAlgorithm.ksg1, .ksg2] {
            let reference = try Self.estimate(.whitenRobust, alg, u, v)
            for trial in 0..<3 {
                let x = WhitenTests.mix(u, seed: UInt64(10 * d + trial)), y = WhitenTests.mix(v, seed: UInt64(100 * d + trial))
                let mixed = try Self.estimate(.whitenRobust, alg, x, y)
                #expect(abs(mixed - reference) <= 1e-9 * abs(reference), "d=\(d) \(alg) trial \(trial): \(mixed) vs \(reference)")
            }
        }
    }

    /// Gaussian data come out with about unit covariance (the scale is set by the median radius).
    @Test func gaussianDataComeOutNearlyWhite() throws {
        let (u, _, _) = WhitenTests.family(n: 2_000, rho: [0.5, 0.5, 0.5], seed: 9)
        let w = try Normalization.whitenRobust.apply(to: WhitenTests.mix(u, seed: 4))
        for a in 0..<3 {
            for b in 0...a {
                var s = 0.0
                for i in 0..<w.count { s += w.values[i * 3 + a] * w.values[i * 3 + b] }
                s /= Double(w.count)
                #expect(abs(s - (a == b ? 1 : 0)) < 0.15, "cov[\(a)][\(b)] = \(s)")
            }
        }
    }

    @Test func scalarIsRobustAndSingularRefusedWithItsRank() throws {
        let x = uniformData(n: 300, d: 1, seed: 4).map { 3 * $0 + 1 }
        #expect(try Normalization.whitenRobust.apply(to: x) == Normalization.robust.apply(to: x))
        let c = uniformData(n: 200, d: 1, seed: 5).values, o = uniformData(n: 200, d: 1, seed: 6).values
        #expect(throws: EstimationError.singularCovariance(dimension: 2, rank: 1)) {
            try Normalization.whitenRobust.apply(to: VariableData(columns: [c, c.map { 2 * $0 }]))
        }
        #expect(throws: EstimationError.singularCovariance(dimension: 3, rank: 2)) {
            try Normalization.whitenRobust.apply(to: VariableData(columns: [c, o, zip(c, o).map { $0 - 3 * $1 }]))
        }
        #expect(EstimationError.singularCovariance(dimension: 3, rank: 2).description.contains("whiten-robust"))
    }

    /// Five of 1,000 samples of X moved 10⁴ standard deviations out along one mixed direction:
    /// the robust-whitened estimate moves less than a quarter as much as the whitened one.
    @Test func grossOutliersMoveItMuchLessThanWhiten() throws {
        let (u, v, _) = WhitenTests.family(n: 1_000, rho: [0.8, 0.7, 0.9], seed: 21)
        let x = WhitenTests.mix(u, seed: 22), y = WhitenTests.mix(v, seed: 23)
        var dirty = x.values
        for (m, i) in [17, 230, 481, 702, 955].enumerated() {
            for j in 0..<3 { dirty[i * 3 + j] += 1e4 * Double(m + 1) * [1.0, -0.5, 0.25][j] }
        }
        let xo = VariableData(count: x.count, dimension: 3, values: dirty)
        let shiftPlain = abs(try Self.estimate(.whiten, .ksg2, xo, y) - Self.estimate(.whiten, .ksg2, x, y))
        let shiftRobust = abs(try Self.estimate(.whitenRobust, .ksg2, xo, y) - Self.estimate(.whitenRobust, .ksg2, x, y))
        #expect(shiftPlain > 0.2, "whiten moved by \(shiftPlain)")
        #expect(shiftRobust <= 0.25 * shiftPlain, "whiten-robust moved by \(shiftRobust), whiten by \(shiftPlain)")
    }
}
