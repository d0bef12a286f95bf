import Foundation
import HDF5
import Testing

/// The output cannot be written: unwritable directory, full disk, file-size limit. Never a
/// file under the final name, never a temporary file left behind.
@Suite struct OutputFailureTests {
    /// 20 samples × 300 columns: 44,850 pairs computed in a moment, an output of ~0.7 MB.
    func makeWideInput(_ dir: URL) throws -> String {
        let input = dir.appendingPathComponent("wide.h5").path
        try writeCorrelatedPairs(to: input, samples: 20, rhos: (0..<150).map { Double($0 % 9) / 10 }, seed: 12)
        return input
    }

    func leftovers(_ directory: String, output: String) -> [String] {
        let name = URL(fileURLWithPath: output).lastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".tmp") || $0 == name }
    }

    @Test func unwritableDirectory() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 30, rhos: [0.5], seed: 1)
        let locked = dir.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        chmod(locked.path, 0o555)
        chmod(dir.path, 0o755)
        let output = locked.appendingPathComponent("out.h5").path
        let arguments = ["run", input, "--dataset", "/data", "-o", output]
        // Root may write anywhere: run as nobody so the mode bits apply.
        let result = getuid() == 0
            ? try runProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", mibatchExecutable.path] + arguments)
            : try runMibatch(arguments)
        #expect(result.status == 73, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(output)
                && result.stderr.contains("is not writable"), "\(result.stderr)")
        #expect(leftovers(locked.path, output: output).isEmpty)
    }

    /// Whether this process may mount a tmpfs (root, outside a restricted container): tried
    /// once on an empty directory.
    static let canMountTmpfs: Bool = {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard let mount = try? runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path]),
              mount.status == 0 else { return false }
        _ = try? runProcess("/bin/umount", [dir.path])
        return true
    }()

    /// Skipped (and reported so) where a tmpfs cannot be mounted; `fileSizeLimitWhileWriting`
    /// covers the same code path everywhere.
    @Test(.enabled(if: canMountTmpfs, "needs permission to mount a 1 MiB tmpfs (root outside a restricted container)"))
    func diskFullWhileWriting() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeWideInput(dir)
        let small = dir.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        let mount = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small.path])
        try #require(mount.status == 0, "mount: \(mount.stderr)")
        defer { _ = try? runProcess("/bin/umount", [small.path]) }
        let output = small.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"])
        #expect(result.status == 74, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.last?.contains("\(output): writing the output failed") == true
                && lines.last?.contains("No space left on device") == true, "\(result.stderr)")
        #expect(!result.stderr.contains("Program crashed"))
        #expect(leftovers(small.path, output: output).isEmpty, "\(leftovers(small.path, output: output))")
        // The checkpoint of the finished pairs stays: after freeing space, the rerun resumes.
        #expect(FileManager.default.fileExists(atPath: output + ".ckpt"))
    }

    @Test func fileSizeLimitWhileWriting() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeWideInput(dir)
        let output = dir.appendingPathComponent("out.h5").path
        // ulimit -f counts 512-byte blocks in sh (dash): 200 KiB per file.
        let result = try runProcess("/bin/sh", ["-c", "ulimit -f 400; exec \"$0\" \"$@\"", mibatchExecutable.path,
                                                "run", input, "--dataset", "/data", "-o", output, "--quiet"])
        #expect(result.status == 74, "\(result.stderr)")
        let last = result.stderr.split(separator: "\n").last ?? ""
        #expect(last.contains("\(output): writing the output failed") && last.contains("File too large"), "\(result.stderr)")
        #expect(leftovers(dir.path, output: output).isEmpty)
    }
}
