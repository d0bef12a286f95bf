import CHDF5

/// Turns a crash of libhdf5 on a damaged file into a one-line error and exit status 74.
///
/// libhdf5 1.10 trusts the metadata it parses: a corrupted global heap (where variable-length
/// strings live) or object header can make it copy out of bounds — h5dump crashes on the same
/// files. Calls that parse an input file run inside ``guarded(_:file:object:_:)``: a
/// SIGSEGV/SIGBUS on the calling thread during such a call prints
/// `mibatch: error: FILE: 'OBJECT': libhdf5 crashed while ...` and exits with status 74
/// (EX_IOERR, as for other damaged files). Faults elsewhere reach the previous handler.
/// A damaged file can also make libhdf5 loop forever; that is not caught (see mibatch(1)).
enum CrashGuard {
    /// Installs the process-wide handler, once.
    static let install: Void = mib_guard_install()
}

/// Runs `body` (which calls libhdf5 on `file`) under the crash guard.
///
/// Not inlined: the guard's C state must have one copy (see `shim.h`).
@inline(never)
func guarded<T, E: Error>(_ operation: String, file: String, object: String = "",
                          _ body: () throws(E) -> T) throws(E) -> T {
    let place = object.isEmpty ? file : "\(file): '\(object)'"
    mib_guard_begin("mibatch: error: \(place): libhdf5 crashed while \(operation) (the file is damaged: corrupted metadata or heap); nothing was written")
    defer { mib_guard_end() }
    return try body()
}
