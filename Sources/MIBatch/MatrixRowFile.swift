import Foundation
import MINetwork
import Synchronization

/// The MI matrix spilled to a scratch file, row-major float64, for MRNET when its p × p
/// matrix does not fit `--memory`: written once, band by band, in the pass over `/mi`, then
/// read one row at a time (`pread`, safe from every thread) while the targets are selected.
/// The operating system's page cache, not the process, holds what is read often.
///
/// The file is created beside the output (the disk the output needs anyway) and removed by
/// ``remove()``; it is 8p² bytes (3.2 GB at p = 20,000).
final class MatrixRowFile: MIRows, @unchecked Sendable {
    /// p.
    let count: Int
    /// The scratch file's path.
    let path: String
    private let descriptor: Int32
    private var rowsWritten = 0
    private let failure = Mutex<String?>(nil)

    /// Creates (truncates) the scratch file for a p × p matrix.
    ///
    /// - Throws: `.writeFailed` when the file cannot be created.
    init(path: String, count: Int) throws(MIBatchError) {
        self.path = path; self.count = count
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else {
            throw .writeFailed(path: path, reason: "cannot create MRNET's scratch copy of the matrix: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Appends the next rows (row-major, `count` values each).
    ///
    /// - Throws: `.writeFailed` (disk full, for instance).
    func append(_ rows: UnsafeBufferPointer<Double>) throws(MIBatchError) {
        precondition(rows.count % count == 0, "whole rows")
        var offset = 0
        let bytes = UnsafeRawBufferPointer(rows)
        while offset < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset, off_t(rowsWritten * count * 8 + offset))
            guard written > 0 else {
                throw .writeFailed(path: path, reason: "cannot write MRNET's scratch copy of the matrix (\(MemorySize.format(8 * count * count)) in all): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        rowsWritten += rows.count / count
    }

    /// Row `i`, read into `scratch` (zeros, and the error kept for ``checkFailure()``, if the
    /// read fails).
    ///
    /// - Complexity: one `pread` of 8p bytes.
    func withRow<R>(_ i: Int, scratch: UnsafeMutableBufferPointer<Double>, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
        let bytes = UnsafeMutableRawBufferPointer(scratch)
        var offset = 0
        while offset < 8 * count {
            let read = pread(descriptor, bytes.baseAddress! + offset, 8 * count - offset, off_t(i * count * 8 + offset))
            if read <= 0 {
                let message = read < 0 ? String(cString: strerror(errno)) : "the file ended early"
                failure.withLock { if $0 == nil { $0 = "cannot read row \(i) of MRNET's scratch copy of the matrix: \(message)" } }
                scratch.initialize(repeating: 0)
                break
            }
            offset += read
        }
        return body(UnsafeBufferPointer(scratch))
    }

    /// Throws the first read failure, if any.
    func checkFailure() throws(MIBatchError) {
        if let message = failure.withLock({ $0 }) { throw .writeFailed(path: path, reason: message) }
    }

    /// Deletes the scratch file.
    func remove() { unlink(path) }
}
