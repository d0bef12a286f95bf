import Foundation
import HDF5
import Testing

// Integration tests against a REAL SLURM: a private munged + slurmctld + slurmd on 127.0.0.1,
// started once for the suite by samples/slurm/local-cluster.sh (which installs the Debian
// packages when missing) and stopped afterwards whatever happens. The jobs are the user-facing
// samples/slurm/*.sbatch scripts, submitted unmodified; the test configures them through the
// environment, which sbatch exports to the jobs (MIBATCH, INPUT, OUTDIR, SLURM_CONF, ...).

/// Whether this machine can start a private SLURM at all: root, or password-less sudo.
/// Everywhere else the suite is skipped (and says so); where it can, it must run and pass.
let canRunSLURM: Bool = {
    if getuid() == 0 { return true }
    return ((try? runProcess("/usr/bin/env", ["sudo", "-n", "true"]))?.status ?? 1) == 0
}()

/// A running private cluster: its folder and the environment that points clients at it.
struct LocalSLURMCluster: Sendable {
    /// The cluster of the running suite (set by `LocalSLURMClusterTrait`).
    @TaskLocal static var current: LocalSLURMCluster?

    static let script = repositoryRoot.appendingPathComponent("samples/slurm/local-cluster.sh").path
    static let arrayScript = repositoryRoot.appendingPathComponent("samples/slurm/mibatch-array.sbatch").path
    static let mergeScript = repositoryRoot.appendingPathComponent("samples/slurm/mibatch-merge.sbatch").path

    let directory: URL
    var environment: [String: String] { ["SLURM_CONF": directory.appendingPathComponent("etc/slurm.conf").path] }

    /// `local-cluster.sh start|stop DIR` (through `sudo -n` when not root).
    static func control(_ action: String, _ directory: URL) throws -> ProcessResult {
        getuid() == 0
            ? try runProcess("/bin/bash", [script, action, directory.path])
            : try runProcess("/usr/bin/env", ["sudo", "-n", "/bin/bash", script, action, directory.path])
    }

    /// Runs a SLURM client command (`sbatch`, `squeue`, ...) against this cluster.
    func client(_ command: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try runProcess("/usr/bin/env", [command] + arguments, environment: environment.merging(self.environment) { $1 })
    }

    /// Submits a batch script and returns its job id.
    func sbatch(_ arguments: [String], environment: [String: String]) throws -> String {
        let result = try client("sbatch", ["--parsable"] + arguments, environment: environment)
        guard result.status == 0,
              let id = result.stdout.split(separator: ";").first?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
            throw SLURMTestError("sbatch \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return id
    }

    /// Polls `squeue -h -j IDS` every 0.2 s until none of the jobs is pending or running.
    /// (`sbatch --wait` polls with back-off and returns seconds late.)
    func waitUntilGone(_ ids: [String], timeout: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let result = try client("squeue", ["-h", "-j", ids.joined(separator: ",")])
            if result.status == 0 && result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            if result.status != 0 && result.stderr.contains("Invalid job id") { return }
            if Date() > deadline {
                throw SLURMTestError("jobs \(ids) still queued after \(Int(timeout)) s:\n\(result.stdout)\(result.stderr)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The records of `scontrol show job ID` (an array id gives one record per task);
    /// finished jobs stay visible for MinJobAge (300 s). Keys: JobId, ArrayTaskId, JobState,
    /// Reason, ExitCode, ...
    func jobs(_ id: String) throws -> [[String: String]] {
        let result = try client("scontrol", ["show", "job", id])
        guard result.status == 0 else { throw SLURMTestError("scontrol show job \(id): \(result.stderr)") }
        return result.stdout.components(separatedBy: "\n\n").compactMap { record in
            var fields: [String: String] = [:]
            for token in record.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                guard let equals = token.firstIndex(of: "=") else { continue }
                let key = String(token[..<equals])
                if fields[key] == nil { fields[key] = String(token[token.index(after: equals)...]) }
            }
            return fields["JobId"] == nil ? nil : fields
        }
    }
}

struct SLURMTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Starts the private cluster once around the whole suite, and always stops it.
struct LocalSLURMClusterTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let directory = makeTemporaryDirectory()
        defer {
            let clock = ContinuousClock(), stopping = clock.now
            let stop = try? LocalSLURMCluster.control("stop", directory)
            print("SLURMTests: private SLURM stopped (\(stop?.status ?? -1)) in \(clock.now - stopping) \(stop?.stderr ?? "")")
            if getuid() == 0 {
                try? FileManager.default.removeItem(at: directory)
            } else {
                _ = try? runProcess("/usr/bin/env", ["sudo", "-n", "rm", "-rf", directory.path])
            }
        }
        let clock = ContinuousClock(), started = clock.now
        let start = try LocalSLURMCluster.control("start", directory)
        guard start.status == 0 else {
            let logs = ["log/slurmctld.log", "log/slurmd.log", "log/munged.log"].map { name in
                let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
                return "--- \(name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
            }
            throw SLURMTestError("local-cluster.sh start failed (\(start.status)):\n\(start.stderr)\n\(logs.joined(separator: "\n"))")
        }
        print("SLURMTests: private SLURM up in \(clock.now - started) at \(directory.path)")
        try await LocalSLURMCluster.$current.withValue(LocalSLURMCluster(directory: directory)) {
            try await function()
        }
    }
}

extension Trait where Self == LocalSLURMClusterTrait {
    /// Runs the suite against a private SLURM started by samples/slurm/local-cluster.sh.
    static var localSLURMCluster: Self { Self() }
}

@Suite(.serialized,
       .enabled(if: canRunSLURM, "NOT RUN: neither root nor password-less sudo, so no private SLURM can be started (samples/slurm/local-cluster.sh)"),
       .localSLURMCluster)
struct SLURMTests {
    let cluster: LocalSLURMCluster

    init() throws {
        cluster = try #require(LocalSLURMCluster.current, "the suite trait starts the cluster")
    }

    /// The jobs' environment: the sample scripts read their settings from it.
    func jobEnvironment(input: String, outdir: String, merged: String, extra: [String: String] = [:]) -> [String: String] {
        ["MIBATCH": mibatchExecutable.path, "INPUT": input, "DATASET": "/data", "OUTDIR": outdir, "MERGED": merged,
         "MIBATCH_ARGS": "", "MERGE_ARGS": "", "SHARDS": ""].merging(extra) { $1 }
    }

    func bits(_ path: String) throws -> [UInt64] {
        try File.open(path).dataset("/mi").readAll().map(\.bitPattern)
    }

    func text(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no \(path))"
    }

    func shardPath(_ outdir: String, _ index: Int, of count: Int) -> String {
        outdir + "/" + String(format: "shard-%04d-of-%04d.h5", index, count)
    }

    @Test func arrayJobAndDependentMergeEqualTheUnshardedRun() async throws {
        let clock = ContinuousClock(), started = clock.now
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 400, rhos: (0..<12).map { Double($0 % 5) * 0.2 }, seed: 41)
        let reference = dir.appendingPathComponent("reference.h5").path
        let whole = try runMibatch(["run", input, "--dataset", "/data", "-o", reference, "--quiet"])
        try #require(whole.status == 0, "\(whole.stderr)")

        let outdir = dir.appendingPathComponent("shards").path, logs = dir.appendingPathComponent("logs").path
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)  // SLURM does not create it
        let merged = dir.appendingPathComponent("merged.h5").path
        let environment = jobEnvironment(input: input, outdir: outdir, merged: merged)
        let array = try cluster.sbatch(["--array=0-3", "--cpus-per-task=1", "--mem=256M",
                                        "--output=\(logs)/array-%A_%a.out", LocalSLURMCluster.arrayScript], environment: environment)
        let merge = try cluster.sbatch(["--dependency=afterok:\(array)", "--mem=256M", "--output=\(logs)/merge-%j.out",
                                        LocalSLURMCluster.mergeScript], environment: environment)
        try await cluster.waitUntilGone([array, merge], timeout: 120)
        let taskLogs = (0..<4).map { text("\(logs)/array-\(array)_\($0).out") }.joined(separator: "\n")
        let mergeLog = text("\(logs)/merge-\(merge).out")

        let tasks = try cluster.jobs(array)
        #expect(tasks.count == 4)
        #expect(Set(tasks.compactMap { $0["ArrayTaskId"] }) == ["0", "1", "2", "3"])
        for task in tasks {
            #expect(task["JobState"] == "COMPLETED", "task \(task["ArrayTaskId"] ?? "?"): \(task)\n\(taskLogs)")
        }
        #expect(try cluster.jobs(merge).first?["JobState"] == "COMPLETED", "\(mergeLog)")
        #expect(mergeLog.contains("4 shards"), "\(mergeLog)")

        // The merged matrix is the single-process matrix, bit for bit.
        try #require(FileManager.default.fileExists(atPath: merged), "\(taskLogs)\n\(mergeLog)")
        #expect(try bits(merged) == (try bits(reference)), "merged shards must equal the unsharded run bit for bit")

        // Each shard took its number from the array variables and recorded SLURM's ids.
        for task in tasks {
            let taskID = try #require(task["ArrayTaskId"].flatMap(Int.init))
            let file = try File.open(shardPath(outdir, taskID + 1, of: 4))
            #expect(try file.attribute("shard") == .string("\(taskID + 1)/4"))
            #expect(try file.attribute("shard_source") == .string("slurm"))
            #expect(try file.attribute("slurm_array_job_id") == .string(array))
            #expect(try file.attribute("slurm_array_task_id") == .string("\(taskID)"))
            #expect(try file.attribute("slurm_job_id") == .string(try #require(task["JobId"])))
            #expect(try file.attribute("slurm_array_task_count") == .string("4"))
            #expect(try file.attribute("slurm_array_task_min") == .string("0"))
        }
        #expect(taskLogs.contains("from SLURM array variables"), "\(taskLogs)")
        // ... and the merged file lists every shard's job ids.
        guard case let .string(shardsJSON)? = try File.open(merged).attribute("shards"),
              let list = try JSONSerialization.jsonObject(with: Data(shardsJSON.utf8)) as? [[String: String]] else {
            Issue.record("merged provenance has no 'shards' list"); return
        }
        let recorded = Set(list.map { "\($0["slurm_array_task_id"] ?? "?")=\($0["slurm_job_id"] ?? "?")" })
        #expect(recorded == Set(tasks.map { "\($0["ArrayTaskId"] ?? "")=\($0["JobId"] ?? "")" }), "\(shardsJSON)")
        print("SLURMTests: array + merge in \(clock.now - started)")
    }

    @Test func cancelledTaskResumesFromItsCheckpointWhenResubmitted() async throws {
        let clock = ContinuousClock(), started = clock.now
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Large enough that one shard takes seconds on one thread (debug build: about 3 s),
        // so task 1 can be cancelled mid-run.
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 4000, rhos: (0..<50).map { Double($0 % 5) * 0.2 }, seed: 43)
        let reference = dir.appendingPathComponent("reference.h5").path
        let whole = try runMibatch(["run", input, "--dataset", "/data", "-o", reference, "--quiet"])
        try #require(whole.status == 0, "\(whole.stderr)")

        let outdir = dir.appendingPathComponent("shards").path, logs = dir.appendingPathComponent("logs").path
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)  // SLURM does not create it
        let merged = dir.appendingPathComponent("merged.h5").path
        let environment = jobEnvironment(input: input, outdir: outdir, merged: merged,
                                         extra: ["MIBATCH_ARGS": "--checkpoint-interval 0.2"])
        let array = try cluster.sbatch(["--array=0-3", "--cpus-per-task=1", "--mem=256M",
                                        "--output=\(logs)/array-%A_%a.out", LocalSLURMCluster.arrayScript], environment: environment)
        let merge = try cluster.sbatch(["--dependency=afterok:\(array)", "--mem=256M", "--output=\(logs)/merge-%j.out",
                                        LocalSLURMCluster.mergeScript], environment: environment)

        // Task 1 (shard 2/4): once its checkpoint holds some pairs, scancel it (SLURM sends SIGTERM).
        let target = shardPath(outdir, 2, of: 4)
        let checkpoint = target + ".ckpt"
        let deadline = Date().addingTimeInterval(90)
        while ((try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int) ?? 0) < 2000 {
            try #require(Date() < deadline, "no checkpoint from task 1 after 90 s: \(text("\(logs)/array-\(array)_1.out"))")
            try #require(!FileManager.default.fileExists(atPath: target), "task 1 finished before it could be cancelled")
            if try cluster.client("squeue", ["-h", "-j", "\(array)_1"]).stdout.isEmpty {
                Issue.record("task 1 ended without a checkpoint: \(try cluster.jobs("\(array)_1"))\n\(text("\(logs)/array-\(array)_1.out"))")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let cancel = try cluster.client("scancel", ["\(array)_1"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        // The merge job depends on the whole array: it can never run now, and the cluster
        // (DependencyParameters=kill_invalid_depend) cancels it.
        try await cluster.waitUntilGone([array, merge], timeout: 120)
        let cancelledLog = text("\(logs)/array-\(array)_1.out")
        let tasks = try cluster.jobs(array)
        for task in tasks {
            #expect(task["JobState"] == (task["ArrayTaskId"] == "1" ? "CANCELLED" : "COMPLETED"), "\(task)")
        }
        #expect(tasks.first { $0["ArrayTaskId"] == "1" }?["ExitCode"] == "75:0", "mibatch exits 75 after checkpointing")
        #expect(cancelledLog.contains("interrupted by SIGTERM") && cancelledLog.contains(".ckpt"), "\(cancelledLog)")
        let mergeJob = try cluster.jobs(merge).first
        #expect(mergeJob?["JobState"] == "CANCELLED" && mergeJob?["Reason"] == "DependencyNeverSatisfied", "\(mergeJob ?? [:])")
        #expect(!FileManager.default.fileExists(atPath: merged))
        #expect(!FileManager.default.fileExists(atPath: target), "no shard file under the final name")
        #expect(FileManager.default.fileExists(atPath: checkpoint), "the cancelled task left its checkpoint")

        // merge names the missing shard and the exact --array= list to resubmit.
        let present = [1, 3, 4].map { shardPath(outdir, $0, of: 4) }
        let missing = try runMibatch(["merge"] + present + ["-o", merged])
        #expect(missing.status == 4, "\(missing.stderr)")
        #expect(missing.stderr.contains("2/4") && missing.stderr.contains("--array=1 "), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: merged))
        let arrayList = try #require(missing.stderr.firstMatch(of: /--array=([0-9,:-]+)/)?.1, "\(missing.stderr)")

        // Resubmit exactly that list (telling the script how many shards there are), then merge.
        let resubmitEnvironment = environment.merging(["SHARDS": "4"]) { $1 }
        let again = try cluster.sbatch(["--array=\(arrayList)", "--cpus-per-task=1", "--mem=256M",
                                        "--output=\(logs)/array-%A_%a.out", LocalSLURMCluster.arrayScript],
                                       environment: resubmitEnvironment)
        let mergeAgain = try cluster.sbatch(["--dependency=afterok:\(again)", "--mem=256M", "--output=\(logs)/merge-%j.out",
                                             LocalSLURMCluster.mergeScript], environment: resubmitEnvironment)
        try await cluster.waitUntilGone([again, mergeAgain], timeout: 120)
        let resumedLog = text("\(logs)/array-\(again)_1.out"), mergeLog = text("\(logs)/merge-\(mergeAgain).out")
        #expect(try cluster.jobs(again).map { $0["JobState"] } == ["COMPLETED"], "\(resumedLog)")
        #expect(resumedLog.contains("resuming"), "the resubmitted task resumes from its checkpoint: \(resumedLog)")
        #expect(try cluster.jobs(mergeAgain).first?["JobState"] == "COMPLETED", "\(mergeLog)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "checkpoint removed after success")
        try #require(FileManager.default.fileExists(atPath: merged), "\(resumedLog)\n\(mergeLog)")
        #expect(try bits(merged) == (try bits(reference)), "interrupted + resumed shards must equal the unsharded run")
        #expect(try File.open(target).attribute("shard") == .string("2/4"))
        print("SLURMTests: cancel + resubmit + merge in \(clock.now - started)")
    }
}
