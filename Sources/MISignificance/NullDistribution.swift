#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The null distribution of an estimate shared by every pair of a run: N estimates of
/// independent pairs of n samples, sorted, with an exponential fit of its upper tail.
///
/// Exact where every pair's null distribution is the same: scalar variables under the rank
/// normalization (with random tie-breaking each variable's ranks are a uniformly random
/// permutation under independence, whatever its distribution), n samples in every pair.
/// Then
///
///     p(I) = (1 + #{null ≥ I}) / (1 + N)        for I ≤ the largest null value,
///     p(I) = min(1/(1 + N), T/(1 + N)·e^(−λ(I − u)))   beyond it,
///
/// where the upper T = max(100, N/100) null values lie above u and λ = 1/mean(value − u) is
/// their maximum-likelihood exponential rate (the ARACNe-AP/ARACNe3 device for p-values
/// below 1/N; fitted only when N ≥ 1,000). An exponential tail is heavier than the
/// near-Gaussian tail of a sum-of-digammas estimate, so the extrapolation errs towards
/// larger, more conservative p-values.
public struct NullDistribution: Sendable, Equatable {
    /// The exponential fit of the upper tail.
    public struct TailFit: Sendable, Equatable {
        /// u: the largest null value below the fitted tail, in nats.
        public var threshold: Double
        /// λ: the fitted rate, per nat.
        public var rate: Double
        /// T: the null values above u that were fitted.
        public var count: Int
    }

    /// n, the samples of every pair the null applies to.
    public let samples: Int
    /// The N null estimates in nats, ascending.
    public let values: [Double]
    /// The tail fit, `nil` when N < 1,000 or the tail is degenerate.
    public let tail: TailFit?

    /// The null of `values` (N finite estimates in nats, any order) for pairs of `samples` samples.
    ///
    /// - Precondition: at least one value, all finite.
    /// - Complexity: O(N log N).
    public init(samples: Int, values: [Double]) {
        precondition(!values.isEmpty && values.allSatisfy(\.isFinite), "NullDistribution: needs finite values")
        self.samples = samples
        let sorted = values.sorted()
        self.values = sorted
        let n = sorted.count
        let t = max(100, n / 100)
        if n >= 1_000 {
            let u = sorted[n - t - 1]
            var sum = 0.0
            for value in sorted[(n - t)...] { sum += value - u }
            let mean = sum / Double(t)
            tail = mean > 0 && mean.isFinite ? TailFit(threshold: u, rate: 1 / mean, count: t) : nil
        } else {
            tail = nil
        }
    }

    /// N, the null estimates.
    public var count: Int { values.count }
    /// The largest null estimate (nats): beyond it p-values come from the tail fit.
    public var largest: Double { values[values.count - 1] }

    /// The p-value of estimate `observed` (nats); NaN for NaN.
    ///
    /// - Guarantees: non-increasing in `observed`; ≥ 1/(1 + N) up to ``largest``.
    /// - Complexity: O(log N).
    public func pValue(_ observed: Double) -> Double {
        if observed.isNaN { return .nan }
        let total = Double(values.count + 1)
        // First position whose value reaches the estimate: the values from there on are ≥ it.
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < observed { lo = mid + 1 } else { hi = mid }
        }
        let reaching = values.count - lo
        if reaching > 0 { return Double(1 + reaching) / total }
        guard let tail else { return 1 / total }
        let fitted = Double(tail.count) / total * exp(-tail.rate * (observed - tail.threshold))
        return min(1 / total, fitted)
    }

    /// The null in words, for provenance and `mibatch plan`.
    public var description: String {
        var text = "\(values.count) estimates of independent pairs of \(samples) samples; "
            + "p = (1 + #{null ≥ I})/(1 + \(values.count)) up to the largest, \(Self.format(largest)) nats"
        if let tail {
            text += "; beyond it an exponential fit of the upper \(tail.count) values (above \(Self.format(tail.threshold)) nats, "
                + "rate \(Self.format(tail.rate)) per nat): p = min(1/(1 + N), T/(1 + N)·exp(−rate·(I − threshold)))"
        } else {
            text += "; no tail fit (fewer than 1000 estimates): p is at least 1/\(values.count + 1)"
        }
        return text
    }

    static func format(_ value: Double) -> String {
        var text = "\(value)"
        if text.count > 12, let dot = text.firstIndex(of: "."), !text.contains("e") {
            text = String(text[..<text.index(dot, offsetBy: min(8, text.distance(from: dot, to: text.endIndex) - 1) + 1)])
        }
        return text
    }
}
