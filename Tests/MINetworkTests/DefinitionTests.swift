import Foundation
import MINetwork
import Testing

/// Each method against an independent implementation written here from its published
/// definition (minet 3.x, ARACNe-AP), on random symmetric matrices with many tied values.
@Suite struct DefinitionTests {
    static let seeds: [UInt64] = [1, 2, 3, 4, 5, 6]

    /// minet's `aracne.cpp`, transcribed: every triangle of the full matrix, its weakest edge
    /// tagged when the second weakest exceeds it by more than eps; kept edges keep their MI.
    static func minetARACNE(_ m: [Double], _ p: Int, eps: Double) -> [Double] {
        var tag = [Bool](repeating: true, count: p * p)
        for i in 2..<p { for j in 1..<i { for k in 0..<j {
            let eps1 = m[j * p + k] - m[i * p + j], eps2 = m[i * p + k] - m[i * p + j], eps3 = m[i * p + k] - m[j * p + k]
            if eps3 > 0 {
                if eps1 > 0 { if eps1 > eps { tag[i * p + j] = false; tag[j * p + i] = false } }
                else if eps2 > 0 { if -eps1 > eps { tag[j * p + k] = false; tag[k * p + j] = false } }
                else if eps3 > eps { tag[j * p + k] = false; tag[k * p + j] = false }
            } else {
                if eps2 > 0 { if eps2 > eps { tag[i * p + j] = false; tag[j * p + i] = false } }
                else if eps1 > 0 { if -eps2 > eps { tag[i * p + k] = false; tag[k * p + i] = false } }
                else if -eps3 > eps { tag[i * p + k] = false; tag[k * p + i] = false }
            }
        } } }
        return (0..<(p * p)).map { tag[$0] ? m[$0] : 0 }
    }

    @Test(arguments: seeds)
    func aracneEqualsMinetOnTheFullMatrix(seed: UInt64) {
        let p = 40
        let m = randomSymmetric(p, levels: 12, seed: seed)
        for eps in [0.0, 0.05, 0.2] {
            let reference = weights(dense: Self.minetARACNE(m, p, eps: eps), p)
            let graph = CandidateGraph(nodeCount: p, candidates: candidates(m, p))
            let ours = weights(ARACNE.network(graph, tolerance: eps), p)
            #expect(ours == reference, "seed \(seed) eps \(eps): \(ours.count) edges vs minet's \(reference.count)")
            #expect(ours.count < p * (p - 1) / 2, "DPI removed nothing: the test would not show anything")
        }
    }

    @Test(arguments: seeds)
    func aracneAfterAnMIThresholdEqualsMinetThenThreshold(seed: UInt64) {
        let p = 35, threshold = 0.5
        let m = randomSymmetric(p, levels: 10, seed: seed &+ 100)
        let reference = weights(dense: Self.minetARACNE(m, p, eps: 0.05), p).filter { m[$0.key] >= threshold }
        let graph = CandidateGraph(nodeCount: p, candidates: candidates(m, p) { _, _, value in value >= threshold })
        #expect(weights(ARACNE.network(graph, tolerance: 0.05), p) == reference)
    }

    /// ARACNe-AP's DPI (`DPI.java`), transcribed: TF pairs with an edge between them, their
    /// common targets, directed TF→target edges removed when strictly weakest.
    static func aracneAP(_ m: [Double], _ p: Int, tfs: [Int], candidate: (Int, Int) -> Bool) -> Set<Int> {
        let isTF = Set(tfs)
        var network: [Int: [Int: Double]] = [:]
        for tf in tfs { for t in 0..<p where t != tf && candidate(tf, t) { network[tf, default: [:]][t] = m[tf * p + t] } }
        var removed: Set<[Int]> = []
        for (a, i) in tfs.enumerated() {
            guard let fin1 = network[i] else { continue }
            for j in tfs[(a + 1)...] {
                guard let tftf = fin1[j], let fin2 = network[j] else { continue }
                for target in Set(fin1.keys).intersection(fin2.keys) {
                    let v1 = fin1[target]!, v2 = fin2[target]!
                    if v1 < tftf && v1 < v2 { removed.insert([i, target]) } else if v2 < tftf && v2 < v1 { removed.insert([j, target]) }
                }
            }
        }
        var kept: Set<Int> = []
        for (tf, targets) in network { for t in targets.keys where !removed.contains([tf, t]) {
            // A regulator–regulator edge is listed in both directions; both must agree.
            if isTF.contains(t) { #expect(removed.contains([t, tf]) == false, "directions disagree for \(tf)-\(t)") }
            kept.insert(min(tf, t) * p + max(tf, t))
        } }
        return kept
    }

    @Test(arguments: seeds)
    func regulatorModeEqualsARACNeAP(seed: UInt64) {
        let p = 40, threshold = 0.3
        let m = randomSymmetric(p, levels: 9, seed: seed &+ 200)
        var generator = TestGenerator(seed: seed)
        let tfs = Array((0..<p).shuffled(using: &generator).prefix(12)).sorted()
        var flags = [Bool](repeating: false, count: p)
        for tf in tfs { flags[tf] = true }
        let candidate = { (a: Int, b: Int) in m[a * p + b] >= threshold }
        let graph = CandidateGraph(nodeCount: p, candidates: candidates(m, p) { i, j, _ in candidate(i, j) && (flags[i] || flags[j]) })
        let ours = Set(weights(ARACNE.network(graph, tolerance: 0, regulators: flags), p).keys)
        let reference = Self.aracneAP(m, p, tfs: tfs, candidate: candidate)
        #expect(ours == reference, "seed \(seed): \(ours.count) edges vs ARACNe-AP's \(reference.count)")
        #expect(ours.count < graph.edges.count, "DPI removed nothing")
    }

    @Test func aTriangleWithTiedWeakestEdgesLosesNothing() {
        // Edges 0-1 and 1-2 tie at 0.3, below 0-2 = 0.9: no edge is strictly weakest.
        let p = 3
        var m = [Double](repeating: 0, count: 9)
        func set(_ i: Int, _ j: Int, _ v: Double) { m[i * p + j] = v; m[j * p + i] = v }
        set(0, 1, 0.3); set(1, 2, 0.3); set(0, 2, 0.9)
        #expect(ARACNE.network(CandidateGraph(nodeCount: p, candidates: candidates(m, p)), tolerance: 0).count == 3)
        set(1, 2, 0.31)
        let pruned = ARACNE.network(CandidateGraph(nodeCount: p, candidates: candidates(m, p)), tolerance: 0)
        #expect(pruned.count == 2 && !pruned.contains { $0.u == 0 && $0.v == 1 })
        #expect(ARACNE.network(CandidateGraph(nodeCount: p, candidates: candidates(m, p)), tolerance: 0.02).count == 3,
                "within the tolerance (0.31 - 0.3 is not > 0.02) nothing is removed")
    }

    /// CLR from its definition: μ and sample σ of each row without the diagonal,
    /// z = max(0, (I − μ)/σ), w = √(z_i² + z_j²).
    @Test(arguments: seeds)
    func clrEqualsItsDefinition(seed: UInt64) {
        let p = 30
        let m = randomSymmetric(p, levels: 7, seed: seed &+ 300)
        var mean = [Double](repeating: 0, count: p), sd = mean
        for i in 0..<p {
            let row = (0..<p).filter { $0 != i }.map { m[i * p + $0] }
            mean[i] = row.reduce(0, +) / Double(row.count)
            sd[i] = (row.map { ($0 - mean[i]) * ($0 - mean[i]) }.reduce(0, +) / Double(row.count - 1)).squareRoot()
        }
        var reference: [Int: Double] = [:]
        for i in 0..<p { for j in (i + 1)..<p {
            let zi = max(0, (m[i * p + j] - mean[i]) / sd[i]), zj = max(0, (m[i * p + j] - mean[j]) / sd[j])
            let w = (zi * zi + zj * zj).squareRoot()
            if w > 0 { reference[i * p + j] = w }
        } }
        let statistics = (0..<p).map { CLR.statistics(Array(m[(($0) * p)..<(($0 + 1) * p)]), diagonal: $0) }
        let ours = weights(CLR.network(candidates(m, p), statistics: statistics), p)
        #expect(Set(ours.keys) == Set(reference.keys))
        for (key, w) in reference { #expect(abs(ours[key]! - w) <= 1e-12 * max(1, w)) }
    }

    /// MRNET from its definition: per target, mRMR forward selection (lowest index on ties),
    /// stop after the first negative score; weight the larger score of the two directions.
    static func mrnetDefinition(_ m: [Double], _ p: Int) -> [Int: Double] {
        var best: [Int: Double] = [:]
        for i in 0..<p {
            var selected: [Int] = []
            var first = true
            while selected.count < p - 1 {
                var pick = -1, pickScore = 0.0
                for j in 0..<p where j != i && !selected.contains(j) {
                    let redundancy = selected.isEmpty ? 0 : selected.map { m[j * p + $0] }.reduce(0, +) / Double(selected.count)
                    let score = m[i * p + j] - redundancy
                    if pick < 0 || score > pickScore { pick = j; pickScore = score }
                }
                let key = min(i, pick) * p + max(i, pick)
                if pickScore > best[key, default: 0] { best[key] = pickScore }
                if !first && pickScore < 0 { break }
                first = false
                selected.append(pick)
            }
        }
        return best
    }

    @Test(arguments: seeds)
    func mrnetEqualsItsDefinition(seed: UInt64) {
        let p = 30
        let m = randomSymmetric(p, levels: 6, seed: seed &+ 400)
        let ours = weights(MRNET.network(matrix: m, count: p), p), reference = Self.mrnetDefinition(m, p)
        #expect(Set(ours.keys) == Set(reference.keys), "seed \(seed)")
        for (key, w) in reference { #expect(abs((ours[key] ?? .nan) - w) <= 1e-12 * max(1, w)) }
    }

    /// minet's `mrnet.cpp`, transcribed (diagonal 0, its argmax scans): on matrices without
    /// ties it equals ours.
    static func minetMRNET(_ mim: [Double], _ n: Int) -> [Double] {
        var res = [Double](repeating: 0, count: n * n), rel = [Double](repeating: 0, count: n), red = rel
        var jmax = 0
        for i in 0..<n {
            for j in 0..<n { rel[j] = mim[i * n + j]; red[j] = 0; if rel[j] > rel[jmax] { jmax = j } }
            var score = rel[jmax]
            if res[i * n + jmax] < score { res[jmax * n + i] = score; res[i * n + jmax] = score }
            rel[jmax] = -1000
            for l in 0..<n { red[l] += mim[l * n + jmax] }
            var k = 1
            while k < n - 1 {
                jmax = 0
                for j in 1..<n where (rel[j] - red[j] / Double(k)) > (rel[jmax] - red[jmax] / Double(k)) { jmax = j }
                score = rel[jmax] - red[jmax] / Double(k)
                if res[i * n + jmax] < score { res[jmax * n + i] = score; res[i * n + jmax] = score }
                rel[jmax] = -1000
                for l in 0..<n { red[l] += mim[l * n + jmax] }
                if score < 0 { k = n }
                k += 1
            }
        }
        return res
    }

    @Test(arguments: seeds)
    func mrnetEqualsMinetWithoutTies(seed: UInt64) {
        let p = 25
        var generator = TestGenerator(seed: seed &+ 500)
        var m = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in (i + 1)..<p { let v = Double.random(in: 0.01..<1, using: &generator); m[i * p + j] = v; m[j * p + i] = v } }
        let ours = weights(MRNET.network(matrix: m, count: p), p), reference = weights(dense: Self.minetMRNET(m, p), p)
        #expect(Set(ours.keys) == Set(reference.keys))
        for (key, w) in reference { #expect(abs((ours[key] ?? .nan) - w) <= 1e-12) }
    }

    @Test func outputOrderIsWeightThenIndices() {
        let m = randomSymmetric(20, levels: 4, seed: 9)
        let edges = ARACNE.network(CandidateGraph(nodeCount: 20, candidates: candidates(m, 20)), tolerance: 0)
        for (a, b) in zip(edges, edges.dropFirst()) {
            #expect(a.weight > b.weight || (a.weight == b.weight && (a.u, a.v) < (b.u, b.v)))
        }
    }

    /// Stopping a target's selection once its wanted neighbours are chosen changes none of
    /// their scores: the early stop gives, for every wanted pair, the full selection's score.
    @Test(arguments: seeds)
    func mrnetEarlyStopKeepsTheWantedScores(seed: UInt64) {
        let p = 40
        let m = randomSymmetric(p, levels: 8, seed: seed &+ 600)
        var generator = TestGenerator(seed: seed &+ 700)
        m.withUnsafeBufferPointer { buffer in
            let rows = DenseMIRows(buffer, count: p)
            var stoppedEarly = 0
            for target in 0..<p {
                let wanted = (0..<p).filter { $0 != target && Double.random(in: 0..<1, using: &generator) < 0.15 }.map(Int32.init)
                let full = MRNET.choices(target: target, rows: rows), partial = MRNET.choices(target: target, rows: rows, wanted: wanted)
                let fullScores = Dictionary(full.map { ($0.0, $0.1.bitPattern) }, uniquingKeysWith: { a, _ in a })
                for (j, score) in partial where wanted.contains(Int32(j)) {
                    #expect(fullScores[j] == score.bitPattern, "target \(target), choice \(j)")
                }
                for j in wanted where fullScores[Int(j)] != nil {
                    #expect(partial.contains { $0.0 == Int(j) }, "target \(target) lost wanted choice \(j)")
                }
                if partial.count < full.count { stoppedEarly += 1 }
            }
            #expect(stoppedEarly > 0, "no target stopped early: the test would not exercise the early stop")
        }
    }
}
