#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Binned {
    /// Bin index in 0..<bins of each value of one column (see ``Binned`` for the rule).
    ///
    /// - Complexity: O(n).
    static func binIndices(_ col: [Double], bins: Int) -> [Int] {
        guard let lo = col.min(), let hi = col.max(), hi > lo else {
            return [Int](repeating: 0, count: col.count)
        }
        let b = Double(bins)
        // Halve everything when the range overflows (exact, preserves the bins).
        let h = (hi - lo).isFinite ? 1.0 : 0.5
        let range = hi * h - lo * h
        let magnitude = max(abs(lo), abs(hi)) * h
        let ulp = 0x1p-52
        return col.map { v in
            let t = (v * h - lo * h) / range * b
            let r = t.rounded(.toNearestOrEven)
            let tol = 8 * ulp * (b * magnitude / range + t)
            var idx = (r >= 1 && r <= b - 1 && abs(t - r) <= tol) ? Int(r) : Int(t.rounded(.down))
            idx = min(max(idx, 0), bins - 1)
            return idx
        }
    }

    /// (count value, how many cells have it), sorted by count value.
    static func histogram(of sizes: [Int]) -> [(count: Int, multiplicity: Int)] {
        var out: [(count: Int, multiplicity: Int)] = []
        for s in sizes.sorted() {
            if let last = out.last, last.count == s {
                out[out.count - 1].multiplicity += 1
            } else {
                out.append((s, 1))
            }
        }
        return out
    }

    /// Merges two count histograms (adding multiplicities) — symmetric in its arguments.
    static func merge(
        _ a: [(count: Int, multiplicity: Int)], _ b: [(count: Int, multiplicity: Int)]
    ) -> [(count: Int, multiplicity: Int)] {
        var out: [(count: Int, multiplicity: Int)] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].count < b[j].count) {
                out.append(a[i]); i += 1
            } else if i == a.count || b[j].count < a[i].count {
                out.append(b[j]); j += 1
            } else {
                out.append((a[i].count, a[i].multiplicity + b[j].multiplicity)); i += 1; j += 1
            }
        }
        return out
    }

    /// Σ multiplicity · c·log c in increasing c.
    static func sumCountLogCount(_ h: [(count: Int, multiplicity: Int)]) -> Double {
        var s = 0.0
        for (c, m) in h where c > 1 {
            let x = Double(c)
            s += x * log(x) * Double(m)
        }
        return s
    }
}
