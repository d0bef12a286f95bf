import Foundation
import HDF5
import Testing

/// `--nan error|drop-rows|pairwise`, with the built binary.
@Suite struct NonFiniteTests {
    static let samples = 300
    static let columns = 6

    /// Correlated columns with NaN/Inf at known places; returns the row-major values.
    @discardableResult
    func makeInput(_ path: String) throws -> [Double] {
        var values = try writeCorrelatedPairs(to: path, samples: Self.samples, rhos: [0.8, 0.5, 0.2], seed: 41)
        let c = Self.columns
        values[5 * c + 1] = .nan          // row 5, column 1
        values[7 * c + 2] = .infinity     // row 7, column 2
        values[9 * c + 1] = .nan          // row 9, column 1
        values[11 * c + 4] = -.infinity   // row 11, column 4
        for row in 100..<110 { values[row * c + 3] = .nan }
        try File.create(path, overwrite: true).createDataset("/data", type: .float64, shape: [Self.samples, c]).write(values)
        return values
    }

    /// Writes the given rows of the given columns of `values` as `/data`.
    func writeSubset(_ values: [Double], rows: [Int], columns: [Int], to path: String) throws {
        var subset: [Double] = []
        for r in rows { for c in columns { subset.append(values[r * Self.columns + c]) } }
        let file = try File.create(path, overwrite: true)
        try file.createDataset("/data", type: .float64, shape: [rows.count, columns.count]).write(subset)
    }

    @Test func errorNamesTheFirstColumnVariableRowAndCount() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try makeInput(input)
        let output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 65,
                          mentions: [input, "/data", "NaN at column 1 (variable 'v1'), row 5", "14 non-finite values", "--nan drop-rows"])
        // Only the run's variables count: without columns 1..4 the input is clean.
        let clean = try runMibatch(["run", input, "--dataset", "/data", "--variables", "A=0:1,F=5:6", "-o", output, "--quiet"])
        #expect(clean.status == 0, "\(clean.stderr)")
    }

    @Test func dropRowsEqualsTheInputWithoutThoseRows() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let values = try makeInput(input)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--nan", "drop-rows"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("dropped 14 of 300 samples"), "\(result.stderr)")
        let bad = Set([5, 7, 9, 11] + Array(100..<110))
        let kept = (0..<Self.samples).filter { !bad.contains($0) }
        let reference = dir.appendingPathComponent("kept.h5").path
        try writeSubset(values, rows: kept, columns: Array(0..<Self.columns), to: reference)
        let expected = dir.appendingPathComponent("expected.h5").path
        #expect(try runMibatch(["run", reference, "--dataset", "/data", "-o", expected, "--quiet"]).status == 0)
        #expect(try miBits(output) == miBits(expected), "drop-rows must equal a run on the kept rows, bit for bit")
        let file = try File.open(output)
        #expect(try file.attribute("nan") == .string("drop-rows: 14 of 300 samples dropped, 286 used by every pair"))
        #expect(!file.contains("/samples"), "/samples is written only with --nan pairwise")
    }

    @Test func pairwiseUsesRowsFiniteInBothAndRecordsThem() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let values = try makeInput(input)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--nan", "pairwise", "--threads", "1", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try File.open(output)
        let samples = try file.dataset("/samples").readAll().map { Int($0) }
        let mi = try file.dataset("/mi").readAll()
        let badRows: [Int: Set<Int>] = [1: [5, 9], 2: [7], 3: Set(100..<110), 4: [11]]
        for i in 0..<Self.columns {
            for j in 0..<Self.columns where i != j {
                let excluded = (badRows[i] ?? []).union(badRows[j] ?? [])
                #expect(samples[i * Self.columns + j] == Self.samples - excluded.count, "samples of (\(i), \(j))")
            }
        }
        // Pair (b, d): normalization and estimate on the 288 rows finite in both, exactly.
        let rows = (0..<Self.samples).filter { !(badRows[1]!.union(badRows[3]!)).contains($0) }
        let pair = dir.appendingPathComponent("pair.h5").path, expected = dir.appendingPathComponent("expected.h5").path
        try writeSubset(values, rows: rows, columns: [1, 3], to: pair)
        #expect(try runMibatch(["run", pair, "--dataset", "/data", "-o", expected, "--quiet"]).status == 0)
        #expect(mi[1 * Self.columns + 3].bitPattern == (try File.open(expected).dataset("/mi").readAll()[1]).bitPattern)
        #expect(try file.attribute("nan") == .string("pairwise: each pair uses the samples finite in both variables; counts in /samples"))
        #expect(try file.dataset("/samples").attachedScaleName(dimension: 0) == "/var_i")

        // Same bits for any thread count and any shard split, /samples included.
        let threaded = dir.appendingPathComponent("threads.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", threaded, "--nan", "pairwise", "--threads", "3", "--quiet"]).status == 0)
        #expect(try miBits(threaded) == miBits(output))
        var shards: [String] = []
        for index in 1...3 {
            let shard = dir.appendingPathComponent("s.h5").path
            #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", shard, "--nan", "pairwise", "--shard", "\(index)/3", "--quiet"]).status == 0)
            shards.append(dir.appendingPathComponent(String(format: "s.shard-%04d-of-0003.h5", index)).path)
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        let merge = try runMibatch(["merge"] + shards + ["-o", merged])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try miBits(merged) == miBits(output))
        #expect(try File.open(merged).dataset("/samples").readAll() == (try file.dataset("/samples").readAll()))
    }

    @Test func streamedRunsGiveTheSameBitsInEveryMode() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let n = 3000, p = 40
        var random = TestRandom(seed: 23)
        var values = (0..<(n * p)).map { _ in random.normal() }
        for index in stride(from: 5, to: values.count, by: 409) { values[index] = index % 2 == 0 ? .nan : .infinity }
        try File.create(input).createDataset("/rows", type: .float64, shape: [n, p], layout: DatasetLayout(chunks: [128, p])).write(values)
        let plan = try runMibatch(["plan", input, "--dataset", "/rows", "-o", "unused.h5", "--memory", "50M"])
        #expect(plan.stdout.contains("streamed"), "50M must not hold the whole input: \(plan.stdout)")
        for mode in ["drop-rows", "pairwise"] {
            let whole = dir.appendingPathComponent("\(mode)-whole.h5").path, streamed = dir.appendingPathComponent("\(mode)-streamed.h5").path
            #expect(try runMibatch(["run", input, "--dataset", "/rows", "-o", whole, "--nan", mode, "--quiet"]).status == 0)
            #expect(try runMibatch(["run", input, "--dataset", "/rows", "-o", streamed, "--nan", mode, "--memory", "50M", "--threads", "1", "--quiet"]).status == 0)
            #expect(try miBits(whole) == miBits(streamed), "\(mode): streamed differs")
        }
    }

    @Test func pairwisePairsWithTooFewRowsFailWithAReason() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        var values = try writeCorrelatedPairs(to: input, samples: 40, rhos: [0.7, 0.3], seed: 3)
        for row in 0..<37 { values[row * 4 + 3] = .nan }   // column 3 keeps 3 finite rows: fewer than k + 1 = 4
        try File.create(input, overwrite: true).createDataset("/data", type: .float64, shape: [40, 4]).write(values)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--nan", "pairwise", "--quiet"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("too few samples: 3 rows finite in both variables"), "\(result.stderr)")
        let out = try File.open(output)
        let status = try out.dataset("/status").readBytes()
        for i in 0..<4 { for j in 0..<4 where i != j { #expect(status[i * 4 + j] == (i == 3 || j == 3 ? 2 : 1)) } }
        #expect(try out.dataset("/status").attribute("failure_reasons") == .string("{\"too few samples\": 3}"))
        #expect(try out.dataset("/mi").readAll()[0 * 4 + 1].isFinite)
        // drop-rows leaves 3 rows: refused before any work.
        try expectRefused(["run", input, "--dataset", "/data", "-o", dir.appendingPathComponent("d.h5").path, "--nan", "drop-rows"],
                          output: dir.appendingPathComponent("d.h5").path, status: 65,
                          mentions: [input, "dropped 37 rows", "leaving 3", "at least 4"])
    }
}
