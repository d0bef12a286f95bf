import CHDF5

/// An error from the HDF5 layer, naming the file and object it concerns.
///
/// Every case carries the payload a user needs to act on it; `description` is a one-line
/// message suitable for a terminal.
public enum HDF5Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but is not an HDF5 file (or is truncated beyond recognition).
    case notHDF5(path: String)
    /// The file exists but this process may not read it.
    case permissionDenied(path: String)
    /// HDF5's file lock could not be taken: another process holds the file open for writing
    /// (or the file system does not support locks). `message` is HDF5's error stack.
    case fileLocked(path: String, message: String)
    /// No object exists at `object` inside `file`.
    case objectNotFound(file: String, object: String)
    /// The object exists but is not a dataset (for example a group).
    case notADataset(file: String, object: String)
    /// The dataset's element type cannot be read as numbers or strings as requested.
    case unsupportedType(file: String, dataset: String, type: String)
    /// The dataset has a rank the caller cannot use.
    case unsupportedRank(file: String, dataset: String, rank: Int, expected: String)
    /// A call into libhdf5 failed; `message` is HDF5's own error stack, outermost first.
    case library(operation: String, file: String, object: String, message: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such file"
        case let .notHDF5(path):
            return "\(path): not an HDF5 file"
        case let .permissionDenied(path):
            return "\(path): permission denied (cannot read the file)"
        case let .fileLocked(path, message):
            return "\(path): cannot lock the file (\(message)); another process may have it open for writing; "
                + "on file systems without locks (some NFS/Lustre mounts) set HDF5_USE_FILE_LOCKING=FALSE"
        case let .objectNotFound(file, object):
            return "\(file): no dataset '\(object)'"
        case let .notADataset(file, object):
            return "\(file): '\(object)' is not a dataset (it is a group or another kind of object)"
        case let .unsupportedType(file, dataset, type):
            return "\(file): dataset '\(dataset)' has element type \(type), which cannot be read as numbers"
        case let .unsupportedRank(file, dataset, rank, expected):
            return "\(file): dataset '\(dataset)' has rank \(rank); expected \(expected)"
        case let .library(operation, file, object, message):
            let place = object.isEmpty ? file : "\(file): '\(object)'"
            return "\(place): HDF5 \(operation) failed: \(message.isEmpty ? "unknown error" : message)"
        }
    }
}

/// Reads and clears the calling thread's HDF5 error stack.
func takeErrorStack() -> String {
    var buffer = [CChar](repeating: 0, count: 2048)
    buffer.withUnsafeMutableBufferPointer { mib_take_error_stack($0.baseAddress, $0.count) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Silences HDF5's own stderr printing of error stacks for the calling thread (the
/// thread-safe libhdf5 keeps that setting per thread); mibatch reports errors itself.
///
/// Also turns off HDF5's exit-time clean-up: after a failed write (disk full) libhdf5 1.10
/// crashes in that clean-up while re-closing the file it could not close. Every file is
/// closed explicitly when its `File` goes away, so there is nothing left for it to do.
var librarySetUp: Void {
    H5dont_atexit()
    H5open()
    _ = CrashGuard.install
    mib_silence_errors()
}

/// Throws `.library` when an `hid_t` result is negative.
@discardableResult
func checked(_ id: hid_t, _ operation: String, file: String, object: String = "") throws(HDF5Error) -> hid_t {
    if id < 0 {
        throw .library(operation: operation, file: file, object: object, message: takeErrorStack())
    }
    return id
}

/// Throws `.library` when an `herr_t` status is negative.
func checked(_ status: herr_t, _ operation: String, file: String, object: String = "") throws(HDF5Error) {
    if status < 0 {
        throw .library(operation: operation, file: file, object: object, message: takeErrorStack())
    }
}
