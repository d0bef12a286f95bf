import MIEstimators
import Testing

/// The paper's Proposition 6, numerically: MINE trained by gradient descent on raw data
/// loses the signal of a shrinking variable (Î(X; αT) → 0 as α → 0⁺), and global
/// normalization removes the dependence on α.
@Suite("MINE and scale (Proposition 6)")
struct MINEScaleTests {
    static let data = MINETestData.gaussians(n: 5000, d: 1, totalMI: 0.5, seed: 5)

    @Test("normalization none + plain SGD: Î(X; αT) falls to 0 as α → 1e-6")
    func sgdCollapses() throws {
        let (x, t) = Self.data
        var p = MINE.Parameters()
        p.optimizer = .sgd
        p.learningRate = 0.05
        let m = MINE(parameters: p)
        let px = m.prepare(x)
        let estimates = try [1.0, 1e-2, 1e-4, 1e-6].map { a in
            try m.estimate(px, m.prepare(MINETestData.scaled(t, by: a)), seed: 3, pair: (0, 1))
        }
        // Truth is 0.5 nats for every α.
        #expect(estimates[0] > 0.4, "α = 1: \(estimates[0])")
        #expect(abs(estimates[2]) < 0.01, "α = 1e-4: \(estimates[2])")
        #expect(abs(estimates[3]) < 0.01, "α = 1e-6: \(estimates[3])")
        #expect(estimates[0] - estimates[3] > 0.4, "\(estimates)")
    }

    @Test("global normalization: α = 2^-20 gives the α = 1 estimate bit for bit; α = 1e-6 within training noise")
    func globalIsInvariant() throws {
        let (x, t) = Self.data
        let e1 = try MINETestData.globalEstimate(x, t, seed: 3)
        let ePow2 = try MINETestData.globalEstimate(x, MINETestData.scaled(t, by: 0x1p-20), seed: 3)
        let eSmall = try MINETestData.globalEstimate(x, MINETestData.scaled(t, by: 1e-6), seed: 3)
        #expect(e1.bitPattern == ePow2.bitPattern, "α = 1: \(e1), α = 2^-20: \(ePow2)")
        #expect(abs(e1 - 0.5) < 0.075, "α = 1: \(e1)")
        #expect(abs(eSmall - e1) < 0.05, "α = 1: \(e1), α = 1e-6: \(eSmall)")
    }

    @Test("global normalization + plain SGD also keeps the signal at α = 1e-6")
    func globalSGD() throws {
        let (x, t) = Self.data
        var p = MINE.Parameters()
        p.optimizer = .sgd
        p.learningRate = 0.05
        let e = try MINETestData.globalEstimate(x, MINETestData.scaled(t, by: 1e-6), p, seed: 3)
        #expect(e > 0.4, "α = 1e-6: \(e)")
    }
}
