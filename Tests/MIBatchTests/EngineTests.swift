import Foundation
import HDF5
@testable import MIBatch
import MIEstimators
import Testing

@Suite struct SHA256Tests {
    func hex(_ text: String) -> String {
        var hasher = SHA256Hasher()
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
        var whole = SHA256Hasher()
        bytes.withUnsafeBytes { whole.update($0) }
        var pieces = SHA256Hasher()
        var start = 0
        for size in [1, 63, 64, 65, 7, 300, 500] where start < bytes.count {
            let end = min(bytes.count, start + size)
            bytes[start..<end].withUnsafeBytes { pieces.update($0) }
            start = end
        }
        #expect(whole.finalize() == pieces.finalize())
    }
}

@Suite struct CellListTests {
    /// The stored list `PairPlan.cells` used to be: row-major, i < j when symmetric, no
    /// variable paired with itself.
    func enumerated(_ plan: PairPlan) -> [[Int]] {
        var list: [[Int]] = []
        for r in plan.rows.indices {
            for c in plan.columns.indices where !(plan.isSymmetric ? c <= r : plan.rows[r] == plan.columns[c]) {
                list.append([r, c])
            }
        }
        return list
    }

    @Test func computedCellsMatchTheEnumeration() throws {
        var plans: [PairPlan] = (0...6).map { PairPlan.allPairs($0) }
        plans.append(PairPlan(rows: [0, 1, 2], columns: [3, 4], isSymmetric: false))
        plans.append(PairPlan(rows: [0, 1, 2, 3], columns: [2, 0, 5], isSymmetric: false))
        plans.append(PairPlan(rows: [4], columns: [4], isSymmetric: false))
        plans.append(PairPlan(rows: [1, 2, 3], columns: [1, 2, 3], isSymmetric: false))
        plans.append(PairPlan(rows: [], columns: [1], isSymmetric: false))
        for plan in plans {
            let cells = plan.cells
            #expect(cells.map { [$0.row, $0.column] } == enumerated(plan), "\(plan)")
            #expect(cells.count == enumerated(plan).count)
        }
    }
}

@Suite struct TileCellsTests {
    @Test func runsHoldExactlyTheAppendedIndices() {
        let lists: [[Int]] = [[], [0], [5], [0, 1, 2], [3, 4, 7, 8, 9, 20, 22], Array(10..<40) + Array(50..<51)]
        for list in lists {
            let cells = TileCells(list)
            #expect(Array(cells) == list)
            #expect(cells.count == list.count)
            #expect(cells.indices.map { cells[$0] } == list)
            #expect(cells == TileCells(list))
        }
        #expect(TileCells([1, 2]) != TileCells([1, 3]))
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
        try ChildProcesses.spawning { try process.run() }
        process.waitUntilExit()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(lines.map(String.init) == arguments.map { "[\($0)]" })
    }

    @Test func timestampsAreUTCISO8601() {
        #expect(Provenance.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test func configurationJSONIsStableAndComplete() throws {
        func make(k: Int) -> RunConfiguration {
            var configuration = RunConfiguration(input: "in.h5", dataset: "/d", output: "out.h5")
            configuration.estimator = .ksg(KSG.Settings(k: k))
            return configuration
        }
        // Two values built separately give the same bytes (it goes into result keys and
        // checkpoints); one option differing changes them.
        let json = make(k: 5).json
        #expect(json == make(k: 5).json)
        #expect(json != make(k: 6).json)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        for key in ["input", "dataset", "output", "estimator", "k", "ksgAlgorithm", "normalization", "ties",
                    "discreteCorrection", "units", "seed", "threads", "transpose", "force"] {
            #expect(object?[key] != nil, "configuration JSON lacks \(key)")
        }
        // A setting added later is left out at its default, so older checkpoints and shards still match.
        #expect(object?["ksgCorrection"] == nil, "ksgCorrection none must not be encoded")
        // Only the running estimator's settings are recorded.
        for key in ["bins", "biasCorrection", "mine"] { #expect(object?[key] == nil, "KSG configuration holds \(key)") }
    }
}

@Suite struct LoaderAndRunnerTests {
    func makeInput(_ values: [Double], rows: Int, columns: Int, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("in-\(UUID().uuidString).h5").path
        let file = try File.create(path)
        try file.createDataset("/x", type: .float64, shape: [rows, columns]).write(values)
        return path
    }

    @Test(arguments: [nil, [5, 3], [40, 1], [1000, 3]] as [[Int]?])
    func readerScansAndLoadsAcrossBandsForEveryLayout(chunks: [Int]?) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = 1000, columns = 3
        let values = (0..<(rows * columns)).map { Double($0 % 101) * 0.25 + Double($0) * 1e-6 }
        let path = dir.appendingPathComponent("in.h5").path
        do {
            let file = try File.create(path)
            try file.createDataset("/x", type: .float64, shape: [rows, columns],
                                   layout: DatasetLayout(chunks: chunks, shuffle: chunks != nil, deflateLevel: chunks == nil ? nil : 1)).write(values)
        }
        let reader = try DenseHDF5Source(RunConfiguration(input: path, dataset: "/x", output: "unused.h5"))
        #expect(reader.catalog.datasets[0].chunks == chunks)
        let band = 24 * 37   // 37 rows a band: many unaligned bands
        let scan = try reader.scan(retaining: [0, 1, 2], bandBytes: band)
        for j in 0..<columns {
            #expect(scan.variables?[j]?.values == (0..<rows).map { values[$0 * columns + j] })
        }
        let loaded = try reader.load([2, 0], bandBytes: band)
        #expect(loaded[2]?.values == (0..<rows).map { values[$0 * columns + 2] })
        #expect(loaded[0]?.values == scan.variables?[0]?.values)
        #expect(scan.digest == Self.layoutFreeDigest(columns: (0..<columns).map { j in (0..<rows).map { values[$0 * columns + j] } }))
        #expect(try reader.scan(retaining: [], bandBytes: band).digest == scan.digest)
    }

    /// SHA-256 over the hex SHA-256 of each variables-axis position's samples.
    static func layoutFreeDigest(columns: [[Double]]) -> String {
        var combined = SHA256Hasher()
        for column in columns {
            var hasher = SHA256Hasher()
            column.withUnsafeBytes { hasher.update($0) }
            combined.update(hasher.finalize())
        }
        return "sha256:" + combined.finalize()
    }

    @Test func digestIsTheSameForEveryStorageLayoutAndTransposition() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = 300, columns = 7
        let values = (0..<(rows * columns)).map { sin(Double($0)) }
        var transposed = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows { for j in 0..<columns { transposed[j * rows + i] = values[i * columns + j] } }
        let path = dir.appendingPathComponent("layouts.h5").path
        do {
            let file = try File.create(path)
            try file.createDataset("/flat", type: .float64, shape: [rows, columns]).write(values)
            try file.createDataset("/rows", type: .float64, shape: [rows, columns], layout: DatasetLayout(chunks: [16, columns])).write(values)
            try file.createDataset("/cols", type: .float64, shape: [rows, columns],
                                   layout: DatasetLayout(chunks: [rows, 2], shuffle: true, deflateLevel: 2)).write(values)
            try file.createDataset("/tiles", type: .float64, shape: [rows, columns], layout: DatasetLayout(chunks: [50, 3])).write(values)
            try file.createDataset("/t", type: .float64, shape: [columns, rows], layout: DatasetLayout(chunks: [2, 64])).write(transposed)
        }
        var digests = Set<String>()
        for (dataset, transpose) in [("/flat", false), ("/rows", false), ("/cols", false), ("/tiles", false), ("/t", true)] {
            var configuration = RunConfiguration(input: path, dataset: dataset, output: "unused.h5")
            configuration.transpose = transpose
            let reader = try DenseHDF5Source(configuration)
            let band = 8 * 120   // small blocks: many strips and bands
            let scan = try reader.scan(retaining: Set(0..<columns), bandBytes: band)
            digests.insert(scan.digest)
            for j in 0..<columns { #expect(scan.variables?[j]?.values == (0..<rows).map { values[$0 * columns + j] }, "\(dataset) column \(j)") }
            let loaded = try reader.load([1, 5], bandBytes: band)
            #expect(loaded[5]?.values == (0..<rows).map { values[$0 * columns + 5] }, "\(dataset) load")
        }
        #expect(digests.count == 1, "digests differ across layouts: \(digests)")
        #expect(DenseHDF5Source.aligned(3..<20, step: 8, unit: 4) == [3..<8, 8..<16, 16..<20])
        #expect(DenseHDF5Source.aligned(0..<10, step: 3, unit: 4) == [0..<4, 4..<8, 8..<10])
    }

    @Test func transposedGroupsAreAssembledRowMajor() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = 50, stored = 5   // stored variables × samples
        let values = (0..<(samples * stored)).map(Double.init)
        let path = dir.appendingPathComponent("t.h5").path
        try File.create(path).createDataset("/t", type: .float64, shape: [stored, samples]).write(values)
        var configuration = RunConfiguration(input: path, dataset: "/t", output: "unused.h5")
        configuration.transpose = true
        configuration.variables = .groups([ColumnGroup(name: "A", lower: 1, upper: 3), ColumnGroup(name: "B", lower: 4, upper: 5)])
        let source = try DenseHDF5Source(configuration)
        #expect(source.catalog.samples == samples)
        let loaded = try source.load([0, 1], bandBytes: 8 * samples)
        let a = try #require(loaded[0])
        #expect(a.dimension == 2)
        for i in 0..<samples {
            #expect(a.values[i * 2] == values[1 * samples + i] && a.values[i * 2 + 1] == values[2 * samples + i])
        }
        #expect(loaded[1]?.values == (0..<samples).map { values[4 * samples + $0] })
    }

    @Test func constantVariableFailsOnlyItsPairs() throws {
        let n = 200
        var random = SystemRandomNumberGenerator()
        let a = (0..<n).map { _ in Double.random(in: 0..<1, using: &random) }
        let b = a.map { $0 * 2 + Double.random(in: 0..<0.1, using: &random) }
        let constant = [Double](repeating: 4, count: n)
        var configuration = RunConfiguration(input: "i", dataset: "/x", output: "o")
        configuration.threads = 2
        let result = try EngineHarness.run([("a", a), ("c", constant), ("b", b)], configuration: configuration)
        #expect(result.failedCells == 2)
        #expect(result.doneCells - result.failedCells == 1)
        #expect(result.warnings.contains { $0.contains("'c'") }, "\(result.warnings)")
        let m = result.matrix
        #expect(m[0, 1].isNaN && m[1, 2].isNaN && m[1, 0].isNaN)
        #expect(m[0, 2].isFinite && m[0, 2] > 1)
        #expect(m.status == [0, 2, 1, 2, 0, 2, 1, 2, 0])
    }
}

@Suite struct OutputPreflightTests {
    @Test func aLinkToTheInputIsTheInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let copy = dir.appendingPathComponent("copy.h5").path
        let link = dir.appendingPathComponent("link.h5").path
        try Data("same bytes".utf8).write(to: URL(fileURLWithPath: input))
        try Data("same bytes".utf8).write(to: URL(fileURLWithPath: copy))
        try FileManager.default.linkItem(atPath: input, toPath: link)
        #expect(OutputWriter.isSameFile(link, input))
        #expect(!OutputWriter.isSameFile(copy, input), "equal contents are not the same file")
        #expect(!OutputWriter.isSameFile(dir.appendingPathComponent("absent.h5").path, input))
        var configuration = RunConfiguration(input: input, dataset: "/x", output: link)
        configuration.force = true
        #expect(throws: MIBatchError.outputIsInput(path: link)) { try OutputWriter.preflight(configuration) }
    }
}
