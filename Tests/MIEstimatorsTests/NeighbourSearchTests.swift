import CMIKernels
@testable import MIEstimators
import Testing

/// The exact brute-force neighbour search (`KSG.NeighbourSearch.bruteForce`) gives the same
/// bits as the k-d tree search: every distance, every histogram count, every estimate.
@Suite struct NeighbourSearchTests {
    /// Data with ties of every kind: values on a coarse grid in some coordinates, and a few
    /// samples duplicated exactly (joint k-th distance 0: the mixed estimator's branch).
    static func tiedData(n: Int, d: Int, seed: UInt64, stream: UInt64, grid: Double?, duplicates: Int) -> VariableData {
        var v = uniformData(n: n, d: d, seed: seed, stream: stream)
        if let grid {
            for i in 0..<n { for j in stride(from: 0, to: d, by: 2) { v.values[i * d + j] = (v.values[i * d + j] * grid).rounded() } }
        }
        for s in 0..<duplicates {
            let from = (7 * s + 1) % n, to = (11 * s + 5) % n
            for j in 0..<d { v.values[to * d + j] = v.values[from * d + j] }
        }
        return v
    }

    static func histogram(_ search: (KSG.Prepared, KSG.Prepared, Int, KSGAlgorithm, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>?) -> Void,
                          _ x: KSG.Prepared, _ y: KSG.Prepared, k: Int, _ alg: KSGAlgorithm, mixed: Bool) -> ([Int32], [Int32]) {
        var h = [Int32](repeating: 0, count: x.count + 1), kh = h
        h.withUnsafeMutableBufferPointer { hp in
            kh.withUnsafeMutableBufferPointer { kp in search(x, y, k, alg, hp.baseAddress!, mixed ? kp.baseAddress! : nil) }
        }
        return (h, kh)
    }

    @Test func bruteForceEqualsTreeBitForBit() throws {
        var g = SeededGenerator(seed: 2020, stream: 9)
        var dims = [1, 2, 3, 7, 8, 9, 33, 150, 300]
        for _ in 0..<12 { dims.append(1 + Int(g.next() % 300)) }
        for (case_, d) in dims.enumerated() {
            // Split the joint dimension between X and T (one of them possibly scalar).
            let dx = max(1, Int(g.next() % UInt64(d + 1))), dy = max(1, d - dx + 1)
            let n = 20 + Int(g.next() % 41)  // 20...60: not a multiple of 8 or 32 in general
            let grid: Double? = case_ % 3 == 0 ? nil : Double(2 + case_ % 4)
            let x = Self.tiedData(n: n, d: dx, seed: UInt64(case_), stream: 1, grid: grid, duplicates: case_ % 2 == 0 ? 3 : 0)
            let y = Self.tiedData(n: n, d: dy, seed: UInt64(case_), stream: 2, grid: grid, duplicates: case_ % 2 == 0 ? 3 : 0)
            for ties in [TieHandling.none, .auto] {
                for k in [1, 3] {
                    for alg in KSGAlgorithm.allCases {
                        var tree = KSG(k: k, algorithm: alg, ties: ties), brute = tree
                        tree.neighbourSearch = .tree
                        brute.neighbourSearch = .bruteForce
                        let px = tree.prepare(x), py = tree.prepare(y)
                        let a = try tree.estimate(px, py), b = try brute.estimate(px, py)
                        #expect(a.bitPattern == b.bitPattern, "dx=\(dx) dy=\(dy) n=\(n) k=\(k) \(alg) \(ties): \(a) vs \(b)")
                        // Variables prepared for brute force only (no k-d tree), and the automatic choice.
                        let c = try brute.estimate(brute.prepare(x), brute.prepare(y))
                        let auto = KSG(k: k, algorithm: alg, ties: ties)
                        let e = try auto.estimate(auto.prepare(x), auto.prepare(y))
                        #expect(c.bitPattern == a.bitPattern && e.bitPattern == a.bitPattern, "dx=\(dx) dy=\(dy) \(alg) \(ties)")
                        // The counts themselves (and, with ties, k̃), not only the sums.
                        if dx > 1 || dy > 1 {
                            let mixed = tree.usesMixedEstimator(px, py)
                            let used: KSGAlgorithm = mixed ? .ksg1 : alg
                            let th = Self.histogram({ _ksgTreeHistogram(x: $0, y: $1, k: $2, algorithm: $3, hist: $4, khist: $5) },
                                                    px, py, k: k, used, mixed: mixed)
                            let bh = Self.histogram({ _ksgBruteForceHistogram(x: $0, y: $1, k: $2, algorithm: $3, hist: $4, khist: $5) },
                                                    px, py, k: k, used, mixed: mixed)
                            #expect(th.0 == bh.0 && th.1 == bh.1, "histograms dx=\(dx) dy=\(dy) n=\(n) k=\(k) \(alg) \(ties)")
                        }
                    }
                }
            }
        }
    }

    /// The kernel's distances equal a scalar max-norm loop bit for bit, on the vector path
    /// and on the baseline path, for dimensions across the chunk boundary and ragged blocks.
    @Test func kernelDistancesAreExact() {
        for (n, d, nq) in [(13, 1, 5), (40, 63, 7), (17, 64, 4), (9, 65, 8), (33, 130, 6)] {
            let v = Self.tiedData(n: n, d: d, seed: UInt64(d), stream: 3, grid: 3, duplicates: 2).values.map { $0 * 1e-3 - 0.4 }
            let panels = (n + 7) / 8
            var packed = [Double](repeating: 0, count: panels * 8 * d)
            for j in 0..<(panels * 8) { for c in 0..<d { packed[(j / 8) * 8 * d + c * 8 + j % 8] = v[min(j, n - 1) * d + c] } }
            for baseline in [false, true] {
                var out = [Double](repeating: 0, count: nq * panels * 8)
                out.withUnsafeMutableBufferPointer { o in
                    v.withUnsafeBufferPointer { q in
                        packed.withUnsafeBufferPointer { p in
                            if baseline {
                                mib_maxnorm_block_f64_baseline(o.baseAddress!, panels * 8, q.baseAddress! + d, nq, p.baseAddress!, panels, d)
                            } else {
                                mib_maxnorm_block_f64(o.baseAddress!, panels * 8, q.baseAddress! + d, nq, p.baseAddress!, panels, d)
                            }
                        }
                    }
                }
                for b in 0..<nq {
                    for j in 0..<n {
                        var want = 0.0
                        for c in 0..<d { let a = abs(v[j * d + c] - v[(b + 1) * d + c]); want = want < a ? a : want }
                        #expect(out[b * panels * 8 + j].bitPattern == want.bitPattern, "n=\(n) d=\(d) b=\(b) j=\(j) baseline=\(baseline)")
                    }
                }
            }
        }
    }

    /// The automatic rule is monotone: more dimensions never switch brute force off.
    @Test func automaticChoiceIsMonotone() {
        for n in [100, 1_000, 4_000, 20_000, 100_000] {
            var seen = false
            for d in 2...400 {
                let b = KSG.NeighbourSearch.usesBruteForce(samples: n, jointDimension: d)
                #expect(!(seen && !b), "n=\(n) d=\(d)")
                seen = seen || b
            }
            #expect(KSG.NeighbourSearch.usesBruteForce(samples: n, jointDimension: 400))
            #expect(!KSG.NeighbourSearch.usesBruteForce(samples: n, jointDimension: 2))
        }
    }
}
