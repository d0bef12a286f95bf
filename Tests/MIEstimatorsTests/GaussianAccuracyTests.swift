import MIEstimators
import Testing

/// Requirement 3: accuracy on correlated Gaussians.
@Suite struct GaussianAccuracyTests {
    /// Scalar X, T with corr ρ, n = 5,000: KSG-1 and KSG-2 within 0.05 nats of
    /// −½ log(1 − ρ²) (which is ≤ 1.17 nats for ρ ≤ 0.95). Measured errors are ≈ −0.02.
    @Test(arguments: [0.0, 0.3, 0.6, 0.8, 0.9, 0.95])
    func scalarWithinTolerance(rho: Double) throws {
        let (x, t) = correlatedGaussians(n: 5000, d: 1, rho: rho, seed: 2024)
        let truth = gaussianTruth(rho: rho)
        for alg in [KSGAlgorithm.ksg1, .ksg2] {
            let est = try ksg(alg, x, t)
            #expect(abs(est - truth) < 0.05, "ρ=\(rho) \(alg): \(est) vs truth \(truth)")
        }
    }

    /// The analytic value ½ log(det Σ_X det Σ_T / det Σ) used below equals d·(−½ log(1−ρ²))
    /// for coordinate-wise correlation; and the fast estimators agree with the brute-force
    /// reference to 1e-12 on such data (n = 800).
    @Test(arguments: [1, 3, 5])
    func multivariateMatchesBruteForce(d: Int) throws {
        let rho = 0.5
        var cov = [Double](repeating: 0, count: 4 * d * d)
        for j in 0..<d {
            cov[j * 2 * d + j] = 1
            cov[(d + j) * 2 * d + d + j] = 1
            cov[j * 2 * d + d + j] = rho
            cov[(d + j) * 2 * d + j] = rho
        }
        let analytic = gaussianMI(covariance: cov, dx: d, dt: d)
        #expect(abs(analytic - gaussianTruth(rho: rho, d: d)) < 1e-12)
        let (x, t) = correlatedGaussians(n: 800, d: d, rho: rho, seed: 7)
        for alg in [KSGAlgorithm.ksg1, .ksg2] {
            let fast = try ksg(alg, x, t)
            #expect(abs(fast - Reference.ksg(alg, x, t, k: 3)) < 1e-12, "d=\(d) \(alg)")
        }
    }

    /// Documented bias at n = 5,000, ρ = 0.5 per coordinate, k = 3 (measured, no
    /// normalization; global-linf changes these by < 0.002): truth 0.1438 / 0.4315 / 0.7192
    /// nats for d = 1 / 3 / 5; KSG-1 0.1419 / 0.4118 / 0.5986, KSG-2 0.1471 / 0.4171 / 0.6084.
    /// (Another sample, seed stream 99: KSG-1 0.1430 / 0.4324 / 0.5782, KSG-2 0.1403 / 0.4379 /
    /// 0.5919.) So at d = 5 (10-D joint space) KSG under-estimates by 0.11–0.14 nats (15–20 %).
    @Test func fiveDimensionalBias() throws {
        let (x, t) = correlatedGaussians(n: 5000, d: 5, rho: 0.5, seed: 7)
        let truth = gaussianTruth(rho: 0.5, d: 5)
        let k1 = try ksg(.ksg1, x, t), k2 = try ksg(.ksg2, x, t)
        #expect(abs(k1 - 0.5986) < 0.001, "KSG-1 d=5: \(k1)")
        #expect(abs(k2 - 0.6084) < 0.001, "KSG-2 d=5: \(k2)")
        #expect(truth - k1 > 0.1 && truth - k2 > 0.1, "bias should be clearly negative at d=5")
    }
}
