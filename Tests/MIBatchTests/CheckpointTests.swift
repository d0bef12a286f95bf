import Foundation
@testable import MIBatch
import MIEstimators
import Testing

/// The checkpoint journal (every matrix layer and the failure reason per cell; versions 1,
/// 2 and 3) and the failure-reason summary stored on `/status`.
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
        // Version 1 predates /samples and /pvalue; once a journaled layer is neither in it nor
        // declared newer, its journals are refused like version 2's (their cells lack it).
        let v1 = Checkpoint.Layout.version1
        guard Set(MatrixLayer.journaled).isSubset(of: Set(v1.layers + v1.predates)) else {
            #expect(throws: MIBatchError.self) { try Checkpoint.load(path: path, expected: header) }
            return
        }
        let loaded = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(loaded[4] == record(4, 0.125, status: 1))
        #expect(loaded[5]?.values[.status, as: UInt8.self] == 2 && loaded[5]?.reason == FailureReason.other.rawValue)
        // Resuming appends entries of this build's layout: the journal was rewritten in it.
        let resumed = try Checkpoint(path: path, header: header, fresh: false)
        resumed.record(record(6, 0.5, status: 1, samples: 9))
        #expect(resumed.flush())
        let again = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(again.count == 3 && again[4] == loaded[4] && again[5] == loaded[5] && again[6] == record(6, 0.5, status: 1, samples: 9))
    }

    /// Every registered layer's value survives the journal, bit for bit (NaN payloads and
    /// negative integers included).
    @Test func everyLayerRoundTrips() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let journal = try Checkpoint(path: path, header: header, fresh: true)
        var entries: [CellRecord] = []
        for cell in 0..<6 {
            var values = CellValues()
            for layer in MatrixLayer.journaled { values[bits: layer] = MatrixLayerTests.bits(layer, cell * 13 + layer.rawValue) }
            entries.append(CellRecord(values: values, reason: UInt8(cell % 3), cell: cell))
        }
        entries.forEach(journal.record)
        #expect(journal.flush())
        let loaded = try #require(try Checkpoint.load(path: path, expected: header))
        #expect(entries.allSatisfy { loaded[$0.cell] == $0 })
    }

    /// The generic encoding of the version-2 layout is the version-2 journal byte for byte
    /// (the layout this build writes while the registry is `/mi`, `/status`, `/samples`).
    @Test func versionTwoEntriesAreTheDocumentedBytes() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let journal = try Checkpoint(path: path, header: header, fresh: true, layout: .version2)
        journal.record(record(5, -0.75, status: 2, samples: 70_000, reason: FailureReason.tooFewSamples.rawValue))
        #expect(journal.flush())
        var entry: [UInt8] = []
        Checkpoint.append32(&entry, 5)
        Checkpoint.append64(&entry, (-0.75).bitPattern)
        entry.append(2)
        Checkpoint.append32(&entry, 70_000)
        entry.append(FailureReason.tooFewSamples.rawValue)
        #expect(entry.count == Checkpoint.Layout.version2.entrySize && entry.count == 18)
        var count: [UInt8] = []
        Checkpoint.append32(&count, 1)
        var expected = Array("MIBATCH-CHECKPOINT 2\n".utf8) + Array(JSONValue.sortedKeysJSON(header)) + [0x0A]
        Checkpoint.append32(&expected, Checkpoint.recordMagic)
        expected += count + entry
        Checkpoint.append64(&expected, Checkpoint.fnv1a((count + entry)[...]))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        #expect(Checkpoint.Layout.current.version == (MatrixLayer.journaled == Checkpoint.Layout.version2.layers ? 2 : 3))
    }

    /// A version-3 journal names its layers in the header; one of another layout is
    /// rewritten in this build's layout when loaded, so resumed runs append matching entries.
    @Test func versionThreeJournalsNameTheirLayersAndAreRewrittenWhenLoaded() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let layout = Checkpoint.Layout(version: 3, layers: MatrixLayer.journaled.reversed())
        let journal = try Checkpoint(path: path, header: header, fresh: true, layout: layout)
        let first = record(2, 1.5, status: 1, samples: 40)
        journal.record(first)
        #expect(journal.flush())
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let names = layout.layerNames.map { "\"\($0)\"" }.joined(separator: ",")
        #expect(text.hasPrefix("MIBATCH-CHECKPOINT 3\n") && text.contains("\"layers\":[\(names)]"), "\(text.prefix(300))")
        #expect(try Checkpoint.load(path: path, expected: header) == [2: first])
        let rewritten = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        #expect(rewritten.hasPrefix(Checkpoint.Layout.current.magicLine))
        let resumed = try Checkpoint(path: path, header: header, fresh: false)
        let second = record(3, -2, status: 1, samples: 41)
        resumed.record(second)
        #expect(resumed.flush())
        #expect(try Checkpoint.load(path: path, expected: header) == [2: first, 3: second])
    }

    /// Journals naming a layer this build does not know, or lacking one it writes, are refused.
    @Test func journalsOfOtherLayersAreRefused() throws {
        for (layers, reason) in [(MatrixLayer.journaled.map { "\($0.name):\($0.element)" } + ["pvalue_test:float64"], "pvalue_test"),
                                 (["mi:float64", "status:uint8"], "has no /samples"), (["mi:int32", "status:uint8", "samples:int32"], "mi:int32")] {
            let path = temporaryPath()
            defer { unlink(path) }
            var written = header
            written.layers = layers
            let bytes = Array("MIBATCH-CHECKPOINT 3\n".utf8) + Array(JSONValue.sortedKeysJSON(written)) + [0x0A]
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try Checkpoint.load(path: path, expected: header)
            } throws: { error in
                guard case let .checkpointMismatch(_, text)? = error as? MIBatchError else { return false }
                return text.contains(reason)
            }
        }
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
