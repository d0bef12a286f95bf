/// Rows of a symmetric p × p MI matrix handed out one at a time: what MRNET reads (the row
/// of its target, then the row of each variable it chooses). The matrix may be in memory
/// (``DenseMIRows``) or in a file the engine reads on demand; MRNET's result is the same
/// bits either way.
public protocol MIRows: Sendable {
    /// p, the number of variables (rows, and values per row).
    var count: Int { get }
    /// Calls `body` with row `i` (p values; its diagonal entry is never read). `scratch`
    /// is a caller-owned buffer of p values that a source may fill and hand back; the
    /// buffer passed to `body` is valid only during the call.
    ///
    /// Sources that read a file report a failure by handing out a row of zeros and
    /// remembering the error for their owner (MRNET itself cannot fail).
    func withRow<R>(_ i: Int, scratch: UnsafeMutableBufferPointer<Double>, _ body: (UnsafeBufferPointer<Double>) -> R) -> R
}

/// A row-major p × p matrix in memory as ``MIRows`` (no copy per row).
public struct DenseMIRows: MIRows, @unchecked Sendable {
    /// p.
    public let count: Int
    @usableFromInline let base: UnsafeBufferPointer<Double>

    /// Wraps `matrix`, which the caller keeps alive and unchanged while the rows are read.
    ///
    /// - Precondition: `matrix.count == count²`.
    public init(_ matrix: UnsafeBufferPointer<Double>, count: Int) {
        precondition(matrix.count == count * count, "a p × p matrix")
        self.base = matrix; self.count = count
    }

    /// Row `i`, in place.
    ///
    /// - Complexity: O(1).
    @inlinable public func withRow<R>(_ i: Int, scratch: UnsafeMutableBufferPointer<Double>, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
        body(UnsafeBufferPointer(rebasing: base[(i * count)..<((i + 1) * count)]))
    }
}
