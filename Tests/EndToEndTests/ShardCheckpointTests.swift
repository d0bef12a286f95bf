import Foundation
import HDF5
import Testing

/// Shards, merge, checkpoints and signals, with the built binary.
@Suite struct ShardCheckpointTests {
    func makeInput(_ dir: URL, p: Int = 24, n: Int = 400) throws -> String {
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: n, rhos: (0..<(p / 2)).map { Double($0 % 5) * 0.2 }, seed: 31)
        return input
    }

    @Test func shardsMergeToTheUnshardedMatrixAndMissingOnesAreNamed() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let whole = dir.appendingPathComponent("whole.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", whole, "--quiet"]).status == 0)
        let shardDir = dir.appendingPathComponent("shards").path + "/"
        try FileManager.default.createDirectory(atPath: shardDir, withIntermediateDirectories: true)
        var files: [String] = []
        for index in 1...3 {
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", shardDir, "--shard", "\(index)/3", "--quiet",
                                         "--threads", "\(index)"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            files.append(shardDir + String(format: "shard-%04d-of-0003.h5", index))
            let file = try File.open(files.last!)
            #expect(try file.attribute("shard") == .string("\(index)/3"))
            #expect(try file.dataset("/mi").shape == [24, 24], "shards hold the full-size matrix")
        }
        // Each shard computed a part; together they cover every pair exactly once.
        let statuses = try files.map { try File.open($0).dataset("/status").readBytes() }
        for cell in 0..<(24 * 24) where cell / 24 != cell % 24 {
            #expect(statuses.filter { $0[cell] == 1 }.count == 1)
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        let merge = try runMibatch(["merge"] + files.reversed() + ["-o", merged])
        #expect(merge.status == 0, "stderr: \(merge.stderr)")
        let a = try File.open(whole).dataset("/mi").readAll().map(\.bitPattern)
        let b = try File.open(merged).dataset("/mi").readAll().map(\.bitPattern)
        #expect(a == b, "merged shards must equal the unsharded run bit for bit")
        let file = try File.open(merged)
        guard case let .string(history)? = try file.attribute("history"), case let .string(shards)? = try file.attribute("shards") else {
            Issue.record("merged provenance missing"); return
        }
        #expect(history.split(separator: "\n").count == 2 && history.contains("merge"))
        #expect(shards.contains("\"shard\":\"2\\/3\"") || shards.contains("\"shard\":\"2/3\""))

        let partial = dir.appendingPathComponent("partial.h5").path
        let missing = try runMibatch(["merge", files[0], files[2], "-o", partial])
        #expect(missing.status == 4)
        #expect(missing.stderr.contains("2/3") && missing.stderr.contains("--array=1 ") && missing.stderr.contains("--shards 3"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: partial))
        let written = try runMibatch(["merge", files[0], files[2], "-o", partial, "--partial"])
        #expect(written.status == 4)
        let partialStatus = try File.open(partial).dataset("/status").readBytes()
        #expect(partialStatus.filter { $0 == 1 }.count == statuses[0].filter { $0 == 1 }.count + statuses[2].filter { $0 == 1 }.count)
    }

    @Test func mergeRefusesShardsOfDifferentConfigurationsOrData() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let a = dir.appendingPathComponent("a.h5").path, b = dir.appendingPathComponent("b.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", a, "--shard", "1/2", "--quiet"]).status == 0)
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", b, "--shard", "2/2", "--k", "4", "--quiet"]).status == 0)
        let aFile = dir.appendingPathComponent("a.shard-0001-of-0002.h5").path
        let bFile = dir.appendingPathComponent("b.shard-0002-of-0002.h5").path
        let result = try runMibatch(["merge", aFile, bFile, "-o", dir.appendingPathComponent("m.h5").path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("k was 3, now 4"), "\(result.stderr)")

        let other = dir.appendingPathComponent("other.h5").path
        try writeCorrelatedPairs(to: other, samples: 400, rhos: (0..<12).map { Double($0 % 5) * 0.2 }, seed: 32)
        let c = dir.appendingPathComponent("c.h5").path
        #expect(try runMibatch(["run", other, "--dataset", "/data", "-o", c, "--shard", "2/2", "--quiet"]).status == 0)
        let data = try runMibatch(["merge", aFile, dir.appendingPathComponent("c.shard-0002-of-0002.h5").path,
                                   "-o", dir.appendingPathComponent("m.h5").path])
        #expect(data.status == 65)
        #expect(data.stderr.contains("different input data"), "\(data.stderr)")
    }

    @Test func slurmArrayVariablesChooseTheShard() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let output = dir.appendingPathComponent("mi.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output],
                                    environment: ["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10",
                                                  "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_JOB_ID": "777", "SLURM_JOB_ID": "779"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("SLURM"))
        let file = try File.open(dir.appendingPathComponent("mi.shard-0003-of-0004.h5").path)
        #expect(try file.attribute("shard") == .string("3/4"))
        #expect(try file.attribute("shard_source") == .string("slurm"))
        #expect(try file.attribute("slurm_array_job_id") == .string("777"))
        #expect(try file.attribute("slurm_array_task_id") == .string("12"))
    }

    @Test func shardsOptionTakesTheIndexFromTheArrayTaskAndFinishedShardsAreNotRedone() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir)
        let output = dir.path + "/"
        // A resubmission of index 1 alone: SLURM says MIN=1, COUNT=1; --shards keeps it shard 2/3.
        let environment = ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "1"]
        let first = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--shards", "3"], environment: environment)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let path = dir.appendingPathComponent("shard-0002-of-0003.h5").path
        #expect(try File.open(path).attribute("shard") == .string("2/3"))
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        let again = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--shards", "3"], environment: environment)
        #expect(again.status == 0, "a finished shard resubmitted is not an error: \(again.stderr)")
        #expect(again.stderr.contains("already holds this result"), "\(again.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == modified)
        let otherOptions = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--shards", "3", "--k", "5"],
                                          environment: environment)
        #expect(otherOptions.status == 73, "a different result must not be skipped or clobbered: \(otherOptions.stderr)")
        let outside = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--shards", "3"],
                                     environment: ["SLURM_ARRAY_TASK_ID": "3"])
        #expect(outside.status == 64)
        #expect(outside.stderr.contains("--array=0-2"))
    }

    @Test func sigtermCheckpointsAndTheRerunResumesToIdenticalBits() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try makeInput(dir, p: 60, n: 1500)
        let reference = dir.appendingPathComponent("ref.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", reference, "--quiet"]).status == 0)
        for signal in [SIGTERM, SIGKILL] {
            let output = dir.appendingPathComponent("out-\(signal).h5").path
            let process = Process()
            process.executableURL = mibatchExecutable
            process.arguments = ["run", input, "--dataset", "/data", "-o", output, "--checkpoint-interval", "0.2", "--threads", "1", "--quiet"]
            let errorPipe = Pipe()
            process.standardError = errorPipe
            try launch(process)
            // Wait until the checkpoint holds some pairs, then interrupt.
            let checkpoint = output + ".ckpt"
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && ((try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int) ?? 0) < 2000 {
                usleep(20_000)
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if signal == SIGTERM {
                #expect(process.terminationStatus == 75, "stderr: \(stderr)")
                #expect(stderr.contains("interrupted by SIGTERM") && stderr.contains(".ckpt"))
            }
            #expect(!FileManager.default.fileExists(atPath: output), "no file under the final name after \(signal)")
            #expect(FileManager.default.fileExists(atPath: checkpoint))
            let rerun = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--threads", "2"])
            #expect(rerun.status == 0, "stderr: \(rerun.stderr)")
            #expect(rerun.stderr.contains("resuming"), "stderr: \(rerun.stderr)")
            #expect(!FileManager.default.fileExists(atPath: checkpoint), "checkpoint removed after success")
            #expect(try File.open(output).dataset("/mi").readAll().map(\.bitPattern)
                    == (try File.open(reference).dataset("/mi").readAll().map(\.bitPattern)))
        }
        // A checkpoint from other options is refused, never mixed in.
        let output = dir.appendingPathComponent("mismatch.h5").path
        try Data("MIBATCH-CHECKPOINT 1\n{\"cells\":1770,\"digest\":\"sha256:00\",\"resultKey\":\"{}\",\"shard\":\"1\\/1\"}\n".utf8)
            .write(to: URL(fileURLWithPath: output + ".ckpt"))
        let refused = try runMibatch(["run", input, "--dataset", "/data", "-o", output])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("different input data"), "\(refused.stderr)")
    }
}
