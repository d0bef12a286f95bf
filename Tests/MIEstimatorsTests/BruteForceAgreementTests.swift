@testable import MIEstimators
import Testing

/// Requirement 1: the fast estimators equal an O(n²) reference written from the definitions.
@Suite struct BruteForceAgreementTests {
    @Test(arguments: [1, 3, 5])
    func scalarAndMultiDimensional(d: Int) throws {
        for dt in [1, 3, 5] {
            for (n, k) in [(5, 3), (8, 1), (12, 4), (60, 2), (150, 3)] {
                let x = uniformData(n: n, d: d, seed: UInt64(100 * n + 10 * d + dt), stream: 1)
                // T depends on X's first coordinate so the estimate is not trivially ≈ 0.
                var t = uniformData(n: n, d: dt, seed: UInt64(100 * n + 10 * d + dt), stream: 2)
                for i in 0..<n { t.values[i * dt] += x.values[i * d] }
                for alg in KSGAlgorithm.allCases {
                    let fast = try ksg(alg, x, t, k: k)
                    let slow = Reference.ksg(alg, x, t, k: k)
                    #expect(abs(fast - slow) <= 1e-12, "d=\(d) dt=\(dt) n=\(n) k=\(k) \(alg): \(fast) vs \(slow)")
                }
            }
        }
    }

    @Test func smallestSampleSizeAndSeveralK() throws {
        for k in [1, 2, 3, 5, 8] {
            for d in [1, 2] {
                let n = k + 2
                let x = uniformData(n: n, d: d, seed: UInt64(k), stream: 3)
                let y = uniformData(n: n, d: 1, seed: UInt64(k), stream: 4)
                for alg in KSGAlgorithm.allCases {
                    let fast = try ksg(alg, x, y, k: k)
                    #expect(abs(fast - Reference.ksg(alg, x, y, k: k)) <= 1e-12, "k=\(k) d=\(d) \(alg)")
                }
            }
        }
    }

    /// Rounded data: many exact ties in each variable and in the joint space.
    @Test func tiedData() throws {
        for (d, n) in [(1, 300), (2, 200)] {
            let x = uniformData(n: n, d: d, seed: 9, stream: 5).map { ($0 * 6).rounded() }
            let y = uniformData(n: n, d: 1, seed: 9, stream: 6).map { ($0 * 4).rounded() }
            for k in [1, 3] {
                for alg in KSGAlgorithm.allCases {
                    let fast = try ksg(alg, x, y, k: k)
                    let slow = Reference.ksg(alg, x, y, k: k)
                    #expect(abs(fast - slow) <= 1e-12, "ties d=\(d) k=\(k) \(alg): \(fast) vs \(slow)")
                }
            }
        }
    }

    /// Many grid cells (the scalar kernel's search windows, box growth and the k = 3
    /// specialisation): strongly dependent pairs, some rounded to create ties.
    @Test(arguments: [3, 4])
    func largerScalarSamples(k: Int) throws {
        let n = 700
        let u = uniformData(n: n, d: 1, seed: 31, stream: 1)
        let noise = uniformData(n: n, d: 1, seed: 31, stream: 2)
        for (scale, rounding) in [(0.5, 0.0), (0.05, 100.0)] {
            var t = u
            for i in 0..<n { t.values[i] = u.values[i] + scale * noise.values[i] }
            if rounding > 0 { t.values = t.values.map { ($0 * rounding).rounded() / rounding } }
            for alg in KSGAlgorithm.allCases {
                let fast = try ksg(alg, u, t, k: k)
                let slow = Reference.ksg(alg, u, t, k: k)
                #expect(abs(fast - slow) <= 1e-12, "n=\(n) k=\(k) scale=\(scale) rounding=\(rounding) \(alg): \(fast) vs \(slow)")
            }
        }
    }

    @Test func errors() throws {
        let x = uniformData(n: 3, d: 1, seed: 1)
        #expect(throws: EstimationError.tooFewSamples(count: 3, required: 4)) { try ksg(.ksg1, x, x, k: 3) }
        let y = uniformData(n: 4, d: 1, seed: 1)
        #expect(throws: EstimationError.self) { try ksg(.ksg2, x, y, k: 1) }
        let bad = VariableData(column: [0, 1, .nan, 3, 4])
        let ok = uniformData(n: 5, d: 1, seed: 2)
        #expect(throws: EstimationError.nonFiniteValues(count: 1)) { try ksg(.ksg1, bad, ok, k: 1) }
    }
}

extension BruteForceAgreementTests {
    @Test func overflowingRangeThrows() {
        let x = VariableData(column: [-1.5e308, 0, 1.5e308, 1, 2])
        let y = uniformData(n: 5, d: 1, seed: 3)
        #expect(throws: EstimationError.valueRangeOverflow) { try ksg(.ksg1, x, y, k: 1) }
        #expect(throws: Never.self) { try ksg(.ksg1, x.scaled(0.5), y, k: 1) }
    }
}

/// Scalar variables keep their ranks in 2 bytes up to n = 65,536, 3 bytes up to 16,777,216
/// and 4 above; every width runs the same kernel and must give the same bits.
@Suite struct RankWidthTests {
    @Test func everyWidthGivesTheSameBits() throws {
        let n = 700
        let u = uniformData(n: n, d: 1, seed: 41, stream: 1)
        let noise = uniformData(n: n, d: 1, seed: 41, stream: 2)
        var t = u
        for i in 0..<n { t.values[i] = ((u.values[i] + 0.1 * noise.values[i]) * 50).rounded() / 50 }
        for k in [1, 3, 4] {
            for alg in KSGAlgorithm.allCases {
              for ties in [TieHandling.none, .mixed] {
                let est = KSG(k: k, algorithm: alg, ties: ties)
                let bits = try [2, 3, 4].map { w in
                    try est.estimate(KSG.Prepared(u, rankWidth: w), KSG.Prepared(t, rankWidth: w)).bitPattern
                }
                #expect(bits[0] == bits[1] && bits[1] == bits[2], "k=\(k) \(alg) \(ties): \(bits)")
                let reference = est.usesMixedEstimator(est.prepare(u), est.prepare(t))
                    ? Reference.mixed(u, t, k: k) : Reference.ksg(alg, u, t, k: k)
                #expect(abs(Double(bitPattern: bits[0]) - reference) <= 1e-12, "k=\(k) \(alg) \(ties)")
              }
            }
        }
    }

    @Test func widthFollowsSampleCount() {
        #expect(_PackedRanks.width(forCount: 1 << 16) == 2)
        #expect(_PackedRanks.width(forCount: (1 << 16) + 1) == 3)
        #expect(_PackedRanks.width(forCount: 1 << 24) == 3)
        #expect(_PackedRanks.width(forCount: (1 << 24) + 1) == 4)
        let atLimit = KSG.Prepared(uniformData(n: 1 << 16, d: 1, seed: 5))
        let above = KSG.Prepared(uniformData(n: (1 << 16) + 1, d: 1, seed: 5))
        #expect(atLimit.ranks.width == 2 && atLimit.ranks.count == 1 << 16)
        #expect(above.ranks.width == 3 && above.ranks.count == (1 << 16) + 1)
        // The largest rank survives the narrow storage (position 65,535), and the values in
        // sample order are rebuilt exactly from sorted values and ranks.
        let data = uniformData(n: 1 << 16, d: 1, seed: 5)
        let top = data.values.indices.max { data.values[$0] < data.values[$1] }!
        #expect(atLimit.ranks[top] == 65_535)
        #expect(atLimit.values == data.values)
        #expect(above.values == uniformData(n: (1 << 16) + 1, d: 1, seed: 5).values)
    }

    @Test func packingRoundTripsAtEveryWidth() {
        for (w, top) in [(2, Int32(UInt16.max)), (3, Int32((1 << 24) - 1)), (4, Int32.max)] {
            let ranks: [Int32] = [0, 1, 255, 256, 65_535, top, top - 1]
            let packed = _PackedRanks(ranks, width: w)
            #expect(packed.count == ranks.count)
            #expect((0..<ranks.count).map { packed[$0] } == ranks.map(Int.init), "width \(w)")
            let read: [Int] = packed.withUnsafeBytes { base in
                (0..<ranks.count).map { i in
                    w == 2 ? _Ranks16(base: base)[i] : w == 3 ? _Ranks24(base: base)[i] : _Ranks32(base: base)[i]
                }
            }
            #expect(read == ranks.map(Int.init), "reader, width \(w)")
        }
    }
}
