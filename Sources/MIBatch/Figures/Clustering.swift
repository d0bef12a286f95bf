/// Average-linkage (UPGMA) hierarchical clustering, used by `plot --cluster` to order
/// variables so that strongly dependent ones sit together.
///
/// Deterministic: among equally distant cluster pairs the one with the smallest
/// (first member, second member) wins, a cluster is named by its smallest variable index, and
/// a merge places the cluster with the smaller name first. Keeps each cluster's nearest
/// neighbour, so typical cost is O(p²) time and O(p²) memory.
public enum Clustering {
    /// Largest number of variables `plot --cluster` accepts (the distance matrix is p² doubles).
    public static let maximumVariables = 5_000

    /// The distance between variables i and j of an all-pairs MI matrix:
    /// 1 − max(0, MI) / max MI (0 for the most dependent pair, 1 for independent ones);
    /// failed or not computed pairs count as 1.
    public static func distances(mi: [Double], status: [UInt8], count: Int) -> [Double] {
        var largest = 0.0
        for index in mi.indices where status[index] == PairStatus.computed.rawValue && mi[index].isFinite {
            largest = max(largest, mi[index])
        }
        return mi.indices.map { index in
            guard status[index] == PairStatus.computed.rawValue, mi[index].isFinite, largest > 0 else { return 1 }
            return 1 - max(0, mi[index]) / largest
        }
    }

    /// The Euclidean distances between the rows of a `rows × columns` matrix (NaN as 0):
    /// for ordering each side of a rectangular matrix by its MI profile.
    public static func profileDistances(_ values: [Double], rows: Int, columns: Int) -> [Double] {
        var result = [Double](repeating: 0, count: rows * rows)
        for a in 0..<rows {
            for b in (a + 1)..<max(a + 1, rows) {
                var sum = 0.0
                for column in 0..<columns {
                    let x = values[a * columns + column], y = values[b * columns + column]
                    let d = (x.isFinite ? x : 0) - (y.isFinite ? y : 0)
                    sum += d * d
                }
                result[a * rows + b] = sum.squareRoot()
                result[b * rows + a] = sum.squareRoot()
            }
        }
        return result
    }

    /// The leaf order of the average-linkage dendrogram of `count` items with the symmetric
    /// row-major `distances` (the diagonal is ignored).
    public static func order(distances: [Double], count: Int) -> [Int] {
        guard count > 1 else { return Array(0..<count) }
        var distance = distances
        var members = (0..<count).map { [$0] }
        var size = [Int](repeating: 1, count: count)
        var active = [Bool](repeating: true, count: count)
        var nearest = [Int](repeating: -1, count: count)
        var nearestDistance = [Double](repeating: .infinity, count: count)

        func refresh(_ i: Int) {
            nearest[i] = -1
            nearestDistance[i] = .infinity
            for j in 0..<count where j != i && active[j] && distance[i * count + j] < nearestDistance[i] {
                nearest[i] = j
                nearestDistance[i] = distance[i * count + j]
            }
        }
        for i in 0..<count { refresh(i) }

        for _ in 1..<count {
            // The closest pair; ties by (smaller name, larger name).
            var best: (distance: Double, a: Int, b: Int)? = nil
            for i in 0..<count where active[i] && nearest[i] >= 0 {
                let candidate = (nearestDistance[i], min(i, nearest[i]), max(i, nearest[i]))
                if let current = best, !(candidate < current) { continue }
                best = candidate
            }
            guard let (_, a, b) = best else { break }
            // Merge b into a (a < b): size-weighted average distances to every other cluster.
            active[b] = false
            members[a] += members[b]
            members[b] = []
            for k in 0..<count where active[k] && k != a {
                let merged = (Double(size[a]) * distance[a * count + k] + Double(size[b]) * distance[b * count + k]) / Double(size[a] + size[b])
                distance[a * count + k] = merged
                distance[k * count + a] = merged
            }
            size[a] += size[b]
            for k in 0..<count where active[k] {
                if k == a || nearest[k] == a || nearest[k] == b {
                    refresh(k)
                } else if distance[k * count + a] < nearestDistance[k]
                            || (distance[k * count + a] == nearestDistance[k] && a < nearest[k]) {
                    nearest[k] = a
                    nearestDistance[k] = distance[k * count + a]
                }
            }
        }
        return members[0]
    }
}
