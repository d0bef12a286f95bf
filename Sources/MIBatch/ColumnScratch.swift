#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A position-major store of `samples` × `positions` float64 values: each position (a
/// variables-axis column of the input) is contiguous, so reading one variable is one
/// sequential read whatever the input's layout.
///
/// It is the one streamed transposition of row-major inputs (CSR and 10x matrices, dense
/// datasets chunked by rows): filled once by row bands (``write(rows:positions:rowMajor:)``
/// or ``write(position:rows:_:)``), then read by position (``read(position:into:)``). It
/// lives in memory when it fits the run's budget, otherwise in a raw file (native-endian
/// float64, position p at byte offset p·samples·8) that ``remove()`` (or the store's end)
/// deletes.
///
/// Used from one thread at a time (the engine's I/O queue); `Sendable` only to be handed to it.
final class ColumnScratch: @unchecked Sendable {
    /// Samples per position (n).
    let samples: Int
    /// Positions (columns of the input's variables axis).
    let positions: Int
    /// The scratch file, or `nil` when the store is in memory.
    let path: String?

    private var memory: UnsafeMutableBufferPointer<Double>?
    private var descriptor: Int32 = -1
    /// Staging for ``write(rows:positions:rowMajor:)`` on a file (one position's segment).
    private var staging: [Double] = []

    /// Bytes the store holds: samples × positions × 8.
    var bytes: Int { samples * positions * MemoryLayout<Double>.stride }

    /// Creates an empty (zero-filled) store in memory, or in a new file at `path`
    /// (created or truncated) when `path` is given.
    ///
    /// - Throws: `.writeFailed` naming the path when the file cannot be created or sized.
    init(samples: Int, positions: Int, path: String? = nil) throws(MIBatchError) {
        precondition(samples >= 0 && positions >= 0)
        self.samples = samples
        self.positions = positions
        self.path = path
        if let path {
            descriptor = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
            if descriptor < 0 { throw .writeFailed(path: path, reason: Self.errnoText()) }
            if ftruncate(descriptor, off_t(samples * positions * MemoryLayout<Double>.stride)) != 0 {
                let reason = Self.errnoText()
                close(descriptor); unlink(path)
                throw .writeFailed(path: path, reason: "cannot size the scratch file to \(MemorySize.format(samples * positions * 8)): \(reason)")
            }
        } else {
            let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: samples * positions)
            buffer.initialize(repeating: 0)
            memory = buffer
        }
    }

    /// Frees the memory, or closes and deletes the file (a scratch is never kept for a later run).
    deinit {
        memory?.deallocate()
        remove()
    }

    /// Stores samples `rows` of one position.
    ///
    /// - Precondition: `values.count == rows.count`, `rows` within `0..<samples`.
    /// - Throws: `.writeFailed` when the file cannot be written.
    func write(position: Int, rows: Range<Int>, _ values: UnsafeBufferPointer<Double>) throws(MIBatchError) {
        precondition(values.count == rows.count && rows.lowerBound >= 0 && rows.upperBound <= samples)
        precondition(position >= 0 && position < positions)
        if rows.isEmpty { return }
        let start = position * samples + rows.lowerBound
        if let memory {
            UnsafeMutableBufferPointer(rebasing: memory[start..<start + rows.count]).update(fromContentsOf: values)
            return
        }
        try transfer(UnsafeMutableRawBufferPointer(mutating: UnsafeRawBufferPointer(values)), at: start, writing: true)
    }

    /// Stores a row-major band: `rowMajor[r · positions.count + c]` is sample
    /// `rows.lowerBound + r` of position `positions.lowerBound + c`.
    ///
    /// - Complexity: O(rows × positions) time; O(rows) extra memory on a file.
    func write(rows: Range<Int>, positions columns: Range<Int>, rowMajor: UnsafeBufferPointer<Double>) throws(MIBatchError) {
        precondition(rowMajor.count == rows.count * columns.count)
        try write(rows: rows, positions: columns, band: rowMajor, stride: columns.count, offset: 0)
    }

    /// Stores part of a wider row-major band: `band[r · stride + offset + c]` is sample
    /// `rows.lowerBound + r` of position `positions.lowerBound + c` (the band's other
    /// columns are not stored).
    ///
    /// - Precondition: `offset + positions.count <= stride`, `band.count >= rows.count · stride`.
    /// - Complexity: O(rows × positions) time; O(rows) extra memory on a file (one write
    ///   call per position).
    func write(rows: Range<Int>, positions columns: Range<Int>, band: UnsafeBufferPointer<Double>,
               stride: Int, offset: Int) throws(MIBatchError) {
        precondition(offset >= 0 && offset + columns.count <= stride && band.count >= rows.count * stride)
        precondition(columns.lowerBound >= 0 && columns.upperBound <= positions)
        precondition(rows.lowerBound >= 0 && rows.upperBound <= samples)
        if rows.isEmpty { return }
        if let memory {
            for (c, position) in columns.enumerated() {
                let base = position * samples + rows.lowerBound
                for r in 0..<rows.count { memory[base + r] = band[r * stride + offset + c] }
            }
            return
        }
        if staging.count < rows.count { staging = [Double](repeating: 0, count: rows.count) }
        for (c, position) in columns.enumerated() {
            for r in 0..<rows.count { staging[r] = band[r * stride + offset + c] }
            try staging.withUnsafeBufferPointer { (all) throws(MIBatchError) in
                try write(position: position, rows: rows, UnsafeBufferPointer(rebasing: all[0..<rows.count]))
            }
        }
    }

    /// Copies all samples of `position` into `destination` (`samples` values).
    ///
    /// - Throws: `.readFailed` naming the scratch file when it cannot be read.
    func read(position: Int, into destination: UnsafeMutableBufferPointer<Double>) throws(MIBatchError) {
        precondition(destination.count == samples && position >= 0 && position < positions)
        let start = position * samples
        if let memory {
            destination.update(fromContentsOf: UnsafeBufferPointer(rebasing: memory[start..<start + samples]))
            return
        }
        try transfer(UnsafeMutableRawBufferPointer(destination), at: start, writing: false)
    }

    /// Deletes the scratch file (nothing for a store in memory). The store is unusable after.
    func remove() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        if let path { unlink(path) }
    }

    /// Full pwrite/pread of `buffer` at element offset `element`, retrying short transfers.
    private func transfer(_ buffer: UnsafeMutableRawBufferPointer, at element: Int, writing: Bool) throws(MIBatchError) {
        var done = 0
        let offset = element * MemoryLayout<Double>.stride
        while done < buffer.count {
            let remaining = buffer.count - done
            let result = writing
                ? pwrite(descriptor, buffer.baseAddress! + done, remaining, off_t(offset + done))
                : pread(descriptor, buffer.baseAddress! + done, remaining, off_t(offset + done))
            if result < 0 && errno == EINTR { continue }
            if result <= 0 {
                let reason = result == 0 ? "unexpected end of file" : Self.errnoText()
                if writing { throw .writeFailed(path: path ?? "scratch", reason: reason) }
                throw .readFailed(file: path ?? "scratch", dataset: "scratch", rows: 0..<samples,
                                  columns: (element / max(samples, 1))..<(element / max(samples, 1) + 1), message: reason)
            }
            done += result
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
