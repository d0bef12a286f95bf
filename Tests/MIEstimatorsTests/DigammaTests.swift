import Dispatch
import MIEstimators
import Synchronization
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

    /// Threads growing the shared table while others read it: every snapshot stays valid and
    /// unchanged, and every value obeys the recurrence. (Run under ThreadSanitizer by
    /// `.ci/sanitizers`, with no suppressions.)
    @Test func concurrentGrowthKeepsSnapshots() {
        let early = Digamma.table(upTo: 10)
        let psi10 = early[10]
        let bad = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            var m = 80_000 + 1_000 * w
            var held: [DigammaTable] = []
            while m < 1_000_000 {
                let t = Digamma.table(upTo: m)
                // Keep some snapshots, drop the others (a dropped table's storage may then be
                // reused or freed by the next growth while other threads read theirs).
                if (m / 1_000) % 2 == 0 { held.append(t) }
                if t.maxArgument < m || abs(t[m] - t[m - 1] - 1.0 / Double(m - 1)) > 1e-14 { bad.add(1, ordering: .relaxed) }
                m += 9_000 + 7_919 * w
            }
            // Older snapshots still read the same values after the table grew past them.
            for t in held where t[t.maxArgument / 2].bitPattern != Digamma.integer(t.maxArgument / 2).bitPattern {
                bad.add(1, ordering: .relaxed)
            }
        }
        #expect(bad.load(ordering: .relaxed) == 0)
        #expect(early[10].bitPattern == psi10.bitPattern)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
private func Foundation_log(_ x: Double) -> Double { log(x) }
