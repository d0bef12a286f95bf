import Foundation
import HDF5
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process must never keep the `flock` lock of a file this process has closed
/// (see `ChildProcesses`): the cause of the once-flaky "cannot lock the file (errno 11)"
/// in `otherElementTypesReadAsDouble` when the whole suite ran in parallel.
@Suite struct ChildProcessTests {
    /// Starts `sh -c 'echo; exec sleep 30'` with a bare `posix_spawn` whose only file action
    /// points the child's stdout at a pipe: the child gets every descriptor that is not
    /// close-on-exec, as from `system()`, `popen()` or a naive spawner. Returns once the
    /// shell has written its line, that is after its `exec`, when the kernel has dropped the
    /// close-on-exec descriptors; fenced like every spawn of the suite so that it cannot
    /// catch other tests' files mid-open. This test's own file is open throughout, which
    /// only close-on-exec covers.
    private func spawnSleeper() throws -> pid_t {
        var pipeEnds: [Int32] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]) }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        var pid = pid_t()
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("sh"), strdup("-c"), strdup("echo; exec sleep 30"), nil]
        defer { arguments.forEach { free($0) } }
        let status = ChildProcesses.spawning { () -> Int32 in
            let status = posix_spawn(&pid, "/bin/sh", &actions, nil, arguments, environ)
            close(pipeEnds[1])
            var byte: UInt8 = 0
            if status == 0 { _ = read(pipeEnds[0], &byte, 1) }
            return status
        }
        try #require(status == 0, "posix_spawn: \(String(cString: strerror(status)))")
        return pid
    }

    private func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// libhdf5 opens without O_CLOEXEC; the wrapper marks the descriptor itself. Without
    /// that, the sleeping child holds the exclusive lock of the created file for 30 s.
    @Test(arguments: [false, true])
    func aChildStartedWhileAFileIsOpenDoesNotKeepItsLock(created: Bool) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("held.h5").path
        try File.create(path).createDataset("/x", type: .float64, shape: [2]).write([1.0, 2.0] as [Double])
        var child: pid_t = 0
        do {
            // Created: libhdf5 holds an exclusive lock; opened read-write: exclusive too.
            let file = created ? try File.create(path, overwrite: true) : try File.open(path, mode: .readWrite)
            if created { try file.createDataset("/x", type: .float64, shape: [2]).write([1.0, 2.0] as [Double]) }
            child = try spawnSleeper()
        }
        defer { stop(child) }
        // The file is closed; locking it exclusively again must work while the child lives.
        let reopened = try File.open(path, mode: .readWrite)
        #expect(try reopened.dataset("/x").readAll() == [1, 2])
    }

    /// Close-on-exec does not cover the instant between fork and exec, when the child has a
    /// copy of every descriptor: a file closed and relocked by another thread then is
    /// refused. Children started inside `ChildProcesses.spawning` cannot fall there. A
    /// thread starts short-lived children continuously while this one creates, closes and
    /// reopens files (with the fence taken out, this failed 4 runs of 4 here).
    @Test func reopeningWhileOtherThreadsStartChildrenNeverFindsTheFileLocked() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        final class Flag: @unchecked Sendable {
            private let lock = NSLock()
            private var value = false
            var isSet: Bool { lock.withLock { value } }
            func set() { lock.withLock { value = true } }
        }
        let done = Flag(), stopped = DispatchSemaphore(value: 0)
        let spawner = Thread {
            while !done.isSet {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/true")
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try? ChildProcesses.spawning { try process.run() }
                process.waitUntilExit()
            }
            stopped.signal()
        }
        spawner.start()
        defer { done.set(); stopped.wait() }
        var refused: [String] = []
        let start = Date()
        var index = 0
        while Date().timeIntervalSince(start) < 2 {
            let path = dir.appendingPathComponent("f\(index).h5").path
            index += 1
            do { try File.create(path).createDataset("/x", type: .float64, shape: [1]).write([1.0] as [Double]) }
            do { _ = try File.open(path, mode: .readWrite) } catch { refused.append("\(error)") }
        }
        #expect(refused.isEmpty, "\(refused.count) of \(index) reopenings refused: \(refused.first ?? "")")
        #expect(index > 100, "too few reopenings to mean anything: \(index)")
    }
}
