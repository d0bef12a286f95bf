import Synchronization

/// The digamma function ψ at positive integers, from its exact series.
///
/// ψ(m) = −γ + Σ_{j=1}^{m−1} 1/j for m ≥ 1 (γ = Euler–Mascheroni constant), so ψ(1) = −γ and
/// ψ(m+1) = ψ(m) + 1/m. Values come from one process-wide table, built once and grown on
/// demand (thread-safe). The table is accumulated in double-double arithmetic (error-free
/// sums of 1/j split into head and tail), so every entry is the series value correctly
/// rounded to within about one ulp for every m that fits in memory — no asymptotic
/// approximation is used anywhere.
public enum Digamma {
    /// Euler–Mascheroni constant γ, nearest double.
    public static let eulerGamma: Double = 0.5772156649015329

    /// ψ(m) for an integer m ≥ 1 (nats-free: a pure number).
    ///
    /// - Precondition: `m >= 1`.
    /// - Complexity: O(1) amortized (a lock and a table read; the first call for a new
    ///   maximum m extends the table in O(m)). In hot loops fetch ``table(upTo:)`` once.
    public static func integer(_ m: Int) -> Double {
        precondition(m >= 1, "Digamma.integer: argument must be >= 1 (got \(m))")
        return table(upTo: m)[m]
    }

    /// A read-only snapshot of the table covering at least ψ(1)…ψ(`m`).
    ///
    /// - Complexity: O(1) when the table already covers `m`; otherwise O(m) once.
    public static func table(upTo m: Int) -> DigammaTable {
        precondition(m >= 0, "Digamma.table: negative size")
        return digammaCache.withLock { state in
            if state.values.count <= m { state.extend(to: max(m + 1, 2 * state.values.count)) }
            return DigammaTable(storage: state.values)
        }
    }
}

/// An immutable snapshot of the integer digamma table: `table[m] == Digamma.integer(m)`.
///
/// Cheap to copy (shares storage); safe to use from any thread.
public struct DigammaTable: Sendable {
    @usableFromInline let storage: [Double]

    /// Largest m for which `self[m]` is valid.
    public var maxArgument: Int { storage.count - 1 }

    /// ψ(m), 1 ≤ m ≤ ``maxArgument``.
    ///
    /// - Complexity: O(1).
    @inlinable
    public subscript(m: Int) -> Double { storage[m] }

    /// Runs `body` with direct access to the table (index m holds ψ(m); index 0 holds NaN).
    func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }
}

/// Running double-double sum S = −γ + Σ_{j<m} 1/j and the rounded values so far.
struct DigammaState: Sendable {
    var values: [Double] = [.nan]  // index 0 unused
    // −γ as a double-double (head, tail); tail from a 50-digit value of γ.
    var sumHi: Double = -0.5772156649015329
    var sumLo: Double = 4.942915152430645e-18

    mutating func extend(to newCount: Int) {
        values.reserveCapacity(newCount)
        var m = values.count  // next argument to store
        while m < newCount {
            if m >= 2 {
                // add 1/(m-1) as a double-double: head q, tail (1 − q·j)/j (exact residual via FMA)
                let j = Double(m - 1)
                let q = 1.0 / j
                let r = 1.0.addingProduct(-q, j) / j
                let (s, e) = twoSum(sumHi, q)
                let tail = e + (sumLo + r)
                sumHi = s + tail
                sumLo = tail - (sumHi - s)
            }
            values.append(sumHi + sumLo)
            m += 1
        }
    }

    @inline(__always)
    private func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        let bb = s - a
        return (s, (a - (s - bb)) + (b - bb))
    }
}

private let digammaCache = Mutex(DigammaState())
