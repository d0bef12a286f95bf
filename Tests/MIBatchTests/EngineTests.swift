import Foundation
import HDF5
@testable import MIBatch
import MIEstimators
import Testing

@Suite struct SHA256Tests {
    func hex(_ text: String) -> String {
        var hasher = SHA256()
        hasher.update(text)
        return hasher.finalize()
    }

    @Test func knownVectors() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkingDoesNotChangeTheDigest() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var whole = SHA256()
        bytes.withUnsafeBytes { whole.update($0) }
        var pieces = SHA256()
        var start = 0
        for size in [1, 63, 64, 65, 7, 300, 500] where start < bytes.count {
            let end = min(bytes.count, start + size)
            bytes[start..<end].withUnsafeBytes { pieces.update($0) }
            start = end
        }
        #expect(whole.finalize() == pieces.finalize())
    }
}

@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3, 8])
    func everyTaskRunsExactlyOnce(threads: Int) {
        let count = 10_000
        let hits = SharedBuffer<Int>(repeating: 0, count: count)
        WorkerPool.run(threads: threads, count: count) { index in hits[index] += 1 }
        #expect(hits.array.allSatisfy { $0 == 1 })
    }

    @Test func zeroTasksReturnImmediately() {
        WorkerPool.run(threads: 4, count: 0) { _ in Issue.record("no task should run") }
    }
}

@Suite struct ProvenanceTests {
    @Test func shellQuotingRoundTripsThroughASh() throws {
        let arguments = ["mibatch", "run", "a b.h5", "--names", "it's", "-o", "/tmp/x.h5", ""]
        let quoted = arguments.map(Provenance.shellQuoted).joined(separator: " ")
        #expect(quoted == "mibatch run 'a b.h5' --names 'it'\\''s' -o /tmp/x.h5 ''")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "for a in \(quoted); do printf '%s\\n' \"[$a]\"; done"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(lines.map(String.init) == arguments.map { "[\($0)]" })
    }

    @Test func timestampsAreUTCISO8601() {
        #expect(Provenance.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test func configurationJSONIsStableAndComplete() throws {
        var configuration = RunConfiguration(input: "in.h5", dataset: "/d", output: "out.h5")
        configuration.k = 5
        let json = configuration.json
        #expect(json == configuration.json)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        for key in ["input", "dataset", "output", "estimator", "k", "ksgAlgorithm", "normalization", "bins",
                    "units", "seed", "threads", "transpose", "force"] {
            #expect(object?[key] != nil, "configuration JSON lacks \(key)")
        }
    }
}

@Suite struct LoaderAndRunnerTests {
    func makeInput(_ values: [Double], rows: Int, columns: Int, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("in-\(UUID().uuidString).h5").path
        let file = try File.create(path)
        try file.createDataset("/x", type: .float64, shape: [rows, columns]).write(values)
        return path
    }

    @Test func loaderReadsColumnsAcrossBlocksAndDigestsTheData() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = InputLoader.rowBlock + 17, columns = 3
        let values = (0..<(rows * columns)).map { Double($0 % 101) * 0.25 + Double($0) * 1e-6 }
        let path = try makeInput(values, rows: rows, columns: columns, in: dir)
        let loaded = try InputLoader.load(RunConfiguration(input: path, dataset: "/x", output: "unused.h5"))
        #expect(loaded.samples == rows)
        #expect(loaded.variables.count == columns)
        for j in 0..<columns {
            #expect(loaded.variables[j].data.values == (0..<rows).map { values[$0 * columns + j] })
        }
        var hasher = SHA256()
        values.withUnsafeBytes { hasher.update($0) }
        #expect(loaded.digest == "sha256:" + hasher.finalize())
        var changed = values
        changed[rows * columns - 1] += 1
        let other = try InputLoader.load(RunConfiguration(input: try makeInput(changed, rows: rows, columns: columns, in: dir),
                                                          dataset: "/x", output: "unused.h5"))
        #expect(other.digest != loaded.digest)
    }

    @Test func constantVariableFailsOnlyItsPairs() throws {
        let n = 200
        var random = SystemRandomNumberGenerator()
        let a = (0..<n).map { _ in Double.random(in: 0..<1, using: &random) }
        let b = a.map { $0 * 2 + Double.random(in: 0..<0.1, using: &random) }
        let constant = [Double](repeating: 4, count: n)
        let input = LoadedInput(
            variables: [("a", a), ("c", constant), ("b", b)].map {
                InputVariable(name: $0.0, data: VariableData(count: n, dimension: 1, values: $0.1))
            },
            samples: n, datasets: [DatasetDescription(path: "/x", shape: [n, 3], dtype: "float64")], digest: "sha256:x")
        var configuration = RunConfiguration(input: "i", dataset: "/x", output: "o")
        configuration.threads = 2
        let result = Runner.compute(input, plan: .allPairs(3), configuration: configuration)
        #expect(result.failedPairs == 2)
        #expect(result.computedPairs == 1)
        #expect(result.warnings.contains { $0.contains("'c'") })
        let m = result.matrix
        #expect(m[0, 1].isNaN && m[1, 2].isNaN && m[1, 0].isNaN)
        #expect(m[0, 2].isFinite && m[0, 2] > 1)
        #expect(m.status == [0, 2, 1, 2, 0, 2, 1, 2, 0])
    }
}
