import MIEstimators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard normal draw (Box–Muller) from a seeded generator.
func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = 1.0 - g.nextUnit()  // (0, 1]
    let u2 = g.nextUnit()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}

/// X, T ∈ ℝ^{n×d}, coordinates independent across j, corr(X_j, T_j) = rho.
/// Truth I(X;T) = d · (−½ log(1 − rho²)).
func correlatedGaussians(n: Int, d: Int, rho: Double, seed: UInt64) -> (VariableData, VariableData) {
    var g = SeededGenerator(seed: seed, stream: 1)
    var xv = [Double](), tv = [Double]()
    xv.reserveCapacity(n * d)
    tv.reserveCapacity(n * d)
    let s = (1 - rho * rho).squareRoot()
    for _ in 0..<(n * d) {
        let a = gaussian(&g), b = gaussian(&g)
        xv.append(a)
        tv.append(rho * a + s * b)
    }
    return (VariableData(count: n, dimension: d, values: xv), VariableData(count: n, dimension: d, values: tv))
}

func uniformData(n: Int, d: Int, seed: UInt64, stream: UInt64 = 0) -> VariableData {
    var g = SeededGenerator(seed: seed, stream: stream)
    return VariableData(count: n, dimension: d, values: (0..<(n * d)).map { _ in g.nextUnit() })
}

func gaussianTruth(rho: Double, d: Int = 1) -> Double { Double(d) * -0.5 * log(1 - rho * rho) }

extension VariableData {
    func map(_ f: (Double) -> Double) -> VariableData {
        VariableData(count: count, dimension: dimension, values: values.map(f))
    }
    func scaled(_ a: Double) -> VariableData { map { $0 * a } }
    /// Samples reordered: row i of the result is row perm[i] of self.
    func permutedSamples(_ perm: [Int]) -> VariableData {
        var v = [Double]()
        v.reserveCapacity(values.count)
        for i in perm { v.append(contentsOf: values[(i * dimension)..<((i + 1) * dimension)]) }
        return VariableData(count: count, dimension: dimension, values: v)
    }
    func permutedDimensions(_ perm: [Int]) -> VariableData {
        var v = values
        for i in 0..<count { for j in 0..<dimension { v[i * dimension + j] = values[i * dimension + perm[j]] } }
        return VariableData(count: count, dimension: dimension, values: v)
    }
}

/// A deterministic permutation of 0..<n (Fisher–Yates with a seeded generator).
func permutation(_ n: Int, seed: UInt64) -> [Int] {
    var g = SeededGenerator(seed: seed, stream: 77)
    var p = Array(0..<n)
    p.shuffle(using: &g)
    return p
}

/// KSG with the old tie rule by default (the tests written for it check it exactly); pass
/// `ties: .mixed` for the default estimator on tied data.
func ksg(_ alg: KSGAlgorithm, _ x: VariableData, _ y: VariableData, k: Int = 3, ties: TieHandling = .none) throws -> Double {
    try KSG(k: k, algorithm: alg, ties: ties).estimate(x, y)
}

// MARK: - Brute-force reference (deliberately simple, straight from design.md §3)

enum Reference {
    /// ψ(m) = −γ + Σ_{j=1}^{m−1} 1/j, summed with Kahan compensation (independent of the
    /// library's double-double table).
    static func digamma(_ m: Int) -> Double {
        precondition(m >= 1)
        var sum = 0.0, comp = 0.0
        for j in stride(from: 1, to: m, by: 1) {
            let yv = 1.0 / Double(j) - comp
            let t = sum + yv
            comp = (t - sum) - yv
            sum = t
        }
        return -0.57721566490153286 + sum
    }

    static func distance(_ v: VariableData, _ i: Int, _ j: Int) -> Double {
        var m = 0.0
        for a in 0..<v.dimension {
            m = max(m, abs(v.values[i * v.dimension + a] - v.values[j * v.dimension + a]))
        }
        return m
    }

    /// Sample i's marginal and joint (max) distances to every other sample, in sample order.
    static func distances(_ x: VariableData, _ y: VariableData, from i: Int) -> (dx: [Double], dy: [Double], dj: [Double]) {
        var dx = [Double](), dy = [Double](), dj = [Double]()
        for j in 0..<x.count where j != i {
            let a = distance(x, i, j), b = distance(y, i, j)
            dx.append(a); dy.append(b); dj.append(max(a, b))
        }
        return (dx, dy, dj)
    }

    /// O(n²) KSG-1 / KSG-2 / joint exactly as defined (KSG-2 tie rule: all j with d ≤ ε).
    static func ksg(_ alg: KSGAlgorithm, _ x: VariableData, _ y: VariableData, k: Int) -> Double {
        let n = x.count
        var psiCache = [Int: Double]()
        func psi(_ m: Int) -> Double {
            if let v = psiCache[m] { return v }
            let v = digamma(m)
            psiCache[m] = v
            return v
        }
        var total = 0.0
        for i in 0..<n {
            let (dx, dy, dj) = distances(x, y, from: i)
            let eps = dj.sorted()[k - 1]
            switch alg {
            case .ksg1:
                let nx = dx.filter { $0 < eps }.count, ny = dy.filter { $0 < eps }.count
                total += psi(nx + 1) + psi(ny + 1)
            case .joint:
                let nx = dx.filter { $0 <= eps }.count, ny = dy.filter { $0 <= eps }.count
                total += psi(nx) + psi(ny)
            case .ksg2:
                var ex = 0.0, ey = 0.0
                for s in 0..<dj.count where dj[s] <= eps { ex = max(ex, dx[s]); ey = max(ey, dy[s]) }
                let nx = dx.filter { $0 <= ex }.count, ny = dy.filter { $0 <= ey }.count
                total += psi(nx) + psi(ny)
            }
        }
        let mean = total / Double(n)
        switch alg {
        case .ksg1: return psi(k) + psi(n) - mean
        case .ksg2, .joint: return psi(k) - 1.0 / Double(k) + psi(n) - mean
        }
    }
}

extension Reference {
    /// O(n²) mixed KSG (Gao, Kannan, Oh, Viswanath 2017) as documented in `KSG`, with ψ(n):
    /// ρ_i = 0 ⇒ k̃ = exact joint duplicates (self included), n_x, n_y = exact marginal
    /// duplicates; else k̃ = k and KSG-1's strict counts within ρ_i.
    static func mixed(_ x: VariableData, _ y: VariableData, k: Int) -> Double {
        let n = x.count
        var total = 0.0
        for i in 0..<n {
            let (dx, dy, dj) = distances(x, y, from: i)
            let rho = dj.sorted()[k - 1]
            if rho == 0 {
                let m = 1 + dj.filter { $0 == 0 }.count
                total += digamma(m) - digamma(dx.filter { $0 == 0 }.count + 1) - digamma(dy.filter { $0 == 0 }.count + 1)
            } else {
                total += digamma(k) - digamma(dx.filter { $0 < rho }.count + 1) - digamma(dy.filter { $0 < rho }.count + 1)
            }
        }
        return digamma(n) + total / Double(n)
    }
}

/// Determinant by Cholesky (symmetric positive definite input, row-major m×m).
func choleskyDeterminant(_ a: [Double], _ m: Int) -> Double {
    var l = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
        for j in 0...i {
            var s = a[i * m + j]
            for p in 0..<j { s -= l[i * m + p] * l[j * m + p] }
            l[i * m + j] = i == j ? s.squareRoot() : s / l[j * m + j]
        }
    }
    var det = 1.0
    for i in 0..<m { det *= l[i * m + i] * l[i * m + i] }
    return det
}

/// Analytic Gaussian MI ½ log(det Σ_X · det Σ_T / det Σ) for the joint covariance Σ of
/// (X, T) (row-major, dx + dt square).
func gaussianMI(covariance s: [Double], dx: Int, dt: Int) -> Double {
    let m = dx + dt
    func block(_ r: Range<Int>) -> [Double] {
        var b = [Double]()
        for i in r { for j in r { b.append(s[i * m + j]) } }
        return b
    }
    return 0.5 * log(choleskyDeterminant(block(0..<dx), dx) * choleskyDeterminant(block(dx..<m), dt)
        / choleskyDeterminant(s, m))
}
