/// Adjusting a family of p-values for multiple testing.
public enum MultipleTesting: String, Codable, CaseIterable, Sendable {
    /// Benjamini–Hochberg q-values: q_(k) = min over j ≥ k of min(1, m·p_(j)/j) for the p-values
    /// in ascending order; rejecting q ≤ Q controls the false-discovery rate at Q for
    /// independent or positively dependent tests.
    case bh
    /// Bonferroni: min(1, m·p); rejecting q ≤ Q controls the family-wise error rate at Q.
    case bonferroni

    /// The adjusted p-values of `pValues`, position for position. NaN stays NaN and is not
    /// a test: m counts the non-NaN values. Equal p-values get equal q-values.
    ///
    /// - Complexity: O(m log m) time; one sorted copy of the p-values and the distinct
    ///   values with their q (no index sort, so 10⁸ tests need ~2 GB, not 4).
    public func adjust(_ pValues: [Double]) -> [Double] {
        var sorted = pValues.filter { !$0.isNaN }
        let m = Double(sorted.count)
        guard !sorted.isEmpty else { return pValues }
        if self == .bonferroni { return pValues.map { $0.isNaN ? .nan : min(1, $0 * m) } }
        sorted.sort()
        // Distinct values with the rank of their last occurrence: BH's m·p/k at the largest k.
        var distinct: [Double] = []
        var adjusted: [Double] = []
        for (position, p) in sorted.enumerated() where position + 1 == sorted.count || sorted[position + 1] != p {
            distinct.append(p)
            adjusted.append(min(1, p * m / Double(position + 1)))
        }
        sorted = []
        var running = 1.0
        for k in adjusted.indices.reversed() {
            running = min(running, adjusted[k])
            adjusted[k] = running
        }
        return pValues.map { p in
            if p.isNaN { return .nan }
            var lo = 0, hi = distinct.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if distinct[mid] < p { lo = mid + 1 } else { hi = mid }
            }
            return adjusted[lo]
        }
    }

    /// The method in words.
    public var description: String {
        self == .bh ? "Benjamini–Hochberg q-values" : "Bonferroni-adjusted p-values"
    }
}
