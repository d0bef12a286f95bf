import MIEstimators
import MISignificance
import Testing

/// `PermutationTest`: Besag–Clifford sequential p-values, their exactness under a
/// continuous null and the stopping rule.
@Suite struct PermutationTestTests {
    /// The rule written out from the definition, for comparison.
    static func naive(observed: Double, draws: [Double], maximum: Int, stopAfter h: Int) -> (p: Double, draws: Int) {
        var c = 0
        for m in 0..<maximum {
            if draws[m].isNaN || draws[m] >= observed { c += 1 }
            if h > 0 && c == h { return (Double(h) / Double(m + 1), m + 1) }
        }
        return (Double(c + 1) / Double(maximum + 1), maximum)
    }

    /// Observed and draws i.i.d. uniform (a continuous null): P(p ≤ t) = t exactly at every
    /// value t the p-value can take. N = 99, h = 5: the support is (c + 1)/100 for c < 5 and
    /// 5/L for L = 5 ... 99. 200,000 repetitions; each check within 4 binomial standard errors.
    @Test func exactAtSupportPoints() {
        let test = PermutationTest(maximum: 99, stopAfter: 5)
        let repetitions = 200_000
        var pValues = [Double]()
        pValues.reserveCapacity(repetitions)
        var totalDraws = 0
        for r in 0..<repetitions {
            var g = SeededGenerator(seed: 31_337, stream: UInt64(r))
            let observed = g.nextUnit()
            var calls = 0
            let (p, draws) = test.pValue(observed: observed) { _ in calls += 1; return g.nextUnit() }
            #expect(calls == draws)
            totalDraws += draws
            pValues.append(p)
        }
        let support: [Double] = [0.01, 0.03, 0.05, 5.0 / 99, 0.1, 0.25, 0.5, 1]
        for t in support {
            let fraction = Double(pValues.filter { $0 <= t * (1 + 1e-12) }.count) / Double(repetitions)
            let se = (t * (1 - t) / Double(repetitions)).squareRoot()
            #expect(abs(fraction - t) <= 4 * se + 1e-12, "P(p ≤ \(t)) = \(fraction), SE \(se)")
        }
        // Between support points the distribution is flat: P(p ≤ 0.0149) = P(p ≤ 0.01), well
        // below 0.0149 (so the check above is not met by any uniform-looking p).
        let below = Double(pValues.filter { $0 <= 0.0149 }.count) / Double(repetitions)
        #expect(below == Double(pValues.filter { $0 <= 0.01 * (1 + 1e-12) }.count) / Double(repetitions))
        #expect(below < 0.0149 - 4 * (0.0149 / Double(repetitions)).squareRoot())
        // Every p is a support point.
        let values = Set(pValues)
        #expect(values.allSatisfy { p in (0..<5).contains { p == Double($0 + 1) / 100 } || (5...99).contains { p == 5 / Double($0) } })
        // Sequential stopping pays: far fewer than 99 draws on average under the null
        // (about h·(1 + ln(N/h)) ≈ 20).
        #expect(Double(totalDraws) / Double(repetitions) < 25)
    }

    /// The stop comes at the draw where the h-th exceedance happens, and p = h/L.
    @Test func stopsAtTheHthExceedance() {
        let observed = 0.5
        // Exceedances (≥ 0.5) at draws 2, 3, 7, 8, 12 (0-based); a tie (0.5) counts.
        let draws: [Double] = [0.1, 0.2, 0.9, 0.5, 0.3, 0.0, 0.4, 0.6, 0.7, 0.1, 0.2, 0.3, 0.99, 0.1, 0.1, 0.1]
        for (h, stop) in [(1, 3), (2, 4), (3, 8), (4, 9), (5, 13)] {
            var seen = [Int]()
            let result = PermutationTest(maximum: draws.count, stopAfter: h).pValue(observed: observed) { m in
                seen.append(m)
                return draws[m]
            }
            #expect(result.draws == stop, "h = \(h)")
            #expect(result.p == Double(h) / Double(stop), "h = \(h)")
            #expect(seen == Array(0..<stop), "draws requested in order, no more than needed")
        }
        // h = 6 never reached: all 16 draws, p = (5 + 1)/(16 + 1).
        let none = PermutationTest(maximum: draws.count, stopAfter: 6).pValue(observed: observed) { draws[$0] }
        #expect(none.draws == 16 && none.p == 6.0 / 17)
        // The maximum cuts it short: N = 8, h = 4 → the 4th exceedance is at draw 9, too late.
        let capped = PermutationTest(maximum: 8, stopAfter: 4).pValue(observed: observed) { draws[$0] }
        #expect(capped.draws == 8 && capped.p == 4.0 / 9)
        // ...while h = 3 stops at draw 8 = N exactly: h/L, not (c + 1)/(N + 1).
        let atMaximum = PermutationTest(maximum: 8, stopAfter: 3).pValue(observed: observed) { draws[$0] }
        #expect(atMaximum.draws == 8 && atMaximum.p == 3.0 / 8)
    }

    @Test func noStoppingGivesPlusOneRatio() {
        var g = SeededGenerator(seed: 5, stream: 5)
        for n in [1, 2, 10, 999] {
            let values = (0..<n).map { _ in g.nextUnit() }
            for observed in [-1.0, 0.0, 0.3, 0.5, 0.95, 2.0] {
                var calls = 0
                let result = PermutationTest(maximum: n, stopAfter: 0).pValue(observed: observed) { calls += 1; return values[$0] }
                let c = values.filter { $0 >= observed }.count
                #expect(result.draws == n && calls == n)
                #expect(result.p == Double(c + 1) / Double(n + 1), "n = \(n), observed \(observed)")
            }
        }
        // All draws exceeding: p = 1, and never below 1/(N + 1).
        #expect(PermutationTest(maximum: 9, stopAfter: 0).pValue(observed: 0) { _ in 1 }.p == 1)
        #expect(PermutationTest(maximum: 9, stopAfter: 0).pValue(observed: 1) { _ in 0 }.p == 0.1)
    }

    @Test func nanDrawCountsAsExceedance() {
        // h = 1: the first draw is NaN, so the test stops there with p = 1.
        let first = PermutationTest(maximum: 100, stopAfter: 1).pValue(observed: 5) { _ in .nan }
        #expect(first.draws == 1 && first.p == 1)
        // No stopping: each NaN among small draws adds one exceedance.
        let draws: [Double] = [0, .nan, 0, 0, .nan, 0, 0, 0, 0, .nan]
        let all = PermutationTest(maximum: 10, stopAfter: 0).pValue(observed: 5) { draws[$0] }
        #expect(all.p == 4.0 / 11)
        // Stopping at the 2nd exceedance: the NaN at draw 4.
        let two = PermutationTest(maximum: 10, stopAfter: 2).pValue(observed: 5) { draws[$0] }
        #expect(two.draws == 5 && two.p == 2.0 / 5)
        // A NaN draw never lowers p against the same draws without it counted.
        let finite = PermutationTest(maximum: 10, stopAfter: 0).pValue(observed: 5) { draws[$0].isNaN ? 0 : draws[$0] }
        #expect(finite.p == 1.0 / 11 && finite.p < all.p)
    }

    /// Random sequences with ties and NaN, random N and h: the rule as defined.
    @Test func agreesWithNaiveRule() {
        var g = SeededGenerator(seed: 8, stream: 8)
        for _ in 0..<2_000 {
            let maximum = 1 + Int(g.next() % 60)
            let h = Int(g.next() % 8)
            let draws: [Double] = (0..<maximum).map { _ in
                let u = g.next() % 20
                return u == 0 ? .nan : Double(u % 10) / 10  // coarse: many ties with the observed
            }
            let observed = Double(g.next() % 11) / 10
            let result = PermutationTest(maximum: maximum, stopAfter: h).pValue(observed: observed) { draws[$0] }
            let expected = Self.naive(observed: observed, draws: draws, maximum: maximum, stopAfter: h)
            #expect(result.p == expected.p && result.draws == expected.draws, "N \(maximum) h \(h) observed \(observed) \(draws)")
            #expect(result.p > 0 && result.p <= 1)
        }
    }
}
