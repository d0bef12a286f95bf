#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        return digammaCache.snapshot(covering: m)
    }
}

/// An immutable snapshot of the integer digamma table: `table[m] == Digamma.integer(m)`.
///
/// Cheap to copy (a pointer and a count); safe to use from any thread. The storage is
/// written once, before it is published under the cache's lock, and never changed or freed
/// afterwards (see ``DigammaCache``).
public struct DigammaTable: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<Double>
    @usableFromInline let count: Int

    /// Largest m for which `self[m]` is valid.
    public var maxArgument: Int { count - 1 }

    /// ψ(m), 1 ≤ m ≤ ``maxArgument``.
    ///
    /// - Complexity: O(1).
    @inlinable
    public subscript(m: Int) -> Double {
        precondition(m >= 0 && m < count, "DigammaTable: argument \(m) outside 0...\(count - 1)")
        return base[m]
    }

    /// Runs `body` with direct access to the table (index m holds ψ(m); index 0 holds NaN).
    func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}

/// The process-wide table. Growing allocates a new buffer (twice the size), fills it, and
/// publishes it under a pthread mutex; old buffers are kept, never freed, so a snapshot
/// stays valid forever and no memory is ever written after it became visible to another
/// thread. The mutex (not `Synchronization.Mutex`) and the absence of copy-on-write and of
/// frees make every ordering visible to ThreadSanitizer, which instruments pthread locks but
/// not the Swift runtime's reference counts. Memory: all buffers together are under twice
/// the largest.
final class DigammaCache: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var state = DigammaState()
    private var current: DigammaTable
    private var retired: [UnsafeMutablePointer<Double>] = []

    init() {
        pthread_mutex_init(&lock, nil)
        let first = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        first.initialize(to: .nan)  // index 0 unused
        retired.append(first)
        current = DigammaTable(base: first, count: 1)
    }

    func snapshot(covering m: Int) -> DigammaTable {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if current.count <= m {
            let newCount = max(m + 1, 2 * current.count)
            let grown = UnsafeMutablePointer<Double>.allocate(capacity: newCount)
            grown.initialize(from: current.base, count: current.count)
            state.extend(grown, from: current.count, to: newCount)
            retired.append(grown)
            current = DigammaTable(base: grown, count: newCount)
        }
        return current
    }
}

/// Running double-double sum S = −γ + Σ_{j<m} 1/j.
struct DigammaState: Sendable {
    // −γ as a double-double (head, tail); tail from a 50-digit value of γ.
    var sumHi: Double = -0.5772156649015329
    var sumLo: Double = 4.942915152430645e-18

    /// Writes ψ(m) into `values[m]` for `count ≤ m < newCount` (the sum is at ψ(count)).
    mutating func extend(_ values: UnsafeMutablePointer<Double>, from count: Int, to newCount: Int) {
        var m = count  // next argument to store
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
            (values + m).initialize(to: sumHi + sumLo)
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

private let digammaCache = DigammaCache()
