@testable import MIEstimators
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Normalization.rank`: normal scores Φ⁻¹((r + ½)/n) with seeded random tie-breaking.
@Suite struct RankNormalizationTests {
    /// n × 3: a tied column (multiples of 0.5 with many zeros, both signs of zero), a
    /// continuous column and a column of 4 levels.
    static let tied: VariableData = {
        var g = SeededGenerator(seed: 21, stream: 21)
        let n = 400
        var values = [Double]()
        for i in 0..<n {
            let z = gaussian(&g)
            let a = g.next() % 3 == 0 ? (i % 2 == 0 ? 0.0 : -0.0) : (2 * z).rounded() / 2
            values += [a, 3 * gaussian(&g) + 1, Double(g.next() % 4)]
        }
        return VariableData(count: n, dimension: 3, values: values)
    }()

    static func rank(_ v: VariableData, seed: UInt64 = 7, variable: UInt64 = 3) throws -> VariableData {
        try Normalization.rank.apply(to: v, seed: seed, variableIndex: variable)
    }

    /// Bit patterns, so that −0.0 ≠ 0.0 and the comparison is exact.
    static func bits(_ v: VariableData) -> [UInt64] { v.values.map(\.bitPattern) }

    @Test func invariantUnderIncreasingTransforms() throws {
        let reference = try Self.rank(Self.tied)
        let transforms: [(String, (Double) -> Double)] = [
            ("exp", { exp($0) }), ("x³ + x", { $0 * $0 * $0 + $0 }), ("2.5x − 7", { 2.5 * $0 - 7 }),
            ("x/1024 + 1e6", { $0 / 1024 + 1e6 }),
        ]
        for (name, f) in transforms {
            let moved = Self.tied.map(f)
            #expect(moved != Self.tied)
            #expect(Self.bits(try Self.rank(moved)) == Self.bits(reference), "\(name)")
        }
        // Both zeros are one tie: −0.0 made +0.0 changes nothing.
        let positiveZeros = Self.tied.map { $0 == 0 ? 0.0 : $0 }
        #expect(Self.bits(try Self.rank(positiveZeros)) == Self.bits(reference))
        // A decreasing transform is not invariant (it reverses the continuous column).
        #expect(try Self.rank(Self.tied.map { -$0 }) != reference)
    }

    /// The radix route of `rankColumns` gives exactly the ranks of a comparison sort of
    /// (value, tie key, sample), the order it replaced: on both zeros, the largest doubles,
    /// subnormals, negative values, long runs of ties and columns that share high bytes.
    @Test(arguments: [1, 2, 3, 50, 1_000])
    func radixRanksEqualTheComparisonSort(n: Int) throws {
        var g = SeededGenerator(seed: 5, stream: UInt64(n))
        let pool: [Double] = [0, -0.0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1e300, 0.5, 1 + 1e-16, 1 + 2.2e-16]
        let d = 4
        var values = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            values[i * d] = pool[Int(g.next() % UInt64(pool.count))]                  // heavy ties, specials
            values[i * d + 1] = gaussian(&g)                                        // continuous
            values[i * d + 2] = 1000 + Double(g.next() % 7) * 1e-9                  // shared high bytes
            values[i * d + 3] = Double(i)                                           // distinct, sorted
        }
        if n > 1 { values[d] = values[0] == 1 ? 0 : 1 }                             // no column constant
        if n > 1 { values[d + 2] = values[2] + 1e-9 }
        let v = VariableData(count: n, dimension: d, values: values)
        let (ranked, tied) = try Normalization.rankColumns(v, seed: 9, variableIndex: 4, scores: { (0..<$0).map(Double.init) })
        for j in 0..<d {
            var generator = SeededGenerator(seed: 9, stream: Normalization.rankStream(variableIndex: 4, column: j))
            let keys = (0..<n).map { _ in generator.next() }
            let order = (0..<n).sorted { a, b in
                let x = values[a * d + j], y = values[b * d + j]
                if x != y { return x < y }
                return keys[a] != keys[b] ? keys[a] < keys[b] : a < b
            }
            var expected = [Double](repeating: 0, count: n)
            for (rank, sample) in order.enumerated() { expected[sample] = Double(rank) }
            #expect((0..<n).map { ranked.values[$0 * d + j] } == expected, "column \(j)")
            let hasTies = (1..<max(n, 1)).contains { values[order[$0] * d + j] == values[order[$0 - 1] * d + j] }
            #expect(tied[j] == hasTies, "column \(j)")
        }
    }

    @Test func tieBreakingSeeded() throws {
        let a = try Self.rank(Self.tied, seed: 7, variable: 3)
        #expect(Self.bits(try Self.rank(Self.tied, seed: 7, variable: 3)) == Self.bits(a))
        let otherSeed = try Self.rank(Self.tied, seed: 8, variable: 3)
        let otherVariable = try Self.rank(Self.tied, seed: 7, variable: 4)
        for b in [otherSeed, otherVariable] {
            // The tied columns (0 and 2) differ, the continuous column (1) has no ties to break.
            #expect(b.column(0) != a.column(0) && b.column(2) != a.column(2))
            #expect(b.column(1) == a.column(1))
        }
        // Two equal columns of one variable get different tie-breaking (one stream per column).
        let twin = VariableData(columns: [Self.tied.column(0), Self.tied.column(0)])
        let r = try Self.rank(twin)
        #expect(r.column(0) != r.column(1))
        // Without ties the seed is irrelevant.
        let continuous = VariableData(column: Self.tied.column(1))
        #expect(try Self.rank(continuous, seed: 1, variable: 1) == Self.rank(continuous, seed: 99, variable: 5))
    }

    /// Each column becomes the n normal scores; a tie block of c values with L values below
    /// it gets exactly the ranks L ..< L + c (in some order), and order is kept between blocks.
    @Test func tieBlocksGetContiguousRanks() throws {
        let n = Self.tied.count
        let scores = Normalization.normalScores(count: n)
        let out = try Self.rank(Self.tied)
        for j in 0..<Self.tied.dimension {
            let x = Self.tied.column(j), z = out.column(j)
            #expect(z.sorted() == scores, "column \(j)")
            let rankOf = Dictionary(uniqueKeysWithValues: scores.enumerated().map { ($1, $0) })
            let r = z.map { rankOf[$0]! }
            for v in Set(x) {
                let below = x.filter { $0 < v }.count
                let block = x.indices.filter { x[$0] == v }.map { r[$0] }.sorted()
                #expect(block == Array(below..<(below + block.count)), "column \(j), value \(v)")
            }
            for a in 0..<n where a % 7 == 0 {
                for b in 0..<n where x[a] < x[b] { #expect(z[a] < z[b]) }
            }
        }
        // And the within-block order is not sample order (it is random).
        let zeros = Self.tied.column(0).indices.filter { Self.tied.column(0)[$0] == 0 }
        let zeroScores = zeros.map { out.column(0)[$0] }
        #expect(zeroScores != zeroScores.sorted() && zeroScores != zeroScores.sorted(by: >))
    }

    @Test func normalScoresAntisymmetricAndKnown() {
        for n in Array(1...64) + [999, 1_000, 4_096] {
            let s = Normalization.normalScores(count: n)
            #expect(s.count == n)
            for r in 0..<n { #expect(s[n - 1 - r] == -s[r], "n = \(n), r = \(r)") }
            if n % 2 == 1 { #expect(s[n / 2] == 0) }
            for r in 1..<max(n, 1) { #expect(s[r - 1] < s[r], "n = \(n): increasing at \(r)") }
        }
        #expect(Normalization.normalScores(count: 0).isEmpty)
        // (19 + ½)/20 = 0.975 and (0 + ½)/500 = 0.001.
        #expect(abs(Normalization.normalScores(count: 20)[19] - 1.959963984540054) < 1e-13)
        #expect(abs(Normalization.normalScores(count: 500)[0] - -3.090232306167814) < 1e-13)
        #expect(abs(Normalization.inverseNormal(0.975) - 1.959963984540054) < 1e-13)
        #expect(abs(Normalization.inverseNormal(0.001) - -3.090232306167814) < 1e-13)
        #expect(abs(Normalization.inverseNormal(0.5)) < 1e-16)
    }

    /// x = Φ⁻¹(p) checked by the round trip through erfc: the residual Φ(x) − p (lower half,
    /// Φ(x) = erfc(−x/√2)/2) or (1 − Φ(x)) − (1 − p) (upper half, 1 − p exact there), divided
    /// by the density, is x's error; it must be within 1e-14 relative (1e-15 absolute near 0).
    @Test func inverseNormalAccurate() {
        var ps = [Double]()
        var e = -300.0
        while e < -0.302 { ps.append(pow(10, e)); e += 0.37 }
        for k in 1..<1_000 { ps.append(Double(k) / 1_000) }
        for k in 1..<200 { ps.append(0.5 + Double(k) * 1e-6) }
        var e2 = -15.0
        while e2 < -0.302 { ps.append(1 - pow(10, e2)); e2 += 0.29 }
        for p in ps where p > 0 && p < 1 {
            let x = Normalization.inverseNormal(p)
            let density = exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            let residual = p <= 0.5
                ? 0.5 * erfc(-x / 2.0.squareRoot()) - p
                : (1 - p) - 0.5 * erfc(x / 2.0.squareRoot())
            let error = residual / density
            #expect(abs(error) <= 1e-14 * abs(x) + 1e-15, "p = \(p): x = \(x), error \(error)")
        }
        // Exactly antisymmetric where 1 − p is exact (dyadic p).
        for k in 1..<1_024 {
            let p = Double(k) / 2_048
            #expect(Normalization.inverseNormal(1 - p) == -Normalization.inverseNormal(p), "p = \(p)")
        }
    }

    @Test func rejectsConstantAndNonFinite() throws {
        let constantColumn = VariableData(columns: [[1, 2, 3, 4], [5, 5, 5, 5]])
        #expect(throws: EstimationError.constantVariable) { try Self.rank(constantColumn) }
        #expect(throws: EstimationError.constantVariable) { try Self.rank(VariableData(column: [0.0, -0.0, 0.0])) }
        #expect(throws: EstimationError.constantVariable) { try Self.rank(VariableData(count: 0, dimension: 1, values: [])) }
        #expect(throws: EstimationError.nonFiniteValues(count: 2)) {
            try Self.rank(VariableData(column: [1, .nan, 3, .nan]))
        }
        #expect(throws: EstimationError.nonFiniteValues(count: 1)) { try Self.rank(VariableData(column: [1, .infinity, 3])) }
        // Through the seedless entry point too.
        #expect(throws: EstimationError.constantVariable) { try Normalization.rank.apply(to: constantColumn) }
        // One sample: a single score, 0.
        #expect(try Self.rank(VariableData(column: [42])).values == [0])
        // Two distinct values are fine.
        // Two distinct values: ±Φ⁻¹(0.75) = ±0.6744897501960817.
        let two = try Self.rank(VariableData(column: [3, 1])).values
        #expect(abs(two[0] - 0.6744897501960817) < 1e-15 && two[1] == -two[0])
    }

    /// KSG under the rank normalization: monotone transforms of either variable (with ties)
    /// give bit-identical estimates, and the ranked variables carry no ties any more.
    @Test func ksgWithRankInvariantUnderMonotoneTransforms() throws {
        let (x, y) = correlatedGaussians(n: 1_500, d: 1, rho: 0.7, seed: 5)
        let yTied = y.map { ($0 * 4).rounded() / 4 }
        for algorithm in [KSGAlgorithm.ksg1, .ksg2] {
            let estimator = KSG(k: 3, algorithm: algorithm, normalization: .rank)
            func estimate(_ a: VariableData, _ b: VariableData) throws -> Double {
                let (pa, fa) = try estimator.prepareVariable(a, VariableRole(index: 0, seed: 11))
                let (pb, fb) = try estimator.prepareVariable(b, VariableRole(index: 1, seed: 11))
                #expect(fa == .continuous && fb == .continuous)
                return try estimator.estimate(pa, pb, pair: PairIdentity(seed: 11, variables: (0, 1)))
            }
            for target in [y, yTied] {
                let reference = try estimate(x, target)
                #expect(reference > 0.2, "\(algorithm): \(reference)")  // truth 0.337 nats
                let e1 = try estimate(x.map { exp($0) }, target.map { $0 * $0 * $0 + $0 })
                let e2 = try estimate(x.map { 3 * $0 + 1 }, target.map { exp(2 * $0) })
                #expect(e1.bitPattern == reference.bitPattern && e2.bitPattern == reference.bitPattern, "\(algorithm)")
            }
        }
    }
}
