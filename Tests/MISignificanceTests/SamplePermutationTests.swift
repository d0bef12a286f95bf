import MIEstimators
import MISignificance
import Testing

/// `SamplePermutation`: Fisher–Yates with Lemire's bounded integers, a pure function of
/// (seed, stream), and the stream naming of permutation tests and shared nulls.
@Suite struct SamplePermutationTests {
    /// An independent transcription of the documented algorithm (Durstenfeld's Fisher–Yates,
    /// i from n − 1 down to 1, j uniform in 0...i by Lemire's multiply-and-reject on the
    /// stream (seed, stream) of `SeededGenerator`), written from the paper, not the library.
    static func reference(count n: Int, seed: UInt64, stream: UInt64) -> [Int32] {
        var g = SeededGenerator(seed: seed, stream: stream)
        var p = (0..<n).map { Int32($0) }
        var i = n - 1
        while i > 0 {
            let s = UInt64(i + 1)
            var x = g.next()
            var m = x.multipliedFullWidth(by: s)
            if m.low < s {
                let t = (0 &- s) % s  // 2⁶⁴ mod s
                while m.low < t {
                    x = g.next()
                    m = x.multipliedFullWidth(by: s)
                }
            }
            p.swapAt(i, Int(m.high))
            i -= 1
        }
        return p
    }

    static func isPermutation(_ p: [Int32], of n: Int) -> Bool {
        p.count == n && p.map(Int.init).sorted() == Array(0..<n)
    }

    @Test func everyCountGivesAPermutation() {
        for n in Array(0...300) + [1_000, 4_097, 65_537] {
            let p = SamplePermutation.make(count: n, seed: 9, stream: UInt64(n))
            #expect(Self.isPermutation(p, of: n), "n = \(n)")
        }
        #expect(SamplePermutation.make(count: 0, seed: 1, stream: 1).isEmpty)
        #expect(SamplePermutation.make(count: 1, seed: 1, stream: 1) == [0])
    }

    /// The exact bits: the documented algorithm, transcribed independently.
    @Test func matchesIndependentTranscription() {
        for n in [2, 3, 5, 17, 100, 1_000] {
            for stream in 0..<20 as Range<UInt64> {
                let seed = 0xC0FF_EE00 &+ stream
                #expect(SamplePermutation.make(count: n, seed: seed, stream: stream)
                    == Self.reference(count: n, seed: seed, stream: stream), "n = \(n), stream \(stream)")
            }
        }
    }

    @Test func sameSeedAndStreamSameBitsOtherwiseDifferent() {
        let n = 200
        let a = SamplePermutation.make(count: n, seed: 42, stream: 7)
        #expect(a == SamplePermutation.make(count: n, seed: 42, stream: 7))
        #expect(a != SamplePermutation.make(count: n, seed: 42, stream: 8))
        #expect(a != SamplePermutation.make(count: n, seed: 43, stream: 7))
        // 1,000 streams of one seed: 1,000 different permutations of 200 (a repeat has
        // probability ~ 10⁶ / 200! — a collision means the stream is ignored somewhere).
        let many = Set((0..<1_000 as Range<UInt64>).map { SamplePermutation.make(count: n, seed: 42, stream: $0) })
        #expect(many.count == 1_000)
    }

    /// n = 4 over 24,000 streams: each of the 24 permutations expected 1,000 times. Pearson's
    /// statistic has 23 degrees of freedom; the critical value at p = 0.001 is 49.73.
    @Test func allPermutationsOfFourEquallyLikely() {
        var counts = [[Int32]: Int]()
        let draws = 24_000
        for s in 0..<draws {
            counts[SamplePermutation.make(count: 4, seed: 2_024, stream: UInt64(s)), default: 0] += 1
        }
        #expect(counts.count == 24)
        #expect(counts.keys.allSatisfy { Self.isPermutation($0, of: 4) })
        let expected = Double(draws) / 24
        let chi2 = counts.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chi2 < 49.73, "chi-square \(chi2) over 23 df")
        // Not trivially uniform (a generator cycling through the 24 in order gives 0).
        #expect(chi2 > 0)
    }

    /// n = 10 over 20,000 streams: at each position every value expected 2,000 times. Each
    /// position's counts are multinomial (9 df); critical value at p = 0.001 is 27.88.
    @Test func positionsUniformForTen() {
        let n = 10, draws = 20_000
        var table = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for s in 0..<draws {
            let p = SamplePermutation.make(count: n, seed: 77, stream: UInt64(s))
            for (position, value) in p.enumerated() { table[position][Int(value)] += 1 }
        }
        let expected = Double(draws) / Double(n)
        for position in 0..<n {
            let chi2 = table[position].reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            #expect(chi2 < 27.88, "position \(position): chi-square \(chi2) over 9 df, counts \(table[position])")
        }
        // The value 0 ends at the last position in about 1/n of the draws (Fisher–Yates' first
        // swap), not always or never: a classic off-by-one (j in 0..<i) would make it 0.
        #expect(abs(Double(table[n - 1][0]) - expected) < 4 * (expected * 0.9).squareRoot())
        // Fixed points: a uniform permutation has on average 1.
        var fixed = 0
        for position in 0..<n { fixed += table[position][position] }
        #expect(abs(Double(fixed) / Double(draws) - 1) < 0.03)
    }

    @Test func pairStreamSymmetricInPairOrder() {
        for a in 0..<30 {
            for b in 0..<30 {
                for index in [0, 1, 999, 1 << 20] {
                    #expect(SamplePermutation.pairStream(variables: (a, b), index: index)
                        == SamplePermutation.pairStream(variables: (b, a), index: index))
                }
            }
        }
        // So the cells (i, j) and (j, i) draw the same surrogates.
        #expect(SamplePermutation.make(count: 50, seed: 3, stream: SamplePermutation.pairStream(variables: (4, 11), index: 5))
            == SamplePermutation.make(count: 50, seed: 3, stream: SamplePermutation.pairStream(variables: (11, 4), index: 5)))
    }

    /// Every (pair, index) of 40 variables' 820 pairs (diagonal included) and 100
    /// permutations each is its own stream, and none is a shared-null stream.
    @Test func pairAndNullStreamsDistinct() {
        var pairStreams = Set<UInt64>()
        var total = 0
        for a in 0..<40 {
            for b in a..<40 {
                for index in 0..<100 {
                    pairStreams.insert(SamplePermutation.pairStream(variables: (a, b), index: index))
                    total += 1
                }
            }
        }
        #expect(pairStreams.count == total)
        // A few large positions too.
        for (a, b) in [(0, 1_000_000), (123_456, 654_321), (Int(Int32.max), 0)] {
            let s = (0..<100).map { SamplePermutation.pairStream(variables: (a, b), index: $0) }
            #expect(Set(s).count == 100)
            #expect(pairStreams.isDisjoint(with: s))
        }
        let nullStreams = (0..<10_000).map { SamplePermutation.nullStream(index: $0) }
        #expect(Set(nullStreams).count == 10_000)
        #expect(pairStreams.isDisjoint(with: nullStreams))
        // Distinct streams give different surrogates.
        let p0 = SamplePermutation.make(count: 100, seed: 1, stream: SamplePermutation.pairStream(variables: (0, 1), index: 0))
        let p1 = SamplePermutation.make(count: 100, seed: 1, stream: SamplePermutation.pairStream(variables: (0, 1), index: 1))
        let p2 = SamplePermutation.make(count: 100, seed: 1, stream: SamplePermutation.pairStream(variables: (0, 2), index: 0))
        let q0 = SamplePermutation.make(count: 100, seed: 1, stream: SamplePermutation.nullStream(index: 0))
        #expect(Set([p0, p1, p2, q0]).count == 4)
    }
}
