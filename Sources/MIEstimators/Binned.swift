#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plug-in (histogram) MI estimator with equal-width bins, in nats (design.md §3).
///
/// Each dimension is split into B equal-width bins from its min to its max (the max goes
/// in the last bin); a constant dimension puts every sample in bin 0. A variable's cell is
/// the tuple of its dimensions' bins; joint cells are pairs of cells.
/// Î = Σ p(a,b) log(p(a,b) / (p(a) p(b))), computed as
/// log n + (Σ_ab c_ab log c_ab − Σ_a c_a log c_a − Σ_b c_b log c_b) / n from integer cell
/// counts, each Σ taken over a histogram of count values in increasing order — so the
/// result is bit-identical under sample permutation and under swapping X and Y.
///
/// **Miller–Madow**: H_MM = H_plugin + (K − 1)/(2n) with K the number of non-empty cells,
/// applied to H(X), H(Y), H(X,Y) in I = H(X) + H(Y) − H(X,Y), gives
/// Î_MM = Î_plugin + (K_x + K_y − K_xy − 1)/(2n) (it *subtracts* (K_xy − K_x − K_y + 1)/(2n)).
///
/// **Scale invariance** (seed Proposition 1): the bin of value v is ⌊t⌋ with
/// t = (v − min)·B/(max − min), except that a t within 8 ulps (relative to the dimension's
/// magnitude max(|min|, |max|) and to t) of an interior edge is put in the bin above that
/// edge. Rounding in αv, αmin, αmax moves t by a few ulps at most, so the snap makes data
/// that sits on bin edges (integers, decimals) bin identically after any rescaling, and
/// other values are far from edges. Hence Î(αX; αT) = Î(X; αT) = Î(X; T) bit-for-bit,
/// for any α > 0 that keeps the data finite and normal (verified for α from 1e-8 to 1e8).
public struct Binned: Sendable {
    /// Optional small-sample bias correction.
    public enum BiasCorrection: String, CaseIterable, Codable, Sendable {
        /// Plain plug-in estimate.
        case none
        /// Miller–Madow: + (K_x + K_y − K_xy − 1)/(2n) nats.
        case millerMadow = "miller-madow"
    }

    /// Bins per dimension B ≥ 1.
    public let bins: Int
    /// Correction applied in ``estimate(_:_:)``.
    public let biasCorrection: BiasCorrection

    /// - Precondition: `bins >= 1`.
    public init(bins: Int, biasCorrection: BiasCorrection) {
        precondition(bins >= 1, "Binned: bins must be >= 1 (got \(bins))")
        self.bins = bins
        self.biasCorrection = biasCorrection
    }

    /// Per-variable cell assignment, computed once. Immutable; safe to share across threads.
    public final class Prepared: Sendable {
        /// Number of samples n.
        public let count: Int
        /// Number of non-empty cells K of this variable.
        public let cellCount: Int
        /// Number of NaN/∞ values (estimates involving this variable throw if > 0).
        public let nonFiniteCount: Int
        /// Dense cell id (0 ..< cellCount) of each sample.
        public let cells: [Int32]
        /// Histogram of cell sizes: (c, number of cells holding c samples), increasing c.
        let countLogCount: [(count: Int, multiplicity: Int)]

        /// `source` with its samples reordered: sample i is sample `permutation[i]` of `source`
        /// (the cells and their sizes are unchanged). O(n).
        init(permuting source: Prepared, by permutation: [Int32]) {
            precondition(permutation.count == source.count, "Binned: permutation of \(permutation.count) for \(source.count) samples")
            count = source.count
            cellCount = source.cellCount
            nonFiniteCount = source.nonFiniteCount
            cells = source.cells.isEmpty ? [] : permutation.map { source.cells[Int($0)] }
            countLogCount = source.countLogCount
        }

        /// `bins == nil`: one cell per distinct value of each dimension (categories).
        init(_ v: VariableData, bins: Int?) {
            let n = v.count, d = v.dimension
            count = n
            nonFiniteCount = v.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            var tuple = [Int32](repeating: 0, count: n * d)
            if nonFiniteCount == 0 {
                for j in 0..<d {
                    let column = v.column(j)
                    let idx = bins.map { Binned.binIndices(column, bins: $0) } ?? Binned.categoryIndices(column)
                    for i in 0..<n { tuple[i * d + j] = Int32(idx[i]) }
                }
            }
            // Dense ids: number the distinct bin tuples in lexicographic order (dimension 0
            // most significant). When the tuples have few possible codes, by counting:
            // O(n·d + codes), the same ids as the sort below.
            var extents = [Int](repeating: 1, count: d)
            for i in 0..<(n * d) { extents[i % d] = Swift.max(extents[i % d], Int(tuple[i]) + 1) }
            var codes = 1, overflow = false
            for extent in extents {
                let (product, over) = codes.multipliedReportingOverflow(by: extent)
                codes = product
                overflow = overflow || over
            }
            if !overflow && codes <= Swift.max(4 * n, 65_536) {
                var code = [Int](repeating: 0, count: n)
                var counts = [Int](repeating: 0, count: codes)
                for i in 0..<n {
                    var c = 0
                    for j in 0..<d { c = c * extents[j] + Int(tuple[i * d + j]) }
                    code[i] = c
                    counts[c] += 1
                }
                var dense = [Int32](repeating: 0, count: codes)
                var sizes: [Int] = []
                for c in 0..<codes where counts[c] > 0 {
                    dense[c] = Int32(sizes.count)
                    sizes.append(counts[c])
                }
                cells = code.map { dense[$0] }
                cellCount = sizes.count
                countLogCount = Binned.histogram(of: sizes)
                return
            }
            // Otherwise sort samples by bin tuple and number the distinct tuples.
            var order = Array(0..<n)
            order.sort { a, b in
                for j in 0..<d where tuple[a * d + j] != tuple[b * d + j] { return tuple[a * d + j] < tuple[b * d + j] }
                return a < b
            }
            var ids = [Int32](repeating: 0, count: n)
            var sizes: [Int] = []
            for (pos, i) in order.enumerated() {
                let same = pos > 0 && (0..<d).allSatisfy { tuple[order[pos - 1] * d + $0] == tuple[i * d + $0] }
                if !same { sizes.append(0) }
                sizes[sizes.count - 1] += 1
                ids[i] = Int32(sizes.count - 1)
            }
            cells = ids
            cellCount = sizes.count
            countLogCount = Binned.histogram(of: sizes)
        }
    }

    /// Assigns every sample its cell (joint over the variable's dimensions).
    ///
    /// - Complexity: O(n·d + C) when the possible joint cells C ≤ max(4n, 65,536) (always
    ///   for a scalar: C = bins), else O(n·d + n log n).
    public func prepare(_ v: VariableData) -> Prepared { Prepared(v, bins: bins) }

    /// Î(X; Y) in nats.
    ///
    /// - Throws: `dimensionMismatch` if the sample counts differ, `tooFewSamples` if n < 2
    ///   (``minimumSamples``),
    ///   `nonFiniteValues` if either variable holds NaN/∞.
    /// - Complexity: O(n) when K_x·K_y ≤ max(4n, 65536) (dense joint table), else O(n log n).
    public func estimate(_ x: Prepared, _ y: Prepared) throws(EstimationError) -> Double {
        guard x.count == y.count else {
            throw .dimensionMismatch(
                "the two variables have different sample counts (\(x.count) vs \(y.count)); MI needs paired samples")
        }
        let n = x.count
        guard n >= minimumSamples else { throw .tooFewSamples(count: n, required: minimumSamples) }
        let bad = x.nonFiniteCount + y.nonFiniteCount
        guard bad == 0 else { throw .nonFiniteValues(count: bad) }
        let ky = y.cellCount
        let kx = x.cellCount
        var jointSizes: [Int] = []
        if kx * ky <= max(4 * n, 65_536) {
            var table = [Int32](repeating: 0, count: kx * ky)
            for i in 0..<n { table[Int(x.cells[i]) * ky + Int(y.cells[i])] += 1 }
            jointSizes = table.compactMap { $0 > 0 ? Int($0) : nil }
        } else {
            var codes = (0..<n).map { Int(x.cells[$0]) * ky + Int(y.cells[$0]) }
            codes.sort()
            var run = 0
            for (p, c) in codes.enumerated() {
                run += 1
                if p == n - 1 || codes[p + 1] != c { jointSizes.append(run); run = 0 }
            }
        }
        let joint = Binned.sumCountLogCount(Binned.histogram(of: jointSizes))
        let marginal = Binned.sumCountLogCount(Binned.merge(x.countLogCount, y.countLogCount))
        var mi = log(Double(n)) + (joint - marginal) / Double(n)
        if biasCorrection == .millerMadow {
            mi += Double(kx + ky - jointSizes.count - 1) / Double(2 * n)
        }
        return mi
    }

    /// Cells that are categories: one per distinct value (tuple) of the variable, whatever
    /// the values are; for declared-discrete variables (labels, genotypes), where the plug-in
    /// estimate on these cells is the MI of the empirical joint pmf.
    ///
    /// - Complexity: O(n·d·log n).
    public static func prepareCategories(_ v: VariableData) -> Prepared { Prepared(v, bins: nil) }

    /// Each value's rank among the distinct values of `column` (0 for the smallest).
    static func categoryIndices(_ column: [Double]) -> [Int] {
        var distinct: [Double] = []
        for v in column.sorted() where v != distinct.last { distinct.append(v) }
        return column.map { v in
            var lo = 0, hi = distinct.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if distinct[mid] < v { lo = mid + 1 } else { hi = mid } }
            return lo
        }
    }

    /// Convenience: `estimate(prepare(x), prepare(y))`.
    public func estimate(_ x: VariableData, _ y: VariableData) throws(EstimationError) -> Double {
        try estimate(prepare(x), prepare(y))
    }
}
