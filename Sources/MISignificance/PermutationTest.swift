/// A permutation test with sequential stopping (Besag and Clifford 1991, "Sequential Monte
/// Carlo p-values", Biometrika 78:301–304).
///
/// Null estimates are drawn one at a time; the test stops as soon as `stopAfter` of them
/// reach the observed value (h in the paper), or after `maximum` draws (N). The p-value is
///
/// - h / L when it stopped after L draws with h exceedances,
/// - (1 + c) / (1 + N) when all N draws gave c < h exceedances,
///
/// and it is exact: P(p ≤ t) = t at every value t it can take, when the null's values are
/// continuous (ties with the observed value count as exceedances, which only makes it
/// conservative). A clearly null pair costs about h / p draws instead of N.
public struct PermutationTest: Sendable, Equatable, Codable {
    /// N, the most null draws per pair (≥ 1).
    public var maximum: Int
    /// h, the exceedances after which the test stops (0: never stop early).
    public var stopAfter: Int

    /// A test of at most `maximum` draws stopping after `stopAfter` exceedances.
    public init(maximum: Int, stopAfter: Int = 10) {
        precondition(maximum >= 1 && stopAfter >= 0, "PermutationTest: maximum ≥ 1, stopAfter ≥ 0")
        self.maximum = maximum
        self.stopAfter = stopAfter
    }

    /// The p-value of `observed` and the draws it took; `draw(m)` is null estimate number
    /// m = 0, 1, … (a NaN draw counts as an exceedance).
    ///
    /// - Complexity: at most `maximum` calls of `draw`.
    public func pValue(observed: Double, draw: (Int) -> Double) -> (p: Double, draws: Int) {
        var exceedances = 0
        for m in 0..<maximum {
            let value = draw(m)
            if !(value < observed) { exceedances += 1 }
            if stopAfter > 0 && exceedances == stopAfter {
                return (Double(stopAfter) / Double(m + 1), m + 1)
            }
        }
        return (Double(exceedances + 1) / Double(maximum + 1), maximum)
    }

    /// The rule in words, for provenance.
    public var description: String {
        let stop = stopAfter > 0
            ? "stopping after \(stopAfter) null values reach the estimate (Besag–Clifford; p = \(stopAfter)/L after L permutations)"
            : "no early stopping"
        return "up to \(maximum) permutations per pair, \(stop); otherwise p = (1 + c)/(1 + \(maximum)), c the permutations reaching the estimate"
    }
}
