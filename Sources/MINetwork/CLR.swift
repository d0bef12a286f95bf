/// CLR, context likelihood of relatedness (Faith et al. 2007), as minet 3.x defines it
/// (`clr.cpp`, `skipDiagonal = 1`).
///
/// For each variable i, μ_i and σ_i are the mean and the **sample** standard deviation
/// (divisor p − 2) of its p − 1 off-diagonal MI values; z_i(j) = max(0, (I_ij − μ_i)/σ_i)
/// and the weight of (i, j) is √(z_i(j)² + z_j(i)²). A row with σ = 0 has z = 0.
public enum CLR {
    /// Mean and sample variance of one row without its diagonal.
    public struct RowStatistics: Sendable, Equatable {
        /// μ_i.
        public var mean: Double
        /// σ_i² (divisor p − 2).
        public var variance: Double
    }

    /// The statistics of row `diagonal` of the matrix, given as `row` (all p values; the
    /// diagonal entry is skipped whatever it holds). Summed in index order, as minet does.
    ///
    /// - Precondition: p ≥ 3.
    /// - Complexity: O(p), two passes.
    public static func statistics(row: UnsafeBufferPointer<Double>, diagonal: Int) -> RowStatistics {
        let p = row.count
        precondition(p >= 3, "CLR needs at least 3 variables")
        var sum = 0.0
        for j in 0..<p where j != diagonal { sum += row[j] }
        let mean = sum / Double(p - 1)
        var squares = 0.0
        for j in 0..<p where j != diagonal { let d = row[j] - mean; squares += d * d }
        return RowStatistics(mean: mean, variance: squares / Double(p - 2))
    }

    /// ``statistics(row:diagonal:)`` of an array.
    public static func statistics(_ row: [Double], diagonal: Int) -> RowStatistics {
        row.withUnsafeBufferPointer { statistics(row: $0, diagonal: diagonal) }
    }

    /// The CLR weight of a pair of MI `mi` between variables with statistics `a` and `b`:
    /// √(z_a² + z_b²), each z² computed as minet does, (I − μ)²/σ² when I > μ, else 0.
    public static func weight(_ mi: Double, _ a: RowStatistics, _ b: RowStatistics) -> Double {
        func squared(_ s: RowStatistics) -> Double {
            let d = mi - s.mean
            return d < 0 || s.variance == 0 ? 0 : d * d / s.variance
        }
        return (squared(a) + squared(b)).squareRoot()
    }

    /// The CLR network over `candidates` (their `mi`), weights > 0 only, in
    /// ``NetworkEdge/outputOrder(_:_:)``.
    public static func network(_ candidates: [NetworkEdge], statistics: [RowStatistics]) -> [NetworkEdge] {
        candidates.compactMap { edge in
            let w = weight(edge.mi, statistics[Int(edge.u)], statistics[Int(edge.v)])
            return w > 0 ? NetworkEdge(u: Swift.min(edge.u, edge.v), v: Swift.max(edge.u, edge.v), weight: w, mi: edge.mi) : nil
        }.sorted(by: NetworkEdge.outputOrder)
    }
}
