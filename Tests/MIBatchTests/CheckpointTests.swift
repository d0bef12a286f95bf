import Foundation
@testable import MIBatch
import MIEstimators
import Testing

/// The checkpoint journal (version 2: samples and failure reason per cell) and the
/// failure-reason summary stored on `/status`.
@Suite struct CheckpointTests {
    let header = Checkpoint.Header(resultKey: "{\"k\":3}", digest: "sha256:ab", shard: "1/1", cells: 10)

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-ckpt-\(UUID().uuidString)").path
    }

    /// A record of cell `cell` with the given /mi, /status and /samples values.
    func record(_ cell: Int, _ value: Double, status: UInt8, samples: Int32 = 0, reason: UInt8 = 0) -> CellRecord {
        var values = CellValues()
        values[.mi, as: Double.self] = value
        values[.status, as: UInt8.self] = status
        values[.samples, as: Int32.self] = samples
        return CellRecord(values: values, reason: reason, cell: cell)
    }

    @Test func recordsRoundTripWithSamplesAndReasons() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let journal = try Checkpoint(path: path, header: header, fresh: true)
        let entries = [
            record(3, 0.25, status: 1, samples: 288),
            record(7, .nan, status: 2, samples: 3, reason: FailureReason.tooFewSamples.rawValue),
        ]
        entries.forEach(journal.record)
        #expect(journal.flush())
        journal.record(record(9, -0.5, status: 1, samples: 9))
        #expect(journal.flush())
        let loaded = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(loaded.count == 3)
        #expect(loaded[3] == entries[0] && loaded[7] == entries[1])
        #expect(loaded[3]?.values[.mi, as: Double.self] == 0.25 && loaded[3]?.values[.samples, as: Int32.self] == 288)
        #expect(loaded[7]?.values[.mi, as: Double.self].isNaN == true && loaded[7]?.values[.samples, as: Int32.self] == 3
                && loaded[7]?.reason == FailureReason.tooFewSamples.rawValue)
        #expect(loaded[9]?.values[.mi, as: Double.self] == -0.5)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"), "the header is staged and renamed")
    }

    @Test func aTornTailIsDroppedAndAnotherHeaderRefused() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let journal = try Checkpoint(path: path, header: header, fresh: true)
        journal.record(record(1, 1, status: 1))
        journal.flush()
        journal.record(record(2, 2, status: 1))
        journal.flush()
        // Cut the second record short, as SIGKILL during a write would.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        truncate(path, off_t(size - 5))
        let loaded = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(Set(loaded.keys) == [1])
        var other = header
        other.digest = "sha256:cd"
        #expect(throws: MIBatchError.self) { try Checkpoint.load(path: path, expected: other) }
    }

    @Test func versionOneJournalsAreStillRead() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Array("MIBATCH-CHECKPOINT 1\n".utf8) + Array(try encoder.encode(header)) + [0x0A]
        var body: [UInt8] = []
        Checkpoint.append32(&body, 2)
        for (cell, value, status) in [(UInt32(4), 0.125, UInt8(1)), (UInt32(5), Double.nan, UInt8(2))] {
            Checkpoint.append32(&body, cell)
            Checkpoint.append64(&body, value.bitPattern)
            body.append(status)
        }
        Checkpoint.append32(&bytes, Checkpoint.recordMagic)
        bytes += body
        Checkpoint.append64(&bytes, Checkpoint.fnv1a(body[...]))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let loaded = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(loaded[4] == record(4, 0.125, status: 1))
        #expect(loaded[5]?.values[.status, as: UInt8.self] == 2 && loaded[5]?.reason == FailureReason.other.rawValue)
    }

    /// The refusal names the first differing option with both values: scalars plainly,
    /// options set on one side only as absent, nested options as compact sorted JSON (the
    /// same text on every run and platform).
    @Test func firstDifferenceNamesTheOptionAndBothValues() {
        let base = RunConfiguration(input: "in.h5", dataset: "/d", output: "out.h5")
        var other = base
        other.k = 4
        #expect(RunConfiguration.firstDifference(base.resultKey, other.resultKey) == "k was 3, now 4")
        other = base
        other.jitter = 0.001
        #expect(RunConfiguration.firstDifference(base.resultKey, other.resultKey) == "jitter was absent, now 0.001")
        other = base
        other.mine.steps = 500
        let text = RunConfiguration.firstDifference(base.resultKey, other.resultKey)
        #expect(text.hasPrefix("mine was {\"") && text.contains("\"steps\":2000") && text.contains(", now {")
                && text.contains("\"steps\":500"), "\(text)")
        #expect(text == RunConfiguration.firstDifference(base.resultKey, other.resultKey))
        #expect(RunConfiguration.firstDifference(base.resultKey, base.resultKey) == "configuration differs")
        #expect(RunConfiguration.firstDifference("not json", base.resultKey) == "configuration differs")
    }

    @Test func failureReasonSummaryRoundTripsAndAdds() {
        let text = FailureReason.summary(["too few samples": 3, "constant variable": 9])
        #expect(text == "{\"constant variable\": 9, \"too few samples\": 3}")
        #expect(FailureReason.parseSummary(text!) == ["constant variable": 9, "too few samples": 3])
        #expect(FailureReason.summary([:]) == nil)
        #expect(FailureReason(EstimationError.constantVariable) == .constantVariable)
        #expect(FailureReason(EstimationError.tooFewSamples(count: 2, required: 4)) == .tooFewSamples)
        #expect(FailureReason(EstimationError.valueRangeOverflow) == .other)
    }
}
