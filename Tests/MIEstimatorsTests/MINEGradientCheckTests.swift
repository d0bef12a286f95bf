@_spi(MINETesting) import MIEstimators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

/// The hand-written backward pass against central finite differences, in Double.
@Suite("MINE gradient check")
struct MINEGradientCheckTests {
    static let sizes = [5, 7, 6, 1]
    static let rows = 12

    static func input(seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed, stream: 1)
        return (0..<(rows * sizes[0])).map { _ in MINETestData.normal(&g) }
    }

    /// Central differences of `loss` over every parameter of `probe`.
    static func finiteDifferences(_ probe: MINENetworkProbe, _ loss: () -> Double) -> [Double] {
        let theta = probe.parameters
        var fd = [Double](repeating: 0, count: theta.count)
        for q in theta.indices {
            let h = 1e-5 * max(1, abs(theta[q]))
            var t = theta
            t[q] = theta[q] + h; probe.parameters = t
            let up = loss()
            t[q] = theta[q] - h; probe.parameters = t
            let down = loss()
            fd[q] = (up - down) / (2 * h)
        }
        probe.parameters = theta
        return fd
    }

    static func relativeError(_ g: [Double], _ fd: [Double]) -> Double {
        var num = 0.0, den = 0.0
        for q in g.indices { num += (g[q] - fd[q]) * (g[q] - fd[q]); den += g[q] * g[q] }
        return (num / den).squareRoot()
    }

    /// Every layer's weights receive a nonzero gradient (the check is not vacuous).
    static func everyLayerNonzero(_ g: [Double]) -> Bool {
        var off = 0
        for l in 0..<(sizes.count - 1) {
            let count = sizes[l] * sizes[l + 1] + sizes[l + 1]
            if !g[off..<(off + count)].contains(where: { $0 != 0 }) { return false }
            off += count
        }
        return true
    }

    @Test("Σ c_i f(row_i): backward matches finite differences (relative error < 1e-6)", arguments: [UInt64(1), 2, 3])
    func weightedOutputs(seed: UInt64) {
        let probe = MINENetworkProbe(sizes: Self.sizes, rows: Self.rows, seed: seed)
        let x = Self.input(seed: seed)
        var g = SeededGenerator(seed: seed, stream: 2)
        let c = (0..<Self.rows).map { _ in g.nextSignedUnit() }
        let grad = probe.gradient(x, weights: c)
        let fd = Self.finiteDifferences(probe) {
            zip(probe.outputs(x), c).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(Self.everyLayerNonzero(grad))
        let err = Self.relativeError(grad, fd)
        #expect(err < 1e-6, "relative error \(err)")
    }

    @Test("DV loss through the trainer's output gradient matches finite differences", arguments: [UInt64(4), 5])
    func dvLoss(seed: UInt64) {
        let probe = MINENetworkProbe(sizes: Self.sizes, rows: Self.rows, seed: seed)
        let x = Self.input(seed: seed)
        let b = Self.rows / 2
        func loss() -> Double {
            let f = probe.outputs(x)
            let joint = f[0..<b].reduce(0, +) / Double(b)
            let m = f[b...].max()!
            let lme = m + log(f[b...].reduce(0) { $0 + exp($1 - m) } / Double(b))
            return -(joint - lme)
        }
        let grad = probe.dvLossGradient(x)
        let fd = Self.finiteDifferences(probe, loss)
        #expect(Self.everyLayerNonzero(grad))
        let err = Self.relativeError(grad, fd)
        #expect(err < 1e-6, "relative error \(err)")
    }
}
