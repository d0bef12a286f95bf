/// MRNET (Meyer et al. 2007): maximum-relevance / minimum-redundancy (mRMR) forward
/// selection of each variable's neighbours, as minet 3.x defines it (`mrnet.cpp`).
///
/// For each target i: the first variable chosen is the j ≠ i of largest I(i,j), with score
/// I(i,j). Then, with S the k variables chosen so far, the next is the unchosen j ≠ i of
/// largest score I(i,j) − (1/k)·Σ_{s∈S} I(j,s); selection stops after the first negative
/// score (not recorded). The weight of (i, j) is the larger of the positive scores j earned
/// as a choice for i and i earned as a choice for j; pairs never chosen with a positive
/// score have weight 0 (no edge).
///
/// Tie rule: among equal scores the lowest index is chosen. (minet's loop starts its search
/// from index 0, or for the first choice from the previous target's choice, and includes the
/// target's own zero diagonal: these differ only on exactly tied scores or when every MI of
/// a target is negative.)
///
/// Only the weights of wanted pairs (the candidates of `mibatch network`) are asked for, so
/// a target's selection may stop as soon as every wanted neighbour has been chosen: the
/// choices made until then, and so their scores, are those of the full selection.
public enum MRNET {
    /// The positive mRMR scores of target `i`: (chosen variable, score) in choice order.
    ///
    /// - Parameters:
    ///   - rows: the symmetric MI matrix (the diagonal is never read).
    ///   - wanted: when given, the variables whose scores are needed, ascending; the
    ///     selection stops once all of them are chosen (an empty list: nothing is computed).
    /// - Complexity: O(p · s) time for s choices, reading s + 1 rows; O(p) memory.
    public static func choices<Rows: MIRows>(target i: Int, rows: Rows, wanted: [Int32]? = nil) -> [(Int, Double)] {
        let p = rows.count
        if let wanted, wanted.isEmpty { return [] }
        let relevance = UnsafeMutableBufferPointer<Double>.allocate(capacity: p)
        let redundancy = UnsafeMutableBufferPointer<Double>.allocate(capacity: p)
        let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: p)
        let chosen = UnsafeMutableBufferPointer<Bool>.allocate(capacity: p)
        defer { relevance.deallocate(); redundancy.deallocate(); scratch.deallocate(); chosen.deallocate() }
        redundancy.initialize(repeating: 0)
        chosen.initialize(repeating: false)
        chosen[i] = true
        var best = -1, bestScore = -Double.infinity
        rows.withRow(i, scratch: scratch) { row in
            for j in 0..<p {
                relevance[j] = row[j]
                if j != i && (best < 0 || row[j] > bestScore) { best = j; bestScore = row[j] }
            }
        }
        var remaining = wanted?.count ?? -1
        var result: [(Int, Double)] = []
        var k = 0
        while true {
            if bestScore > 0 { result.append((best, bestScore)) }
            if k > 0 && bestScore < 0 { break }
            if let wanted, contains(wanted, best) { remaining -= 1; if remaining == 0 { break } }
            chosen[best] = true
            k += 1
            if k == p - 1 { break }
            let divisor = Double(k)
            var next = -1, nextScore = -Double.infinity
            rows.withRow(best, scratch: scratch) { row in
                for j in 0..<p {
                    let total = redundancy[j] + row[j]
                    redundancy[j] = total
                    if chosen[j] { continue }
                    let score = relevance[j] - total / divisor
                    if next < 0 || score > nextScore { next = j; nextScore = score }
                }
            }
            best = next; bestScore = nextScore
        }
        return result
    }

    /// The choices of every target in `targets`, in parallel: element t is
    /// ``choices(target:rows:wanted:)`` of target `targets.lowerBound + t`.
    ///
    /// - Complexity: O(|targets| · p · s̄) time for s̄ choices per target, on every core.
    public static func choices<Rows: MIRows>(targets: Range<Int>, rows: Rows, wanted: (@Sendable (Int) -> [Int32])? = nil) -> [[(Int, Double)]] {
        parallelMap(count: targets.count) { t in
            let i = targets.lowerBound + t
            return choices(target: i, rows: rows, wanted: wanted?(i))
        }
    }

    /// The MRNET edges from every target's choices: each pair chosen with a positive score
    /// in either direction, `u < v`, weight the larger score, its MI from `mi(u, v)`, in
    /// ``NetworkEdge/outputOrder(_:_:)``. `choices[t]` belongs to target `targets[t]`.
    ///
    /// - Complexity: O(c log c) for c recorded choices.
    public static func edges(targets: [Int], choices: [[(Int, Double)]], mi: (Int, Int) -> Double) -> [NetworkEdge] {
        var directed: [(u: Int32, v: Int32, score: Double)] = []
        for (t, list) in zip(targets, choices) {
            for (j, score) in list { directed.append((Int32(Swift.min(t, j)), Int32(Swift.max(t, j)), score)) }
        }
        directed.sort { ($0.u, $0.v) != ($1.u, $1.v) ? ($0.u, $0.v) < ($1.u, $1.v) : $0.score > $1.score }
        var result: [NetworkEdge] = []
        for (index, entry) in directed.enumerated() where index == 0 || (directed[index - 1].u, directed[index - 1].v) != (entry.u, entry.v) {
            result.append(NetworkEdge(u: entry.u, v: entry.v, weight: entry.score, mi: mi(Int(entry.u), Int(entry.v))))
        }
        return result.sorted(by: NetworkEdge.outputOrder)
    }

    /// The MRNET weights of every pair with a positive weight, `u < v`, each with its MI, in
    /// ``NetworkEdge/outputOrder(_:_:)``; targets in parallel.
    ///
    /// - Complexity: O(p² · s̄) time for s̄ choices per target; O(p + edges) memory besides
    ///   the matrix.
    public static func network(matrix: [Double], count p: Int) -> [NetworkEdge] {
        precondition(matrix.count == p * p, "a p × p matrix")
        return matrix.withUnsafeBufferPointer { buffer in
            let rows = DenseMIRows(buffer, count: p)
            let perTarget = choices(targets: 0..<p, rows: rows)
            return edges(targets: Array(0..<p), choices: perTarget) { u, v in buffer[u * p + v] }
        }
    }

    /// Whether the ascending list `sorted` holds `value` (binary search).
    static func contains(_ sorted: [Int32], _ value: Int) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if Int(sorted[mid]) < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && Int(sorted[low]) == value
    }
}
