import Foundation
@testable import MIBatch
import MIEstimators
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ground truth on tied data (issue 14): families whose MI is known exactly, n = 5,000,
/// estimated with the *defaults* (KSG-2, k = 3, global-linf normalization, ties auto) through
/// the engine's own per-variable preparation and pair dispatch (`PairEstimator`).
/// Every estimate must lie within 0.03 nats of the truth; independent pairs never below
/// −0.03. Monotone transforms of the continuous parts (MI unchanged) are included. The
/// errors of every `--ties` mode on these families are in `mibatch-estimators(7)`, TIES.
@Suite struct TieAccuracyTests {
    static let n = 5000
    static let tolerance = 0.03

    /// The default estimator as a run uses it: normalize, then KSG.
    static func estimate(_ x: VariableData, _ y: VariableData, ties: TieHandling = .auto) throws -> Double {
        var configuration = RunConfiguration(input: "", dataset: nil, output: "")
        configuration.estimator = .ksg(KSG.Settings(ties: ties))
        let estimator = PairEstimator(configuration)
        guard case let .ready(a) = estimator.prepare(x, variable: 0, discrete: false).0,
              case let .ready(b) = estimator.prepare(y, variable: 1, discrete: false).0
        else { throw EstimationError.constantVariable }
        return try estimator.estimate(a, b, variables: (0, 1))
    }

    static func check(_ name: String, _ x: VariableData, _ y: VariableData, truth: Double) throws {
        let v = try estimate(x, y)
        #expect(abs(v - truth) <= tolerance, "\(name): estimate \(v), truth \(truth), error \(v - truth)")
        if truth == 0 { #expect(v >= -tolerance, "\(name): \(v) below −\(tolerance)") }
    }

    /// X uniform on {0 … m−1}, Y | X uniform on [X, X + 2]: I = log m − (m − 1)·log 2 / m.
    @Test(arguments: [2, 4, 8])
    func discreteWithUniformNoise(m: Int) throws {
        var g = SeededGenerator(seed: UInt64(m), stream: 1)
        var xs = [Double](), ys = [Double]()
        for _ in 0..<Self.n {
            let x = Double(g.next() % UInt64(m))
            xs.append(x)
            ys.append(x + 2 * g.nextUnit())
        }
        let truth = log(Double(m)) - Double(m - 1) * log(2.0) / Double(m)
        let x = VariableData(column: xs), y = VariableData(column: ys)
        try Self.check("m=\(m)", x, y, truth: truth)
        try Self.check("m=\(m), exp(Y)", x, y.map { exp($0) }, truth: truth)
        try Self.check("m=\(m), labels 10·X+3", x.map { 10 * $0 + 3 }, y, truth: truth)
    }

    /// X = Z₁·B₁, Y = Z₂·B₂, (Z₁, Z₂) standard bivariate normal with correlation ρ, B
    /// Bernoulli(q) keep indicators: independent dropouts I = q²·I_G; one shared dropout
    /// I = q·I_G + H_b(q). The continuous part also as exp(Z) (positive, like expression).
    @Test(arguments: [(0.9, 0.3), (0.9, 0.7), (0.6, 0.5), (0.0, 0.4)])
    func zeroInflated(rho: Double, q: Double) throws {
        let iG = -0.5 * log(1 - rho * rho)
        let hb = -q * log(q) - (1 - q) * log(1 - q)
        for shared in [false, true] {
            var g = SeededGenerator(seed: UInt64(rho * 100 + q * 10), stream: shared ? 2 : 3)
            var xs = [Double](), ys = [Double](), ex = [Double](), ey = [Double]()
            for _ in 0..<Self.n {
                let a = gaussian(&g), b = rho * a + (1 - rho * rho).squareRoot() * gaussian(&g)
                let b1 = g.nextUnit() < q, b2 = shared ? b1 : g.nextUnit() < q
                xs.append(b1 ? a : 0); ys.append(b2 ? b : 0)
                ex.append(b1 ? exp(a) : 0); ey.append(b2 ? exp(b) : 0)
            }
            let truth = shared ? q * iG + hb : q * q * iG
            let name = "ρ=\(rho) q=\(q) \(shared ? "shared" : "independent") dropout"
            try Self.check(name, VariableData(column: xs), VariableData(column: ys), truth: truth)
            try Self.check(name + ", exp", VariableData(column: ex), VariableData(column: ey), truth: truth)
        }
    }

    /// Discrete × discrete on small alphabets with a known joint pmf (and an independent one).
    @Test func discreteDiscrete() throws {
        let tables: [(String, [[Double]])] = [
            ("3×3", [[0.20, 0.05, 0.05], [0.05, 0.20, 0.05], [0.02, 0.08, 0.30]]),
            ("4×2", [[0.15, 0.10], [0.05, 0.20], [0.25, 0.05], [0.10, 0.10]]),
            ("3×2 independent", [[0.5 * 0.3, 0.5 * 0.7], [0.3 * 0.3, 0.3 * 0.7], [0.2 * 0.3, 0.2 * 0.7]]),
        ]
        for (t, (name, pmf)) in tables.enumerated() {
            let flat = pmf.flatMap { $0 }
            let px = pmf.map { $0.reduce(0, +) }
            let py = (0..<pmf[0].count).map { j in pmf.reduce(0) { $0 + $1[j] } }
            var truth = 0.0
            for a in pmf.indices { for b in pmf[a].indices where pmf[a][b] > 0 { truth += pmf[a][b] * log(pmf[a][b] / (px[a] * py[b])) } }
            if name.hasSuffix("independent") { truth = 0 }
            var g = SeededGenerator(seed: 40 + UInt64(t), stream: 1)
            var xs = [Double](), ys = [Double]()
            for _ in 0..<Self.n {
                var u = g.nextUnit(), cell = 0
                while cell < flat.count - 1 && u >= flat[cell] { u -= flat[cell]; cell += 1 }
                xs.append(Double(cell / pmf[0].count)); ys.append(Double(cell % pmf[0].count))
            }
            try Self.check(name, VariableData(column: xs), VariableData(column: ys), truth: truth)
            try Self.check(name + ", relabelled", VariableData(column: xs.map { [5.0, -1, 2, 9][Int($0)] }), VariableData(column: ys), truth: truth)
        }
    }

    /// A standard Gaussian pair rounded to 1 decimal: the truth is the MI of the discrete
    /// pair, from the bivariate normal's cell probabilities.
    @Test(arguments: [0.5, 0.9])
    func roundedGaussian(rho: Double) throws {
        var g = SeededGenerator(seed: UInt64(rho * 10), stream: 9)
        var xs = [Double](), ys = [Double]()
        for _ in 0..<Self.n {
            let a = gaussian(&g), b = rho * a + (1 - rho * rho).squareRoot() * gaussian(&g)
            xs.append((a * 10).rounded() / 10); ys.append((b * 10).rounded() / 10)
        }
        let truth = roundedGaussianMI(rho: rho, step: 0.1)
        try Self.check("ρ=\(rho) rounded to 0.1", VariableData(column: xs), VariableData(column: ys), truth: truth)
        try Self.check("ρ=\(rho) rounded, exp(Y)", VariableData(column: xs), VariableData(column: ys.map { exp($0) }), truth: truth)
    }

    /// The information plane's I(T; Y): a class label Y (10 equiprobable classes) and a
    /// 5-dimensional "layer" T | Y = c ~ N(μ_c, I), n = 4,000; the truth by Monte Carlo from
    /// the exact densities (50,000 draws, standard error ≈ 0.005). The label is categorical
    /// (every value an atom), so the default treats it as categories: the k nearest within
    /// the class in T, Ross's estimator. KSG's own negative bias in 5 dimensions remains
    /// (measured −0.10 here, like KSG's −0.12 on 5 + 5 Gaussians, issue 20), so the
    /// tolerance is 0.15; the old rule (`--ties none`) is 0.44 below the truth.
    @Test func informationPlaneLabel() throws {
        let classes = 10, d = 5, n = 4000
        var g = SeededGenerator(seed: 77, stream: 1)
        let means = (0..<classes).map { _ in (0..<d).map { _ in 1.2 * gaussian(&g) } }
        func draw(_ g: inout SeededGenerator) -> (Int, [Double]) {
            let c = Int(g.next() % UInt64(classes))
            return (c, means[c].map { $0 + gaussian(&g) })
        }
        func logDensity(_ t: [Double], _ c: Int) -> Double {
            -0.5 * zip(t, means[c]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        var truth = 0.0
        var mc = SeededGenerator(seed: 78, stream: 2)
        let draws = 50_000
        for _ in 0..<draws {
            let (c, t) = draw(&mc)
            let own = logDensity(t, c)
            let mixture = (0..<classes).reduce(0.0) { $0 + exp(logDensity(t, $1) - own) } / Double(classes)
            truth -= log(mixture)
        }
        truth /= Double(draws)
        var labels = [Double](), layer = [Double]()
        for _ in 0..<n { let (c, t) = draw(&g); labels.append(Double(c)); layer += t.map { tanh($0) } }
        let y = VariableData(column: labels), t = VariableData(count: n, dimension: d, values: layer)
        // tanh per unit is strictly monotone coordinate-wise, so I(tanh T; Y) = I(T; Y).
        let v = try Self.estimate(t, y)
        #expect(abs(v - truth) <= 0.15, "I(T;Y): estimate \(v), truth \(truth)")
        let old = try Self.estimate(t, y, ties: .none)
        #expect(abs(v - truth) + 0.2 < abs(old - truth), "the default should beat the old rule: \(v) vs \(old), truth \(truth)")
    }

    /// The truth function itself: fine rounding approaches the continuous pair's MI from
    /// below (data processing), coarse rounding loses more.
    @Test func roundedTruthIsSane() {
        let continuous = -0.5 * log(1 - 0.81)
        let fine = roundedGaussianMI(rho: 0.9, step: 0.05), coarse = roundedGaussianMI(rho: 0.9, step: 0.5)
        #expect(fine < continuous && fine > continuous - 0.01, "\(fine) vs \(continuous)")
        #expect(coarse < fine - 0.05, "\(coarse) vs \(fine)")
    }
}

/// Φ, the standard normal CDF.
private func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

/// MI (nats) of (round(X/step), round(Y/step)) for a standard bivariate normal with
/// correlation rho: Σ p log(p / (p_x p_y)) over cells of ±8σ, each cell probability
/// ∫ φ(x) [Φ((d − ρx)/s) − Φ((c − ρx)/s)] dx by Simpson's rule (32 intervals a cell).
func roundedGaussianMI(rho: Double, step: Double) -> Double {
    let s = (1 - rho * rho).squareRoot()
    let half = Int((8 / step).rounded(.up))
    let edges = (-half...(half + 1)).map { (Double($0) - 0.5) * step }
    let cells = edges.count - 1
    let px = (0..<cells).map { normalCDF(edges[$0 + 1]) - normalCDF(edges[$0]) }
    var mi = 0.0
    let m = 32
    for a in 0..<cells where px[a] > 1e-300 {
        let lo = edges[a], h = (edges[a + 1] - lo) / Double(m)
        // Φ((edge − ρx)/s) at the Simpson nodes, for every y edge.
        var weights = [Double](repeating: 0, count: m + 1)
        for t in 0...m {
            let x = lo + Double(t) * h
            weights[t] = (t == 0 || t == m ? 1 : (t % 2 == 1 ? 4 : 2)) * h / 3 * exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
        }
        var previous = [Double](repeating: 0, count: m + 1)
        for t in 0...m { previous[t] = normalCDF((edges[0] - rho * (lo + Double(t) * h)) / s) }
        for b in 0..<cells {
            var p = 0.0
            for t in 0...m {
                let cdf = normalCDF((edges[b + 1] - rho * (lo + Double(t) * h)) / s)
                p += weights[t] * (cdf - previous[t])
                previous[t] = cdf
            }
            if p > 1e-300 { mi += p * log(p / (px[a] * px[b])) }
        }
    }
    return mi
}

/// Standard normal draw (Box–Muller) from a seeded generator.
private func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = 1.0 - g.nextUnit(), u2 = g.nextUnit()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}

extension VariableData {
    fileprivate func map(_ f: (Double) -> Double) -> VariableData {
        VariableData(count: count, dimension: dimension, values: values.map(f))
    }
}

/// MINE on zero-inflated data (issue 14): with `--ties auto` the atoms are separated before
/// training (a bijection: the MI is unchanged), and a ReLU network then separates them with
/// one unit; on the values as given (`--ties none`) the atom at 0 sits inside the continuous
/// part and 2,000 steps do not learn the spike (measured 0.91 for a truth of 1.19).
@Suite struct MINETieTests {
    @Test func sharedDropoutIsLearnedOnceAtomsAreSeparated() throws {
        let n = 5000, rho = 0.9, q = 0.7
        var g = SeededGenerator(seed: 3, stream: 4)
        var xs = [Double](), ys = [Double]()
        for _ in 0..<n {
            let u1 = 1.0 - g.nextUnit(), u2 = g.nextUnit(), u3 = 1.0 - g.nextUnit(), u4 = g.nextUnit()
            let a = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            let b = rho * a + (1 - rho * rho).squareRoot() * (-2 * log(u3)).squareRoot() * cos(2 * Double.pi * u4)
            let keep = g.nextUnit() < q
            xs.append(keep ? a : 0); ys.append(keep ? b : 0)
        }
        let truth = q * -0.5 * log(1 - rho * rho) - q * log(q) - (1 - q) * log(1 - q)
        func mine(_ ties: TieHandling) throws -> Double {
            var configuration = RunConfiguration(input: "", dataset: nil, output: "")
            configuration.estimator = .mine(MINE.Settings(ties: ties))
            let estimator = PairEstimator(configuration)
            guard case let .ready(a) = estimator.prepare(VariableData(column: xs), variable: 0, discrete: false).0,
                  case let .ready(b) = estimator.prepare(VariableData(column: ys), variable: 1, discrete: false).0
            else { throw EstimationError.constantVariable }
            return try estimator.estimate(a, b, variables: (0, 1))
        }
        let separated = try mine(.auto), raw = try mine(.none)
        #expect(abs(separated - truth) <= 0.05, "MINE, ties auto: \(separated), truth \(truth)")
        #expect(raw < truth - 0.15, "MINE on the raw values: \(raw), truth \(truth) (if MINE learns spikes now, update the man page)")
    }
}
