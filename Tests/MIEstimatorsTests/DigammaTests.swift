import MIEstimators
import Testing

/// Requirement 2: the integer digamma table.
@Suite struct DigammaTests {
    @Test func knownValues() {
        #expect(Digamma.integer(1) == -Digamma.eulerGamma)
        #expect(abs(Digamma.integer(1) - -0.5772156649015329) < 1e-16)
        #expect(abs(Digamma.integer(2) - 0.42278433509846713) < 1e-15)  // 1 − γ
        #expect(abs(Digamma.integer(3) - 0.9227843350984671) < 1e-15)  // 3/2 − γ
        #expect(abs(Digamma.integer(10) - 2.251752589066721) < 1e-14)
        #expect(abs(Digamma.integer(100) - 4.600161852738087) < 1e-13)
    }

    @Test func matchesSumFormula() {
        for m in [1, 2, 5, 17, 100, 999, 5000, 20_000] {
            #expect(abs(Digamma.integer(m) - Reference.digamma(m)) < 1e-12, "m=\(m)")
        }
    }

    @Test func recurrenceAndAsymptotics() {
        let t = Digamma.table(upTo: 70_000)
        #expect(t.maxArgument >= 70_000)
        for m in [1, 7, 4096, 65_000] {
            #expect(abs(t[m + 1] - t[m] - 1.0 / Double(m)) < 1e-14, "m=\(m)")
        }
        // ψ(m) ≈ ln m − 1/(2m) − 1/(12m²) for large m
        let m = 65_000.0
        let asym = Foundation_log(m) - 1 / (2 * m) - 1 / (12 * m * m)
        #expect(abs(t[65_000] - asym) < 1e-13)
    }
}

#if canImport(Glibc)
import Glibc
#endif
private func Foundation_log(_ x: Double) -> Double { log(x) }
