import MIEstimators
import MISignificance
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `NullDistribution`: the empirical p-value, its monotonicity and floor, and the
/// exponential tail fit beyond the largest null value.
@Suite struct NullDistributionTests {
    /// N values with many ties: multiples of 1/20 on [0, 1) plus a continuous part.
    static func tiedValues(_ count: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed, stream: 1)
        return (0..<count).map { _ in
            let u = g.nextUnit()
            return g.next() % 2 == 0 ? (u * 20).rounded(.down) / 20 : u
        }
    }

    /// shift + Exponential(rate), by inversion.
    static func exponential(_ count: Int, rate: Double, shift: Double, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed, stream: 2)
        return (0..<count).map { _ in shift - log(1 - g.nextUnit()) / rate }
    }

    static func bruteForce(_ values: [Double], _ x: Double) -> Double {
        Double(1 + values.filter { $0 >= x }.count) / Double(1 + values.count)
    }

    @Test func empiricalPValueMatchesCount() {
        for count in [1, 2, 7, 500, 999] {
            let values = Self.tiedValues(count, seed: UInt64(count))
            let null = NullDistribution(samples: 100, values: values)
            #expect(null.count == count && null.values == values.sorted())
            #expect(null.tail == nil)
            var queries = values  // every value, so ties with the estimate are hit
            queries += values.map { $0.nextUp } + values.map { $0.nextDown }
            queries += [-1, 0, 0.05, 0.5, 0.999]
            for x in queries where x <= null.largest {
                #expect(null.pValue(x) == Self.bruteForce(values, x), "N = \(count), x = \(x)")
            }
            // Beyond the largest without a tail fit: the floor 1/(1 + N).
            #expect(null.pValue(null.largest.nextUp) == 1 / Double(count + 1))
            #expect(null.pValue(1e300) == 1 / Double(count + 1))
            #expect(null.pValue(.nan).isNaN)
        }
        // A small worked example: ties at the observed value count.
        let null = NullDistribution(samples: 10, values: [0.3, 0.1, 0.2, 0.2, 0.4])
        #expect(null.pValue(0.2) == 5.0 / 6)  // 0.2, 0.2, 0.3, 0.4 reach it
        #expect(null.pValue(0.25) == 3.0 / 6)
        #expect(null.pValue(0.4) == 2.0 / 6)
        #expect(null.pValue(0.0) == 1)
    }

    /// Non-increasing over a fine grid from below the smallest to far beyond the largest,
    /// with and without a tail fit; ≥ 1/(N + 1) up to the largest.
    @Test func monotoneAndFloored() {
        for count in [500, 5_000] {
            let values = Self.tiedValues(count, seed: 11) + Self.exponential(count / 10, rate: 4, shift: 1, seed: 12)
            let null = NullDistribution(samples: 50, values: values)
            #expect((null.tail != nil) == (values.count >= 1_000))
            let floor = 1 / Double(values.count + 1)
            var previous = Double.infinity
            var x = -0.5
            while x < null.largest + 10 {
                let p = null.pValue(x)
                #expect(p <= previous, "N = \(values.count): p(\(x)) = \(p) after \(previous)")
                #expect(p > 0 && p <= 1)
                if x <= null.largest { #expect(p >= floor) } else { #expect(p <= floor) }
                previous = p
                x += 0.001
            }
            // At the largest itself: 1 + (its multiplicity) over N + 1; just beyond, at most the floor.
            let top = values.filter { $0 == null.largest }.count
            #expect(null.pValue(null.largest) == Double(1 + top) * floor)
            #expect(null.pValue(null.largest.nextUp) <= floor)
            if null.tail != nil { #expect(null.pValue(null.largest + 5) < floor / 10) }
        }
    }

    /// The fit's parts: T = max(100, N/100) values above u = the (T + 1)-th largest, and
    /// λ = 1 / mean(value − u), against a direct computation.
    @Test func tailFitDefinition() throws {
        for count in [1_000, 5_000, 20_000] {
            let values = Self.exponential(count, rate: 2, shift: -1, seed: UInt64(count))
            let null = NullDistribution(samples: 30, values: values)
            let tail = try #require(null.tail)
            let sorted = values.sorted()
            let t = max(100, count / 100)
            #expect(tail.count == t)
            #expect(tail.threshold == sorted[count - t - 1])
            let excess = sorted[(count - t)...].map { $0 - tail.threshold }
            let rate = Double(t) / excess.reduce(0, +)
            #expect(abs(tail.rate - rate) <= 1e-12 * rate)
            // Beyond the largest: min(1/(1 + N), T/(1 + N)·exp(−λ(x − u))).
            for x in [null.largest.nextUp, null.largest + 0.1, null.largest + 1.5, null.largest + 10] {
                let fitted = Double(t) / Double(count + 1) * exp(-tail.rate * (x - tail.threshold))
                let expected = min(1 / Double(count + 1), fitted)
                #expect(abs(null.pValue(x) - expected) <= 1e-12 * expected, "N = \(count), x = \(x)")
            }
        }
    }

    /// N = 100,000 draws of 0.25 + Exponential(3): the fitted rate is within 10% of 3, and
    /// beyond the largest the extrapolated p follows the true survival exp(−3(x − 0.25))
    /// within a factor 2 at 1e-6 (and 1e-8).
    @Test func tailFitRecoversExponential() throws {
        let rate = 3.0, shift = 0.25, count = 100_000
        let null = NullDistribution(samples: 1_000, values: Self.exponential(count, rate: rate, shift: shift, seed: 2_025))
        let tail = try #require(null.tail)
        #expect(tail.count == 1_000)
        #expect(abs(tail.rate - rate) < 0.1 * rate, "fitted rate \(tail.rate)")
        for survival in [1e-6, 1e-8] {
            let x = shift - log(survival) / rate
            #expect(x > null.largest)
            let p = null.pValue(x)
            #expect(p > survival / 2 && p < survival * 2, "p(\(x)) = \(p), true \(survival)")
        }
        // Inside the data the empirical p follows the truth as well (within 5 SE).
        let x = shift - log(0.01) / rate
        let se = (0.01 * 0.99 / Double(count)).squareRoot()
        #expect(abs(null.pValue(x) - 0.01) < 5 * se)
    }

    @Test func noFitBelowOneThousand() {
        let values = Self.exponential(1_000, rate: 1, shift: 0, seed: 3)
        let below = NullDistribution(samples: 10, values: Array(values.prefix(999)))
        #expect(below.tail == nil)
        #expect(below.pValue(below.largest + 100) == 1.0 / 1_000)
        let at = NullDistribution(samples: 10, values: values)
        #expect(at.tail != nil)
        #expect(at.pValue(at.largest + 100) < 1.0 / 1_001)
    }

    /// A degenerate tail (the upper values all equal) is not fitted.
    @Test func degenerateTailNotFitted() {
        let values = Self.exponential(1_800, rate: 1, shift: -20, seed: 4).map { min($0, -10) } + [Double](repeating: 5, count: 200)
        let null = NullDistribution(samples: 10, values: values)
        #expect(null.tail == nil)
        #expect(null.pValue(5) == 201.0 / 2_001)
        #expect(null.pValue(6) == 1.0 / 2_001)
    }
}
