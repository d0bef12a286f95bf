import Foundation
import MINetwork
import Testing

/// Recovery of a simulated linear-Gaussian regulatory network with known edges: 300 genes
/// (30 regulators without parents, every other gene with one or two parents among earlier
/// genes, so cascades create strong indirect dependence), 400 samples, MI from the sample
/// correlation (Gaussian MI, −½ log(1 − r²)).
@Suite struct RecoveryTests {
    struct Simulation {
        var p: Int
        var mi: [Double]
        var truth: Set<Int>
    }

    static func simulate(seed: UInt64) -> Simulation {
        let p = 300, n = 400, roots = 30
        var generator = TestGenerator(seed: seed)
        var parents: [[(Int, Double)]] = Array(repeating: [], count: p)
        var truth: Set<Int> = []
        for gene in roots..<p {
            let count = Int.random(in: 1...2, using: &generator)
            for _ in 0..<count {
                let parent = Int.random(in: 0..<gene, using: &generator)
                guard !parents[gene].contains(where: { $0.0 == parent }) else { continue }
                let sign: Double = Bool.random(using: &generator) ? 1 : -1
                parents[gene].append((parent, sign * Double.random(in: 0.6..<1.0, using: &generator)))
                truth.insert(parent * p + gene)
            }
        }
        // Samples, then each gene standardized (column-major: gene g at g * n).
        var x = [Double](repeating: 0, count: p * n)
        for s in 0..<n {
            for gene in 0..<p {
                var value = generator.normal() * 0.5
                if parents[gene].isEmpty { value = generator.normal() }
                for (parent, weight) in parents[gene] { value += weight * x[parent * n + s] }
                x[gene * n + s] = value
            }
        }
        for gene in 0..<p {
            let column = x[(gene * n)..<((gene + 1) * n)]
            let mean = column.reduce(0, +) / Double(n)
            let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
            for s in 0..<n { x[gene * n + s] = (x[gene * n + s] - mean) / sd }
        }
        var mi = [Double](repeating: 0, count: p * p)
        x.withUnsafeBufferPointer { data in
            for i in 0..<p { for j in (i + 1)..<p {
                var r = 0.0
                for s in 0..<n { r += data[i * n + s] * data[j * n + s] }
                r /= Double(n)
                let value = -0.5 * log(max(1e-12, 1 - r * r))
                mi[i * p + j] = value; mi[j * p + i] = value
            } }
        }
        return Simulation(p: p, mi: mi, truth: truth)
    }

    /// (precision, recall) of an edge list.
    static func score(_ keys: [Int], truth: Set<Int>) -> (precision: Double, recall: Double) {
        let hits = keys.filter(truth.contains).count
        return (keys.isEmpty ? 0 : Double(hits) / Double(keys.count), Double(hits) / Double(truth.count))
    }

    @Test func aracneBeatsTheRawMIRankingAtEqualRecall() {
        let simulation = Self.simulate(seed: 2026)
        let p = simulation.p, m = simulation.mi
        let all = candidates(m, p)
        let key = { (edge: NetworkEdge) in Int(edge.u) * p + Int(edge.v) }
        let ranking = all.sorted(by: NetworkEdge.outputOrder).map(key)
        let aracne = ARACNE.network(CandidateGraph(nodeCount: p, candidates: all), tolerance: 0).map(key)
        let (precision, recall) = Self.score(aracne, truth: simulation.truth)
        // The shortest prefix of the MI ranking reaching ARACNE's recall.
        var k = 1
        while k < ranking.count && Self.score(Array(ranking.prefix(k)), truth: simulation.truth).recall < recall { k += 1 }
        let raw = Self.score(Array(ranking.prefix(k)), truth: simulation.truth)
        let statistics = (0..<p).map { CLR.statistics(Array(m[($0 * p)..<(($0 + 1) * p)]), diagonal: $0) }
        let clr = CLR.network(all, statistics: statistics).map(key), mrnet = MRNET.network(matrix: m, count: p).map(key)
        let t = simulation.truth.count
        print("recovery (p = 300, \(t) true edges): ARACNE \(aracne.count) edges, precision \(precision), recall \(recall); "
            + "raw MI top \(k) at that recall: precision \(raw.precision); precision of the top \(t): "
            + "MI \(Self.score(Array(ranking.prefix(t)), truth: simulation.truth).precision), "
            + "ARACNE \(Self.score(Array(aracne.prefix(t)), truth: simulation.truth).precision), "
            + "CLR \(Self.score(Array(clr.prefix(t)), truth: simulation.truth).precision), "
            + "MRNET \(Self.score(Array(mrnet.prefix(t)), truth: simulation.truth).precision)")
        #expect(recall > 0.5, "ARACNE recovered too little for the comparison to mean anything")
        #expect(precision > raw.precision, "ARACNE precision \(precision) vs raw MI \(raw.precision) at recall \(recall)")
    }
}
