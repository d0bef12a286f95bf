import MIEstimators
import MISignificance
import Testing

/// `MultipleTesting.adjust`: Benjamini–Hochberg and Bonferroni against their definitions.
@Suite struct MultipleTestingTests {
    /// BH from the definition, O(m²): q_i = min over j with p_j ≥ p_i of min(1, m·p_j/rank_j),
    /// rank_j = #{k : p_k ≤ p_j}; NaN is not a test (not in m) and stays NaN.
    static func naiveBH(_ p: [Double]) -> [Double] {
        let tests = p.filter { !$0.isNaN }
        let m = Double(tests.count)
        return p.map { pi in
            if pi.isNaN { return .nan }
            var q = Double.infinity
            for pj in tests where pj >= pi {
                let rank = Double(tests.filter { $0 <= pj }.count)
                q = min(q, min(1, pj * m / rank))
            }
            return q
        }
    }

    /// Equal as arrays, NaN equal to NaN.
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    /// m p-values, some NaN, some exactly 0 or 1, most on a coarse grid (ties).
    static func randomPValues(_ m: Int, _ g: inout SeededGenerator) -> [Double] {
        (0..<m).map { _ in
            switch g.next() % 10 {
            case 0: return .nan
            case 1: return 0
            case 2: return 1
            case 3, 4: return g.nextUnit()
            case 5: return g.nextUnit() * 1e-6
            default: return Double(g.next() % 50) / 1_000
            }
        }
    }

    @Test func bhMatchesNaiveDefinition() {
        var g = SeededGenerator(seed: 1_995, stream: 1)
        for _ in 0..<300 {
            let m = 1 + Int(g.next() % 120)
            let p = Self.randomPValues(m, &g)
            let q = MultipleTesting.bh.adjust(p)
            #expect(Self.same(q, Self.naiveBH(p)), "p = \(p)")
        }
    }

    /// The properties BH's q-values have whatever the input: q ≥ p, q ≤ 1, the order of the
    /// p-values, equal p ⇒ equal q, and position for position under a reordering.
    @Test func bhProperties() {
        var g = SeededGenerator(seed: 1_995, stream: 2)
        for _ in 0..<100 {
            let p = Self.randomPValues(200, &g)
            let q = MultipleTesting.bh.adjust(p)
            for i in p.indices {
                #expect(p[i].isNaN == q[i].isNaN)
                guard !p[i].isNaN else { continue }
                #expect(q[i] >= p[i] && q[i] <= 1)
                for j in p.indices where !p[j].isNaN && p[j] <= p[i] { #expect(q[j] <= q[i]) }
            }
            let order = Self.permutation(p.count, &g)
            #expect(Self.same(MultipleTesting.bh.adjust(order.map { p[$0] }), order.map { q[$0] }))
        }
    }

    static func permutation(_ n: Int, _ g: inout SeededGenerator) -> [Int] {
        var order = Array(0..<n)
        order.shuffle(using: &g)
        return order
    }

    @Test func nanPassesThroughAndIsNotCounted() {
        let q = MultipleTesting.bh.adjust([0.01, .nan, 0.02])
        #expect(q[1].isNaN)
        // m = 2, not 3: q = min(0.01·2/1, 0.02·2/2) = 0.02 for both.
        #expect(q[0] == 0.02 && q[2] == 0.02)
        let b = MultipleTesting.bonferroni.adjust([0.01, .nan, 0.02, .nan])
        #expect(b[0] == 0.02 && b[1].isNaN && b[2] == 0.04 && b[3].isNaN)
        // Adding NaNs changes nothing else.
        var g = SeededGenerator(seed: 3, stream: 3)
        let p = (0..<50).map { _ in g.nextUnit() * 0.1 }
        var withNaN = p
        for position in [0, 10, 10, 37, 52] { withNaN.insert(.nan, at: position) }
        for method in MultipleTesting.allCases {
            let a = method.adjust(p), c = method.adjust(withNaN)
            #expect(Self.same(c.filter { !$0.isNaN }, a), "\(method)")
            #expect(c.filter { $0.isNaN }.count == 5)
        }
        // Nothing but NaN, and nothing at all.
        #expect(MultipleTesting.bh.adjust([.nan, .nan]).allSatisfy { $0.isNaN })
        #expect(MultipleTesting.bonferroni.adjust([.nan]).allSatisfy { $0.isNaN })
        #expect(MultipleTesting.bh.adjust([]).isEmpty && MultipleTesting.bonferroni.adjust([]).isEmpty)
        // A single test is not adjusted.
        #expect(MultipleTesting.bh.adjust([0.3]) == [0.3] && MultipleTesting.bonferroni.adjust([0.3]) == [0.3])
    }

    @Test func bonferroniIsCappedMTimesP() {
        var g = SeededGenerator(seed: 4, stream: 4)
        for _ in 0..<100 {
            let p = Self.randomPValues(1 + Int(g.next() % 80), &g)
            let m = Double(p.filter { !$0.isNaN }.count)
            let expected = p.map { $0.isNaN ? Double.nan : min(1, m * $0) }
            let b = MultipleTesting.bonferroni.adjust(p)
            #expect(Self.same(b, expected))
            // Never less conservative than BH.
            let q = MultipleTesting.bh.adjust(p)
            for i in p.indices where !p[i].isNaN { #expect(b[i] >= q[i]) }
        }
        #expect(MultipleTesting.bonferroni.adjust([0.2, 0.5, 0.001]) == [0.2 * 3, 1, 0.001 * 3])
    }

    /// Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 the step-up
    /// procedure rejects the 4 smallest (Bonferroni at 0.05 only the 3 smallest).
    @Test func benjaminiHochberg1995Example() {
        let p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
                 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]
        let q = MultipleTesting.bh.adjust(p)
        #expect(q.indices.filter { q[$0] <= 0.05 } == [0, 1, 2, 3])
        // The step-up rule itself: the largest k with p_(k) ≤ k·0.05/15 is 4.
        #expect(p.indices.filter { p[$0] <= Double($0 + 1) * 0.05 / 15 }.max() == 3)
        // q-values by hand (each min(15·p_(j)/j) over j ≥ k): q_(1) = 15·0.0001 = 0.0015,
        // q_(2) = 15·0.0004/2 = 0.003, q_(3) = 15·0.0019/3 = 0.0095, q_(4) = 15·0.0095/4 = 0.035625,
        // q_(5) = 15·0.0201/5 = 0.0603, q_(6) = q_(7) = 15·0.0298/7 (the 7th undercuts the 6th's
        // 15·0.0278/6), q_(8) = 15·0.0344/8, q_(9) = 15·0.0459/9.
        let byHand = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 15 * 0.0298 / 7, 15 * 0.0298 / 7, 0.0645, 0.0765]
        for k in byHand.indices { #expect(abs(q[k] - byHand[k]) < 1e-15, "q_(\(k + 1)) = \(q[k])") }
        #expect(q[14] == 1)
        let b = MultipleTesting.bonferroni.adjust(p)
        #expect(b.indices.filter { b[$0] <= 0.05 } == [0, 1, 2])
    }
}
