/// ARACNE (Margolin et al. 2006): data-processing-inequality pruning of the candidate graph,
/// with minet's tolerance `eps` and, optionally, ARACNe-AP's regulator ("TF") mode.
///
/// Definition (minet 3.x `aracne.cpp`, restricted to candidate triangles as in ARACNe and
/// ARACNe-AP): an edge (u, v) is removed when some node w has candidate edges to both u and
/// v with `min(I(u,w), I(v,w)) - I(u,v) > eps`, i.e. (u, v) is the weakest edge of the
/// triangle u, v, w by more than `eps`. All decisions use the original MI, so the result
/// does not depend on the order triangles are visited.
///
/// Tie rule: an edge exactly as weak as the weaker of the other two (difference 0, or
/// within `eps`) is never removed by that triangle, so a triangle whose two weakest edges
/// are tied loses nothing (minet's rule).
///
/// With a regulator set R (ARACNe-AP): only edges touching a regulator are candidates, and
/// only a regulator can be the witness w (ARACNe-AP examines the triangles regulator–
/// regulator–target; an edge between two regulators is removed only through a third
/// regulator).
///
/// With an MI threshold T (candidates: I ≥ T) the result equals minet's `aracne` on the full
/// matrix followed by the threshold: a removed edge is weaker than both others of its triangle,
/// so a triangle with an edge below T can only remove an edge below T.
public enum ARACNE {
    /// Whether each edge of `graph.edges` survives DPI (same order).
    ///
    /// - Parameters:
    ///   - tolerance: minet's `eps` (≥ 0; 0 = strict DPI), in MI units.
    ///   - regulators: `regulators[node]` marks regulators; `nil` for all-pairs DPI.
    /// - Complexity: O(Σ over edges (u,v) of the neighbours of v stronger than I(u,v) + eps)
    ///   time (at most O(m · max degree)), O(p) scratch per thread; nodes in parallel.
    public static func survivors(_ graph: CandidateGraph, tolerance: Double, regulators: [Bool]? = nil) -> [Bool] {
        precondition(tolerance >= 0, "the DPI tolerance must be at least 0")
        precondition(regulators.map { $0.count == graph.nodeCount } ?? true, "one regulator flag per node")
        let p = graph.nodeCount
        // Edges are sorted by (u, v): each node's edges with larger partners are one run.
        var starts = [Int](repeating: graph.edges.count, count: p + 1)
        for index in graph.edges.indices.reversed() { starts[Int(graph.edges[index].u)] = index }
        for node in stride(from: p - 1, through: 0, by: -1) where starts[node] > starts[node + 1] { starts[node] = starts[node + 1] }
        let runs = starts
        let blocks = Swift.max(1, Swift.min(p, 64))
        let removed: [[Int]] = parallelMap(count: blocks) { block in
            var stamp = [Int32](repeating: -1, count: p), strength = [Double](repeating: 0, count: p)
            var pruned: [Int] = []
            var u = block
            while u < p {
                defer { u += blocks }
                guard runs[u] < runs[u + 1] else { continue }
                for k in graph.offsets[u]..<graph.offsets[u + 1] {
                    stamp[Int(graph.neighbors[k])] = Int32(u); strength[Int(graph.neighbors[k])] = graph.neighborMI[k]
                }
                for index in runs[u]..<runs[u + 1] {
                    let edge = graph.edges[index], x = edge.mi, v = Int(edge.v)
                    if let regulators, !regulators[u] && !regulators[v] { pruned.append(index); continue }
                    for k in graph.offsets[v]..<graph.offsets[v + 1] {
                        let vw = graph.neighborMI[k]
                        if !(vw - x > tolerance) { break }          // sorted: no stronger neighbour of v left
                        let w = Int(graph.neighbors[k])
                        guard w != u, stamp[w] == Int32(u), regulators?[w] ?? true else { continue }
                        if Swift.min(strength[w], vw) - x > tolerance { pruned.append(index); break }
                    }
                }
            }
            return pruned
        }
        var keep = [Bool](repeating: true, count: graph.edges.count)
        for list in removed { for index in list { keep[index] = false } }
        return keep
    }

    /// The ARACNE network: the surviving edges, weight = MI, in ``NetworkEdge/outputOrder(_:_:)``.
    /// Edges of MI ≤ 0 are not listed (minet's adjacency: 0 is no edge).
    public static func network(_ graph: CandidateGraph, tolerance: Double, regulators: [Bool]? = nil) -> [NetworkEdge] {
        let keep = survivors(graph, tolerance: tolerance, regulators: regulators)
        return zip(graph.edges, keep).compactMap { edge, kept in
            kept && edge.mi > 0 ? NetworkEdge(u: edge.u, v: edge.v, weight: edge.mi, mi: edge.mi) : nil
        }.sorted(by: NetworkEdge.outputOrder)
    }
}
