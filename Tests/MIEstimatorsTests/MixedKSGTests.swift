@testable import MIEstimators
import Testing

/// The mixed estimator (the default on tied data) equals an O(n²) reference written from its
/// definition, for every kind of tie the fast paths treat specially: pure cells of repeated
/// joint points, strips of one repeated value (x or y), light groups inside grid bands,
/// and exact duplicates found by the grid search; scalar and vector variables; several k.
@Suite struct MixedKSGTests {
    /// Zero-inflated columns: a heavy atom at 0 plus continuous values.
    static func zeroInflated(n: Int, keep: Double, seed: UInt64, stream: UInt64, shared: VariableData? = nil) -> VariableData {
        var g = SeededGenerator(seed: seed, stream: stream)
        let base = shared ?? uniformData(n: n, d: 1, seed: seed, stream: stream + 100)
        return VariableData(column: (0..<n).map { g.nextUnit() < keep ? base.values[$0] + 0.1 * g.nextUnit() : 0 })
    }

    static func cases(n: Int) -> [(String, VariableData, VariableData)] {
        let u = uniformData(n: n, d: 1, seed: 7, stream: 1)
        let v = uniformData(n: n, d: 1, seed: 7, stream: 2)
        let zx = zeroInflated(n: n, keep: 0.3, seed: 7, stream: 3)
        let zy = zeroInflated(n: n, keep: 0.3, seed: 7, stream: 4, shared: zx)
        let labels = u.map { ($0 * 4).rounded(.down) }                   // 4 heavy groups
        let rounded = v.map { (($0 + u.values[0]) * 30).rounded() / 30 }  // light groups
        let yGivenLabel = VariableData(column: (0..<n).map { labels.values[$0] + 2 * v.values[$0] })
        let fewDuplicates = u.map { ($0 * Double(n) / 3).rounded() }      // groups of ~3
        return [
            ("zero-inflated × zero-inflated", zx, zy),
            ("zero-inflated × continuous", zx, v),
            ("continuous × zero-inflated", v, zy),
            ("labels × continuous", labels, yGivenLabel),
            ("continuous × labels", yGivenLabel, labels),
            ("labels × labels", labels, labels.map { ($0 + ($0 > 1 ? 1 : 0)).truncatingRemainder(dividingBy: 3) }),
            ("labels × rounded", labels, rounded),
            ("rounded × rounded", rounded, u.map { ($0 * 20).rounded() }),
            ("small groups × continuous", fewDuplicates, v),
            ("small groups × small groups", fewDuplicates, fewDuplicates.map { ($0 / 2).rounded() }),
        ]
    }

    @Test(arguments: [1, 3, 4])
    func scalarPairsEqualTheReference(k: Int) throws {
        for n in [40, 900] {
            for (name, x, y) in Self.cases(n: n) {
                let fast = try KSG(k: k, algorithm: .ksg2).estimate(x, y)
                let slow = Reference.mixed(x, y, k: k)
                #expect(abs(fast - slow) <= 1e-12, "\(name) n=\(n) k=\(k): \(fast) vs \(slow)")
                // KSG-1 and KSG-2 agree on tied pairs: both use the mixed estimator.
                #expect(try KSG(k: k, algorithm: .ksg1).estimate(x, y) == fast, "\(name)")
            }
        }
    }

    /// Vector variables with repeated samples (the k-d tree path).
    @Test func vectorPairsEqualTheReference() throws {
        let n = 300
        let x = uniformData(n: n, d: 2, seed: 11, stream: 1).map { ($0 * 3).rounded() }
        let y = uniformData(n: n, d: 1, seed: 11, stream: 2)
        var yt = y
        for i in 0..<n { yt.values[i] = (x.values[2 * i] + y.values[i] * 2).rounded() }
        for (a, b) in [(x, y), (x, yt), (x, x.map { $0 * 2 })] {
            for k in [1, 3] {
                let fast = try KSG(k: k, algorithm: .ksg2).estimate(a, b)
                #expect(abs(fast - Reference.mixed(a, b, k: k)) <= 1e-12, "d=\(a.dimension)×\(b.dimension) k=\(k)")
            }
        }
    }

    /// The answer does not depend on the order of the samples or of the two variables.
    @Test func orderAndSymmetry() throws {
        for (name, x, y) in Self.cases(n: 600) {
            let v = try KSG(k: 3, algorithm: .ksg2).estimate(x, y)
            let perm = permutation(600, seed: 3)
            #expect(try KSG(k: 3, algorithm: .ksg2).estimate(x.permutedSamples(perm), y.permutedSamples(perm)) == v, "\(name)")
            #expect(try KSG(k: 3, algorithm: .ksg2).estimate(y, x) == v, "\(name) swapped")
        }
    }

    /// Pairs without ties are untouched: the mixed default equals the plain algorithm bit for bit.
    @Test func continuousPairsAreUnchanged() throws {
        let (x, y) = correlatedGaussians(n: 2000, d: 1, rho: 0.7, seed: 5)
        for alg in [KSGAlgorithm.ksg1, .ksg2] {
            #expect(try KSG(k: 3, algorithm: alg).estimate(x, y) == KSG(k: 3, algorithm: alg, ties: .none).estimate(x, y))
        }
        #expect(!KSG(k: 3, algorithm: .ksg2).prepare(x).hasTies)
    }

    /// Every rank width gives the same bits on tied data.
    @Test func rankWidths() throws {
        let (_, x, y) = Self.cases(n: 500)[0]
        let ksg = KSG(k: 3, algorithm: .ksg2)
        let base = try ksg.estimate(x, y)
        for width in [2, 3, 4] {
            let v = try ksg.estimate(KSG.Prepared(x, rankWidth: width), KSG.Prepared(y, rankWidth: width))
            #expect(v == base, "width \(width)")
        }
    }
}
