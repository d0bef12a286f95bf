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

    @Test func recordsRoundTripWithSamplesAndReasons() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let journal = try Checkpoint(path: path, header: header, fresh: true)
        let entries = [
            CellRecord(value: 0.25, status: 1, samples: 288, reason: 0, cell: 3),
            CellRecord(value: .nan, status: 2, samples: 3, reason: FailureReason.tooFewSamples.rawValue, cell: 7),
        ]
        entries.forEach(journal.record)
        #expect(journal.flush())
        journal.record(CellRecord(value: -0.5, status: 1, samples: 9, reason: 0, cell: 9))
        #expect(journal.flush())
        let loaded = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(loaded.count == 3)
        #expect(loaded[3]?.value == 0.25 && loaded[3]?.samples == 288)
        #expect(loaded[7]?.value.isNaN == true && loaded[7]?.samples == 3 && loaded[7]?.reason == FailureReason.tooFewSamples.rawValue)
        #expect(loaded[9]?.value == -0.5)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"), "the header is staged and renamed")
    }

    @Test func aTornTailIsDroppedAndAnotherHeaderRefused() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let journal = try Checkpoint(path: path, header: header, fresh: true)
        journal.record(CellRecord(value: 1, status: 1, samples: 0, reason: 0, cell: 1))
        journal.flush()
        journal.record(CellRecord(value: 2, status: 1, samples: 0, reason: 0, cell: 2))
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
        #expect(loaded[4]?.value == 0.125 && loaded[4]?.samples == 0 && loaded[4]?.reason == 0)
        #expect(loaded[5]?.status == 2 && loaded[5]?.reason == FailureReason.other.rawValue)
    }

    /// The refusal names the first differing option with both values: scalars plainly,
    /// options set on one side only as absent, nested options as compact sorted JSON (the
    /// same text on every run and platform).
    @Test func firstDifferenceNamesTheOptionAndBothValues() {
        let base = RunConfiguration(input: "in.h5", dataset: "/d", output: "out.h5")
        var other = base
        other.estimator = .ksg(KSG.Settings(k: 4))
        #expect(RunConfiguration.firstDifference(base.resultKey, other.resultKey) == "k was 3, now 4")
        other = base
        other.jitter = 0.001
        #expect(RunConfiguration.firstDifference(base.resultKey, other.resultKey) == "jitter was absent, now 0.001")
        other = base
        other.estimator = .mine(MINE.Settings(parameters: MINE.Parameters(steps: 500)))
        var mine = base
        mine.estimator = .mine(MINE.Settings())
        let text = RunConfiguration.firstDifference(mine.resultKey, other.resultKey)
        #expect(text.hasPrefix("mine was {\"") && text.contains("\"steps\":2000") && text.contains(", now {")
                && text.contains("\"steps\":500"), "\(text)")
        #expect(text == RunConfiguration.firstDifference(mine.resultKey, other.resultKey))
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
