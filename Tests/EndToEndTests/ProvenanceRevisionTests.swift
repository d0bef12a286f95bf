import Foundation
import HDF5
import MIBatch
import Testing

/// `source_revision` and `tool_version`: recorded at build time by Sources/SourceRevisionPlugin,
/// checked against git run now, in an output, `mibatch --version` and `inspect`.
@Suite struct ProvenanceRevisionTests {
    /// Runs `mibatch` with MIBATCH_SOURCE_REVISION removed from the environment (or set).
    func mibatch(_ arguments: [String], revision: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = mibatchExecutable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MIBATCH_SOURCE_REVISION"] = revision
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try launch(process)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `git -C <repository> ARGS`, trimmed; nil when git or the checkout is missing.
    func git(_ arguments: [String]) throws -> String? {
        let result = try runProcess("/usr/bin/env", ["git", "-C", repositoryRoot.path] + arguments)
        guard result.status == 0 else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The revision a binary built from this checkout must record: `git describe --always
    /// --dirty` now (the tree is not edited between the build and the tests), whose commit
    /// part is `git rev-parse --short HEAD`; a tree without git records the tarball label.
    @Test func sourceRevisionIsTheCommitTheBinaryWasBuiltFrom() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path, output = dir.appendingPathComponent("out.h5").path
        try writeCorrelatedPairs(to: input, samples: 200, rhos: [0.8], seed: 3)
        let run = try mibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let file = try File.open(output)
        guard case let .string(recorded)? = try file.attribute("source_revision"),
              case let .string(version)? = try file.attribute("tool_version") else {
            Issue.record("no source_revision or tool_version"); return
        }
        #expect(version == Provenance.version)

        let topLevel = try git(["rev-parse", "--show-toplevel"]).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        if topLevel == repositoryRoot.resolvingSymlinksInPath().path,
           let describe = try git(["describe", "--always", "--dirty"]), let head = try git(["rev-parse", "--short", "HEAD"]) {
            #expect(recorded == describe, "recorded \(recorded), git describe --always --dirty now: \(describe)")
            // The commit part: the whole string (`<hash>` / `<hash>-dirty`) or after `-g` (`<tag>-<n>-g<hash>`).
            let commit = recorded.hasSuffix("-dirty") ? String(recorded.dropLast(6)) : recorded
            #expect(commit == head || commit.hasSuffix("-g" + head), "recorded \(recorded), HEAD is \(head)")
            #expect(recorded.hasSuffix("-dirty") == !(try git(["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty)
        } else {
            #expect(recorded == "unversioned tarball build")
        }

        let versionLine = try mibatch(["--version"])
        #expect(versionLine.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(Provenance.version) (source \(recorded))")
        let inspect = try mibatch(["inspect", output])
        #expect(inspect.stdout.split(separator: "\n").first?.contains("mibatch \(version) (source \(recorded)) output") == true,
                "inspect: \(inspect.stdout)")
        let json = try mibatch(["inspect", output, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["source_revision"] as? String == recorded)
        #expect(object?["tool_version"] as? String == version)

        // The override still wins (rebuilt binaries of a known commit, tests).
        let overridden = dir.appendingPathComponent("overridden.h5").path
        let again = try mibatch(["run", input, "--dataset", "/data", "-o", overridden, "--quiet"], revision: "abc1234")
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(try File.open(overridden).attribute("source_revision") == .string("abc1234"))
    }

    /// The plugin's script (taken from its source) on a tree without `.git` and on a tree
    /// inside another repository: both are tarball builds, never the enclosing repository's
    /// commit; a rerun with the same revision leaves the generated file untouched.
    @Test func treesWithoutTheirOwnCheckoutAreUnversionedTarballBuilds() throws {
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/SourceRevisionPlugin/SourceRevisionPlugin.swift"),
                                encoding: .utf8)
        guard let body = source.components(separatedBy: "static let script = #\"\"\"\n").last?.components(separatedBy: "        \"\"\"#").first else {
            Issue.record("no script in the plugin"); return
        }
        let script = body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n")
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tarball = dir.appendingPathComponent("mibatch-0.2.0"), nested = dir.appendingPathComponent("home/src/mibatch")
        try FileManager.default.createDirectory(at: tarball, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        #expect(try runProcess("/usr/bin/env", ["git", "init", "-q", dir.appendingPathComponent("home").path]).status == 0)
        // A worktree's .git pointer copied without its repository.
        let orphan = dir.appendingPathComponent("copied-worktree")
        try FileManager.default.createDirectory(at: orphan, withIntermediateDirectories: true)
        try "gitdir: /nonexistent/.git/worktrees/x\n".write(to: orphan.appendingPathComponent(".git"), atomically: true, encoding: .utf8)
        let orphanFile = dir.appendingPathComponent("out/orphan.swift").path
        #expect(try runProcess("/bin/sh", ["-c", script, "source-revision", orphan.path, orphanFile]).status == 0)
        #expect(try String(contentsOfFile: orphanFile, encoding: .utf8)
            .contains("static let describe = \"unknown (git could not read the checkout's .git at build time)\""))
        for (tree, name) in [(tarball, "a.swift"), (nested, "b.swift"), (repositoryRoot, "c.swift")] {
            let generated = dir.appendingPathComponent("out/\(name)").path
            #expect(try runProcess("/bin/sh", ["-c", script, "source-revision", tree.path, generated]).status == 0)
            let text = try String(contentsOfFile: generated, encoding: .utf8)
            if tree == repositoryRoot {
                let describe = try git(["describe", "--always", "--dirty"])
                #expect(describe == nil || text.contains("static let describe = \"\(describe!)\""), "\(text)")
                let modified = try FileManager.default.attributesOfItem(atPath: generated)[.modificationDate] as? Date
                usleep(20_000)
                #expect(try runProcess("/bin/sh", ["-c", script, "source-revision", tree.path, generated]).status == 0)
                #expect(try FileManager.default.attributesOfItem(atPath: generated)[.modificationDate] as? Date == modified,
                        "an unchanged revision must not rewrite the file (it would recompile MIBatch)")
            } else {
                #expect(text.contains("static let describe = \"unversioned tarball build\""), "\(tree.path): \(text)")
            }
        }
    }
}
