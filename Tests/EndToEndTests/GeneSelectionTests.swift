import Foundation
import HDF5
import Testing

/// `--genes`, `--min-cells`, `--top-variable` on the built binary: what is kept, in which
/// order, what the output records, and that the values are those of the full run.
@Suite struct GeneSelectionTests {
    static let n = 300, p = 8

    /// Zero-inflated counts: column c is non-zero in exactly `nonZero[c]` samples (the
    /// first ones), with values drawn so that the log1p variances differ; column 0 and 1
    /// are dependent. Returns the row-major values.
    @discardableResult
    func writeCounts(_ path: String, nan: (row: Int, column: Int)? = nil, negative: Bool = false) throws -> [Double] {
        let nonZero = [300, 280, 250, 40, 12, 5, 200, 150]
        var random = TestRandom(seed: 7)
        var data = [Double](repeating: 0, count: Self.n * Self.p)
        for i in 0..<Self.n {
            let shared = random.uniform()
            for c in 0..<Self.p where i < nonZero[c] {
                let scale = Double(c + 1) * 3
                data[i * Self.p + c] = (c <= 1 ? (shared + 0.2 * random.uniform()) : random.uniform()) * scale + 1
            }
        }
        if let nan { data[nan.row * Self.p + nan.column] = .nan }
        if negative { data[3 * Self.p + 6] = -2 }
        let file = try File.create(path, overwrite: true)
        try file.createDataset("/counts", type: .float64, shape: [Self.n, Self.p]).write(data)
        return data
    }

    func variance(ofLog1p column: [Double]) -> Double {
        let y = column.map { log1p($0) }
        let mean = y.reduce(0, +) / Double(y.count)
        return y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count - 1)
    }

    @Test func genesKeepTheListedOrderAndTheFullRunsValues() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCounts(input)
        let full = dir.appendingPathComponent("full.h5").path, some = dir.appendingPathComponent("some.h5").path
        let list = dir.appendingPathComponent("genes.txt")
        try "# chosen\nv6\n\n v1 \nv0\n".write(to: list, atomically: true, encoding: .utf8)
        let a = try runMibatch(["run", input, "--dataset", "/counts", "-o", full, "--quiet"])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try runMibatch(["run", input, "--dataset", "/counts", "--genes", list.path, "-o", some, "--quiet"])
        #expect(b.status == 0, "\(b.stderr)")
        let f = try File.open(full), s = try File.open(some)
        #expect(try s.dataset("/var_i").readStrings() == ["v6", "v1", "v0"])
        let fm = try f.dataset("/mi").readAll(), sm = try s.dataset("/mi").readAll()
        let order = [6, 1, 0]
        for (a, i) in order.enumerated() {
            for (b, j) in order.enumerated() where a != b {
                #expect(sm[a * 3 + b].bitPattern == fm[i * Self.p + j].bitPattern, "pair (v\(i), v\(j))")
            }
        }
        #expect(try s.attribute("variable_selection") == .string("--genes (3 listed): 3 of 8 kept"))
        #expect(try f.attribute("variable_selection") == .string("all 8 variables"))
        #expect(try s.attribute("input_digest") == (try f.attribute("input_digest")), "the digest covers what is stored")
    }

    @Test func unknownGenesAreAllListedAndNothingIsWritten() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCounts(input)
        let output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", input, "--dataset", "/counts", "--genes", "v1,GAPDH,V2,ACTB", "-o", output],
                          output: output, status: 64,
                          mentions: ["--genes", "3 of 4 names", "GAPDH", "ACTB", "V2 (did you mean v2?)", input])
    }

    @Test func minCellsKeepsVariablesNonZeroInEnoughSamples() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCounts(input)
        let output = dir.appendingPathComponent("out.h5").path
        let run = try runMibatch(["run", input, "--dataset", "/counts", "--min-cells", "40", "-o", output, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try File.open(output)
        #expect(try file.dataset("/var_i").readStrings() == ["v0", "v1", "v2", "v3", "v6", "v7"])
        #expect(try file.attribute("variable_selection") == .string("--min-cells 40: 6 of 8 kept"))
        try expectRefused(["run", input, "--dataset", "/counts", "--min-cells", "301", "-o", output + "2"],
                          output: output + "2", status: 64, mentions: ["--min-cells 301", "none of the 8", "300 samples"])
    }

    @Test func topVariableRanksByTheVarianceOfLog1p() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let data = try writeCounts(input)
        let variances = (0..<Self.p).map { c in variance(ofLog1p: (0..<Self.n).map { data[$0 * Self.p + c] }) }
        // After --min-cells 10 (drops v5), the 3 largest variances, kept in input order.
        let candidates = (0..<Self.p).filter { $0 != 5 }
        let expected = candidates.sorted { variances[$0] > variances[$1] }.prefix(3).sorted().map { "v\($0)" }
        #expect(Set(expected).count == 3 && variances.sorted().first! > 0)
        let output = dir.appendingPathComponent("out.h5").path
        let run = try runMibatch(["run", input, "--dataset", "/counts", "--min-cells", "10", "--top-variable", "3", "-o", output, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let file = try File.open(output)
        #expect(try file.dataset("/var_i").readStrings() == expected)
        #expect(try file.attribute("variable_selection")
                == .string("--min-cells 10: 7 of 8 kept; --top-variable 3 by the variance of log1p(x) (n-1 denominator): 3 of 7 kept"))
        let inspect = try runMibatch(["inspect", output])
        #expect(inspect.stdout.contains("selection   --min-cells 10: 7 of 8 kept; --top-variable 3"), "\(inspect.stdout)")
        let plan = try runMibatch(["plan", input, "--dataset", "/counts", "--min-cells", "10", "--top-variable", "3", "-o", output + "p"])
        #expect(plan.status == 0 && plan.stdout.contains("variable selection: --min-cells 10: 7 of 8 kept"), "\(plan.stdout)\(plan.stderr)")

        let negative = dir.appendingPathComponent("negative.h5").path
        try writeCounts(negative, negative: true)
        try expectRefused(["run", negative, "--dataset", "/counts", "--top-variable", "3", "-o", output + "n"],
                          output: output + "n", status: 64, mentions: ["log1p", "'v6'", "-2"])
    }

    /// Finiteness is a property of the run's variables: NaN in an unselected one is not an error.
    @Test func nonFiniteValuesOutsideTheSelectionDoNotMatter() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCounts(input, nan: (row: 17, column: 4))
        let output = dir.appendingPathComponent("out.h5").path
        let kept = try runMibatch(["run", input, "--dataset", "/counts", "--genes", "v0,v1,v2", "-o", output, "--quiet"])
        #expect(kept.status == 0, "\(kept.stderr)")
        try expectRefused(["run", input, "--dataset", "/counts", "--genes", "v0,v4", "-o", output + "2"],
                          output: output + "2", status: 65, mentions: ["v4", "row 17"])
    }
}
