import MIEstimators
import Testing

/// MINE-Global-Corrected with the default parameters (2,000 Adam steps, batch 256) on
/// correlated Gaussians, n = 5,000. Each estimate takes about 1–2 s in a release build.
@Suite("MINE accuracy (default parameters)")
struct MINEAccuracyTests {
    @Test("d = 1, true MI 0.5 nats: within 15%", arguments: [UInt64(11), 12])
    func scalarGaussian(seed: UInt64) throws {
        let (x, t) = MINETestData.gaussians(n: 5000, d: 1, totalMI: 0.5, seed: seed)
        let e = try MINETestData.globalEstimate(x, t, seed: seed)
        #expect(abs(e - 0.5) <= 0.15 * 0.5, "estimate \(e) nats, truth 0.5")
    }

    @Test("d = 5 per variable, true MI 2 nats: within 15%", arguments: [UInt64(21), 22])
    func fiveDimensionalGaussian(seed: UInt64) throws {
        let (x, t) = MINETestData.gaussians(n: 5000, d: 5, totalMI: 2.0, seed: seed)
        let e = try MINETestData.globalEstimate(x, t, seed: seed)
        #expect(abs(e - 2.0) <= 0.15 * 2.0, "estimate \(e) nats, truth 2")
    }

    @Test("independent scalar X and T: within 0.05 nats of 0", arguments: [UInt64(31), 32])
    func independent(seed: UInt64) throws {
        let (x, t) = MINETestData.gaussians(n: 5000, d: 1, totalMI: 0, seed: seed)
        let e = try MINETestData.globalEstimate(x, t, seed: seed)
        #expect(abs(e) <= 0.05, "estimate \(e) nats, truth 0")
    }
}
