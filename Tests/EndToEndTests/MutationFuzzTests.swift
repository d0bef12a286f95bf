import Foundation
import HDF5
import Testing

/// Randomized mutation testing of the input-validation layer: bytes of a small valid HDF5
/// input are overwritten (seeded), and the built binary runs on each mutant in its own
/// process. Every run must end with a documented exit status — never a signal, never a
/// hang — and a refused run must leave no file under the output name.
///
/// The suite runs 40 mutants. Longer runs:
/// `MIBATCH_FUZZ_ITERATIONS=5000 MIBATCH_FUZZ_SEED=7 swift test --filter MutationFuzzTests`.
/// A failure names the seed and mutant number; `MIBATCH_FUZZ_KEEP=DIR` keeps the mutants
/// that failed there.
///
/// libhdf5 1.10 itself crashes or loops forever on some damaged files (a corrupted global
/// heap of variable-length strings: h5dump crashes on the same files). mibatch turns such a
/// crash inside a libhdf5 call into status 74 (Sources/HDF5/CrashGuard.swift); it cannot
/// stop a loop. A mutant on which mibatch is killed by a signal or hangs is recorded as a
/// known HDF5 limitation (with its seed) only when `h5dump` also crashes or hangs on it;
/// otherwise it is a failure.
@Suite struct MutationFuzzTests {
    /// Statuses a run may end with on arbitrary input (mibatch(1), EXIT STATUS). 64 is the
    /// memory-budget refusal: a mutated chunked shape can claim terabytes.
    static let documented: Set<Int32> = [0, 3, 64, 65, 66, 74]

    /// Whether HDF5's own h5dump also crashes or hangs on one of `objects` of `path` (each
    /// dumped alone; the oracle for "a libhdf5 limitation"); false without h5dump.
    func h5dumpAlsoFails(_ path: String, objects: [String]) -> Bool {
        let h5dump = URL(fileURLWithPath: "/usr/bin/h5dump")
        guard FileManager.default.isExecutableFile(atPath: h5dump.path) else { return false }
        return objects.contains { object in
            guard let result = try? run(h5dump, ["-d", object, path]) else { return false }
            return result.signalled || result.hung
        }
    }

    /// Two small datasets (contiguous, and chunked with shuffle + deflate) and a names list.
    func makeInput(_ path: String) throws {
        var random = TestRandom(seed: 3)
        let values = (0..<(60 * 4)).map { _ in random.normal() }
        let file = try File.create(path, overwrite: true)
        try file.createDataset("/data", type: .float64, shape: [60, 4]).write(values)
        try file.createDataset("/packed", type: .float64, shape: [60, 4],
                               layout: DatasetLayout(chunks: [16, 4], shuffle: true, deflateLevel: 4, fillValue: nil)).write(values)
        _ = try file.createStringDataset("/names", values: ["a", "b", "c", "d"])
    }

    /// Runs `executable` (default: mibatch) with `arguments`, killing it after `limit` seconds.
    func run(_ executable: URL = mibatchExecutable, _ arguments: [String],
             limit: Double = 20) throws -> (status: Int32, signalled: Bool, hung: Bool) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try launch(process)
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, hung)
    }

    @Test func mutantsEndWithADocumentedStatus() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["MIBATCH_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 40
        let seed = environment["MIBATCH_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_129
        let keep = environment["MIBATCH_FUZZ_KEEP"]
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = dir.appendingPathComponent("original.h5").path
        try makeInput(original)
        let pristine = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        var random = TestRandom(seed: seed)
        var outcomes: [Int32: Int] = [:]
        for iteration in 0..<iterations {
            // 1–4 runs of 1–8 bytes, random values or single bit flips, anywhere in the file.
            var bytes = pristine
            for _ in 0...(Int(random.nextUInt64() % 4)) {
                let start = Int(random.nextUInt64() % UInt64(bytes.count))
                let length = 1 + Int(random.nextUInt64() % 8)
                for index in start..<min(bytes.count, start + length) {
                    bytes[index] = random.nextUInt64() % 2 == 0 ? UInt8(truncatingIfNeeded: random.nextUInt64())
                                                                : bytes[index] ^ (1 << UInt8(random.nextUInt64() % 8))
                }
            }
            let mutant = dir.appendingPathComponent("mutant.h5").path
            try Data(bytes).write(to: URL(fileURLWithPath: mutant))
            let dataset = iteration % 2 == 0 ? "/data" : "/packed"
            let output = dir.appendingPathComponent("out.h5").path
            let names = iteration % 3 == 0 ? ["--names", "/names"] : []
            let result = try run(mibatchExecutable, ["run", mutant, "--dataset", dataset, "-o", output, "--threads", "1"] + names)
            let label = "seed \(seed), mutant \(iteration) (\(dataset))"
            if (result.signalled || result.hung) && h5dumpAlsoFails(mutant, objects: [dataset] + (names.isEmpty ? [] : ["/names"])) {
                withKnownIssue("libhdf5 limitation: h5dump also crashes or hangs on \(label)") {
                    Issue.record("mibatch \(result.hung ? "hung" : "was killed by signal \(result.status)") on \(label), as does h5dump")
                }
                if let keep {
                    try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                    try? Data(bytes).write(to: URL(fileURLWithPath: keep).appendingPathComponent("hdf5-limitation-\(seed)-\(iteration).h5"))
                }
                outcomes[-2, default: 0] += 1
                try? FileManager.default.removeItem(atPath: output)
                try? FileManager.default.removeItem(atPath: output + ".ckpt")
                continue
            }
            let ok = !result.signalled && !result.hung && Self.documented.contains(result.status)
            #expect(!result.signalled, "\(label): killed by signal \(result.status)")
            #expect(!result.hung, "\(label): did not finish")
            #expect(result.signalled || result.hung || Self.documented.contains(result.status), "\(label): undocumented status \(result.status)")
            if [0, 3].contains(result.status) && !result.signalled {
                // Written: it must be a complete, readable result.
                #expect(try File.open(output).dataset("/mi").shape == [4, 4], "\(label)")
            } else {
                #expect(!FileManager.default.fileExists(atPath: output), "\(label): refused but an output exists")
            }
            let stale = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".tmp") } ?? []
            #expect(stale.isEmpty, "\(label): temporary files left: \(stale)")
            if !ok, let keep {
                try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                try? Data(bytes).write(to: URL(fileURLWithPath: keep).appendingPathComponent("mutant-\(seed)-\(iteration).h5"))
            }
            outcomes[result.signalled ? -1 : result.status, default: 0] += 1
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(atPath: output + ".ckpt")
        }
        // The mutations must exercise refusals, not only harmless bytes.
        #expect(outcomes.keys.contains { $0 > 3 }, "outcomes: \(outcomes)")
        print("mutation fuzz, seed \(seed), \(iterations) mutants: outcomes by status (-1 signal, -2 known libhdf5 limitation): \(outcomes.sorted { $0.key < $1.key })")
    }
}
