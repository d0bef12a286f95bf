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
public enum MRNET {
    /// The positive mRMR scores of target `i`: (chosen variable, score) in choice order.
    ///
    /// - Parameters:
    ///   - matrix: the symmetric p × p MI matrix, row-major (the diagonal is never read).
    /// - Complexity: O(p · s) time for s choices, O(p) memory.
    public static func choices(target i: Int, matrix: UnsafeBufferPointer<Double>, count p: Int) -> [(Int, Double)] {
        var relevance = [Double](repeating: 0, count: p), redundancy = [Double](repeating: 0, count: p)
        var chosen = [Bool](repeating: false, count: p)
        chosen[i] = true
        for j in 0..<p { relevance[j] = matrix[i * p + j] }
        var result: [(Int, Double)] = []
        var k = 0
        while k < p - 1 {
            var best = -1, bestScore = -Double.infinity
            let divisor = Double(Swift.max(k, 1))
            for j in 0..<p where !chosen[j] {
                let score = k == 0 ? relevance[j] : relevance[j] - redundancy[j] / divisor
                if best < 0 || score > bestScore { best = j; bestScore = score }
            }
            if bestScore > 0 { result.append((best, bestScore)) }
            if k > 0 && bestScore < 0 { break }
            chosen[best] = true
            let row = best * p
            for j in 0..<p { redundancy[j] += matrix[row + j] }
            k += 1
        }
        return result
    }

    /// The MRNET weights of every pair with a positive weight, `u < v`, each with its MI, in
    /// ``NetworkEdge/outputOrder(_:_:)``; targets in parallel.
    ///
    /// - Complexity: O(p² · s̄) time for s̄ choices per target; O(p + edges) memory besides
    ///   the matrix.
    public static func network(matrix: [Double], count p: Int) -> [NetworkEdge] {
        precondition(matrix.count == p * p, "a p × p matrix")
        let perTarget: [[(Int, Double)]] = matrix.withUnsafeBufferPointer { buffer in
            let shared = SharedBuffer(buffer)
            return parallelMap(count: p) { i in choices(target: i, matrix: shared.buffer, count: p) }
        }
        var best: [Int: Double] = [:]
        for (i, list) in perTarget.enumerated() {
            for (j, score) in list {
                let key = Swift.min(i, j) * p + Swift.max(i, j)
                if score > best[key, default: 0] { best[key] = score }
            }
        }
        return best.map { key, weight in
            NetworkEdge(u: Int32(key / p), v: Int32(key % p), weight: weight, mi: matrix[key])
        }.sorted(by: NetworkEdge.outputOrder)
    }
}
