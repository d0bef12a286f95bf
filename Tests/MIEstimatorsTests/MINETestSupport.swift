import MIEstimators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Data generators for the MINE tests (names prefixed to avoid clashes with other test files).
enum MINETestData {
    /// Standard normal draw (Box–Muller).
    static func normal(_ g: inout SeededGenerator) -> Double {
        let u1 = 1.0 - g.nextUnit(), u2 = g.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Per-coordinate correlation giving a total true MI of `totalMI` nats over d
    /// independent coordinate pairs: −(d/2)·log(1 − ρ²) = totalMI.
    static func rho(totalMI: Double, d: Int) -> Double {
        (1 - exp(-2 * totalMI / Double(d))).squareRoot()
    }

    /// X, T ∈ ℝ^{n×d}, coordinates independent across j, corr(X_j, T_j) = ρ chosen so
    /// that I(X; T) = totalMI nats (0 gives independent X and T).
    static func gaussians(n: Int, d: Int, totalMI: Double, seed: UInt64) -> (VariableData, VariableData) {
        let r = rho(totalMI: totalMI, d: d), s = (1 - r * r).squareRoot()
        var g = SeededGenerator(seed: seed, stream: 4242)
        var xv = [Double](), tv = [Double]()
        for _ in 0..<(n * d) {
            let a = normal(&g), b = normal(&g)
            xv.append(a)
            tv.append(r * a + s * b)
        }
        return (VariableData(count: n, dimension: d, values: xv), VariableData(count: n, dimension: d, values: tv))
    }

    static func scaled(_ v: VariableData, by a: Double) -> VariableData {
        VariableData(count: v.count, dimension: v.dimension, values: v.values.map { $0 * a })
    }

    /// MINE-Global-Corrected: global-L∞ normalization of both variables, then MINE.
    static func globalEstimate(
        _ x: VariableData, _ t: VariableData, _ p: MINE.Parameters = .init(), seed: UInt64 = 1, pair: (Int, Int) = (0, 1)
    ) throws -> Double {
        let m = MINE(parameters: p)
        let xn = try Normalization.globalLinf.apply(to: x), tn = try Normalization.globalLinf.apply(to: t)
        return try m.estimate(m.prepare(xn), m.prepare(tn), seed: seed, pair: pair)
    }
}
