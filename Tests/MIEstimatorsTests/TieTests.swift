import MIEstimators
import Testing

/// Requirement 8: heavily tied data give defined, documented, order-independent results.
///
/// X: integer column with 5 distinct values (0…4), n = 2,000. Y: continuous (X + noise)
/// or another integer column (X + {0,1} noise). Measured values are asserted below.
@Suite struct TieTests {
    static let n = 2000

    static func columns() -> (VariableData, VariableData, VariableData) {
        var g = SeededGenerator(seed: 5, stream: 5)
        var xi = [Double](), yc = [Double](), yi = [Double]()
        for _ in 0..<n {
            let x = Double(g.next() % 5)
            xi.append(x)
            yc.append(x + gaussian(&g))
            yi.append(x + Double(g.next() % 2))
        }
        return (VariableData(column: xi), VariableData(column: yc), VariableData(column: yi))
    }

    @Test func integerWithContinuous() throws {
        let (x, yc, _) = Self.columns()
        for alg in KSGAlgorithm.allCases {
            let v = try ksg(alg, x, yc)
            #expect(v.isFinite, "\(alg)")
            let perm = permutation(Self.n, seed: 9)
            #expect(try ksg(alg, x.permutedSamples(perm), yc.permutedSamples(perm)) == v, "\(alg) order")
        }
    }

    /// Integer × integer: every sample has > k exact joint duplicates, so ε_i = 0 for all i.
    /// KSG-1 then has n_x = n_y = 0 for every sample (documented): Î = ψ(k) + ψ(n) − 2ψ(1),
    /// a large meaningless value (≈ 9.68 nats for k = 3, n = 2,000) — use `--jitter` for such
    /// data. KSG-2 and joint count the exact duplicates (ε_x = ε_y = 0, non-strict).
    @Test func integerWithInteger() throws {
        let (x, _, yi) = Self.columns()
        let k1 = try ksg(.ksg1, x, yi)
        let expected = Digamma.integer(3) + Digamma.integer(Self.n) - 2 * Digamma.integer(1)
        #expect(abs(k1 - expected) < 1e-12, "KSG-1 with ε = 0 everywhere: \(k1) vs \(expected)")
        for alg in KSGAlgorithm.allCases {
            let v = try ksg(alg, x, yi)
            #expect(v.isFinite)
            for seed in [1, 2, 3] as [UInt64] {
                let perm = permutation(Self.n, seed: seed)
                #expect(try ksg(alg, x.permutedSamples(perm), yi.permutedSamples(perm)) == v, "\(alg) order")
            }
        }
        // KSG-2 / joint with all-duplicate neighbourhoods: n_x = #{x_j = x_i}, n_y = #{y_j = y_i}
        // (self excluded), so Î = ψ(k) − 1/k + ψ(n) − ⟨ψ(n_x) + ψ(n_y)⟩ — a plug-in-like value.
        var total = 0.0
        for i in 0..<Self.n {
            var nx = 0, ny = 0
            for j in 0..<Self.n where j != i {
                if x.values[j] == x.values[i] { nx += 1 }
                if yi.values[j] == yi.values[i] { ny += 1 }
            }
            total += Digamma.integer(nx) + Digamma.integer(ny)
        }
        let closedForm = Digamma.integer(3) - 1.0 / 3 + Digamma.integer(Self.n) - total / Double(Self.n)
        #expect(abs(try ksg(.ksg2, x, yi) - closedForm) < 1e-12)
        #expect(abs(try ksg(.joint, x, yi) - closedForm) < 1e-12)
    }

    /// The KSG-2 tie rule (all j with joint distance ≤ ε_i) does not depend on which tied
    /// neighbour a search meets first: a hand-made example where the k-th distance is tied.
    @Test func ksg2TieRuleExample() throws {
        // Sample 0 at (0,0); samples at joint distance 1: (1,0) and (0,1); k = 1.
        // Tie rule: neighbour set = both ⇒ ε_x = ε_y = 1 for sample 0.
        let x = VariableData(column: [0, 1, 0, 5, 9])
        let y = VariableData(column: [0, 0, 1, 7, 3])
        let v = try ksg(.ksg2, x, y, k: 1)
        #expect(abs(v - Reference.ksg(.ksg2, x, y, k: 1)) < 1e-12)
        for p in [[1, 2, 0, 3, 4], [2, 1, 0, 4, 3], [4, 3, 2, 1, 0]] {
            #expect(try ksg(.ksg2, x.permutedSamples(p), y.permutedSamples(p), k: 1) == v)
        }
    }
}
