/// The pairs that may become edges (the candidates left by an MI or FDR threshold), as an
/// undirected graph over nodes `0..<nodeCount`: what ARACNE's data-processing inequality
/// examines, and what every method's edges are chosen from.
///
/// Each adjacency list is ordered by MI descending, equal MI by node index ascending, so a
/// search for stronger neighbours stops at the first weaker one.
public struct CandidateGraph: Sendable {
    /// Number of nodes (variables).
    public let nodeCount: Int
    /// The candidate pairs, `u < v`, sorted by (u, v) ascending.
    public let edges: [NetworkEdge]
    /// `neighbors[offsets[u]..<offsets[u + 1]]` are the candidates of node u.
    let offsets: [Int]
    let neighbors: [Int32]
    let neighborMI: [Double]

    /// Builds the graph from candidate pairs (`u != v`, each unordered pair at most once,
    /// in any order and orientation; their `weight` is ignored).
    ///
    /// - Complexity: O(m log m) time and O(p + m) memory for m candidates (40 bytes each).
    public init(nodeCount: Int, candidates: [NetworkEdge]) {
        self.nodeCount = nodeCount
        var edges = candidates.map { $0.u < $0.v ? $0 : NetworkEdge(u: $0.v, v: $0.u, weight: $0.weight, mi: $0.mi) }
        edges.sort { ($0.u, $0.v) < ($1.u, $1.v) }
        self.edges = edges
        var degree = [Int](repeating: 0, count: nodeCount + 1)
        for edge in edges { degree[Int(edge.u) + 1] += 1; degree[Int(edge.v) + 1] += 1 }
        for node in 0..<nodeCount { degree[node + 1] += degree[node] }
        offsets = degree
        var fill = Array(degree.dropLast())
        var neighbors = [Int32](repeating: 0, count: 2 * edges.count), values = [Double](repeating: 0, count: 2 * edges.count)
        for edge in edges {
            neighbors[fill[Int(edge.u)]] = edge.v; values[fill[Int(edge.u)]] = edge.mi; fill[Int(edge.u)] += 1
            neighbors[fill[Int(edge.v)]] = edge.u; values[fill[Int(edge.v)]] = edge.mi; fill[Int(edge.v)] += 1
        }
        for node in 0..<nodeCount {
            let range = degree[node]..<degree[node + 1]
            let sorted = range.map { (neighbors[$0], values[$0]) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            for (offset, entry) in zip(range, sorted) { neighbors[offset] = entry.0; values[offset] = entry.1 }
        }
        self.neighbors = neighbors
        self.neighborMI = values
    }

    /// The candidates of `node`: (neighbour, MI), MI descending, then neighbour ascending.
    public func adjacency(of node: Int) -> [(node: Int, mi: Double)] {
        (offsets[node]..<offsets[node + 1]).map { (Int(neighbors[$0]), neighborMI[$0]) }
    }
}

/// One undirected edge `u < v` of an inferred network (or a candidate pair).
public struct NetworkEdge: Sendable, Equatable {
    /// Smaller node index (0-based position in the variable list).
    public var u: Int32
    /// Larger node index.
    public var v: Int32
    /// The method's weight (ARACNE: the MI; CLR: the combined z-score; MRNET: the larger
    /// mRMR score of the two directions). Always > 0 for an inferred edge.
    public var weight: Double
    /// The pair's MI, in the input's units.
    public var mi: Double

    /// Creates an edge.
    public init(u: Int32, v: Int32, weight: Double, mi: Double) {
        self.u = u; self.v = v; self.weight = weight; self.mi = mi
    }

    /// The output order: weight descending, equal weights by u, then v, ascending (a total
    /// order on distinct pairs, so the listing never depends on how it was computed).
    public static func outputOrder(_ a: NetworkEdge, _ b: NetworkEdge) -> Bool {
        a.weight != b.weight ? a.weight > b.weight : (a.u, a.v) < (b.u, b.v)
    }
}
