import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starting child processes in a program that has HDF5 files open, without the children
/// holding the files' locks.
///
/// libhdf5 locks every file it opens with `flock` (shared for reading, exclusive for
/// writing), and an `flock` lock belongs to the open file *description*: it lasts while any
/// descriptor for it is open, in any process. A file this process closes and opens again is
/// refused ("unable to lock file, errno = 11") while a child still has a descriptor of it.
/// Two ways a child gets one:
///
/// - **Inheritance across `exec`.** libhdf5 1.10 opens files without `O_CLOEXEC`, so any
///   child started while a file is open would keep its lock for the child's whole life.
///   Every descriptor of a ``File`` is therefore marked close-on-exec as soon as the file is
///   opened or created.
/// - **The instant around `exec`.** `fork`/`posix_spawn` give the child a copy of *every*
///   descriptor, close-on-exec or not. Linux drops the close-on-exec ones only late in
///   `execve`, after `posix_spawn` has already returned to the parent. A file closed and
///   relocked by another thread in that instant is refused. Start children inside
///   ``spawning(_:)``: no HDF5 file is opened or closed while its body runs, so a spawner
///   that closes the inherited descriptors in the child before `exec` leaves no child
///   holding any HDF5 file. Foundation's `Process` does on Linux (it closes every open
///   descriptor above 2 in the child); Darwin's `posix_spawn` drops close-on-exec
///   descriptors before it returns (not tried here). A bare `posix_spawn` or `fork` on
///   Linux must wait inside the body until the child has exec'd and run (for example until
///   it writes to a pipe).
///
/// mibatch itself starts no processes; this matters to programs that use the HDF5 module
/// and do: its test suite runs `mibatch`, Python and R while other tests open files, which
/// made an HDF5 test fail once in a while with the error above.
public enum ChildProcesses {
    /// Runs `body`, which starts child processes, while no HDF5 file of this process is
    /// opened or closed (see ``ChildProcesses`` for what `body` must ensure).
    ///
    /// Do not open or close HDF5 objects inside `body`: that waits for `body` to finish.
    public static func spawning<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        fence.lockExclusive()
        defer { fence.unlock() }
        return try body()
    }

    /// Runs `body`, which opens or closes HDF5 files, outside any ``spawning(_:)``.
    /// Several such bodies run at once; they never nest.
    static func changingDescriptors<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        fence.lockShared()
        defer { fence.unlock() }
        return try body()
    }

    /// Marks the descriptor of the open file `id` close-on-exec (sec2, libhdf5's default
    /// driver, keeps one POSIX descriptor; other drivers are left alone). Call it inside
    /// ``changingDescriptors(_:)`` right after the open, so no spawn sees it unmarked.
    static func markCloseOnExec(file id: hid_t) {
        let access = H5Fget_access_plist(id)
        guard access >= 0 else { _ = takeErrorStack(); return }
        defer { H5Pclose(access) }
        guard H5Pget_driver(access) == mib_H5FD_SEC2() else { return }
        var raw: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(id, mib_H5P_DEFAULT(), &raw) >= 0, let raw else { _ = takeErrorStack(); return }
        let descriptor = raw.load(as: Int32.self)
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }

    private static let fence = ReadersWriterLock()
}

/// A `pthread_rwlock_t` at a fixed address.
private final class ReadersWriterLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        precondition(pthread_rwlock_init(lock, nil) == 0, "pthread_rwlock_init failed")
    }

    func lockShared() { precondition(pthread_rwlock_rdlock(lock) == 0, "pthread_rwlock_rdlock failed") }
    func lockExclusive() { precondition(pthread_rwlock_wrlock(lock) == 0, "pthread_rwlock_wrlock failed") }
    func unlock() { precondition(pthread_rwlock_unlock(lock) == 0, "pthread_rwlock_unlock failed") }
}
