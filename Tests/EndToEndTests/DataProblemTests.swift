import Foundation
import HDF5
import Testing

/// Problems confined to some variables (failed pairs, exit 3) and unusable variable
/// definitions or option values (refused before any work), with the built binary.
@Suite struct DataProblemTests {
    @Test func constantAndTiedColumnsFailTheirPairsAndTheRunCompletes() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        var values = try writeCorrelatedPairs(to: input, samples: 200, rhos: [0.8, 0.4, 0.1], seed: 9)
        for row in 0..<200 {
            values[row * 6 + 2] = 4.25                          // constant
            values[row * 6 + 5] = row % 10 < 7 ? 0 : Double(row)  // 70 % tied at 0 (its median)
        }
        try File.create(input, overwrite: true).createDataset("/data", type: .float64, shape: [200, 6]).write(values)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--normalization", "robust", "--quiet"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("variable 'v2'") && result.stderr.contains("variable 'v5'") && result.stderr.contains("zero spread"),
                "\(result.stderr)")
        let file = try File.open(output)
        let status = try file.dataset("/status").readBytes()
        let mi = try file.dataset("/mi").readAll()
        for i in 0..<6 {
            for j in 0..<6 where i != j {
                let failed = [2, 5].contains(i) || [2, 5].contains(j)
                #expect(status[i * 6 + j] == (failed ? 2 : 1), "status of (\(i), \(j))")
                #expect(mi[i * 6 + j].isNaN == failed, "value of (\(i), \(j))")
            }
        }
        // 9 failed pairs (each counted once), all for the same reason.
        #expect(try file.dataset("/status").attribute("failure_reasons") == .string("{\"constant variable\": 9}"))
        // Tied but not constant: global-linf normalizes it, only the constant column fails.
        let linf = dir.appendingPathComponent("linf.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", linf, "--quiet"]).status == 3)
        #expect(try File.open(linf).dataset("/status").attribute("failure_reasons") == .string("{\"constant variable\": 5}"))
        // Every pair fine: no attribute.
        let fine = dir.appendingPathComponent("fine.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "--variables", "A=0:2,B=3:5", "-o", fine, "--quiet"]).status == 0)
        #expect(try File.open(fine).dataset("/status").attribute("failure_reasons") == nil)
    }

    /// An estimate that comes out NaN (MINE trained with an absurd learning rate diverges)
    /// marks its pair failed with the reason recorded; the run completes with status 3.
    @Test func nanEstimatesAreFailedPairsWithTheirReason() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 300, rhos: [0.8, 0.4], seed: 5)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "--variables", "A=0:1,B=1:2,C=2:3", "-o", output,
                                     "--estimator", "mine", "--mine-lr", "1e30", "--mine-steps", "200", "--quiet"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("estimate is NaN"), "\(result.stderr)")
        let file = try File.open(output)
        let status = try file.dataset("/status").readBytes()
        #expect(status == [0, 2, 2, 2, 0, 2, 2, 2, 0])
        #expect(try file.dataset("/mi").readAll().allSatisfy(\.isNaN))
        #expect(try file.dataset("/status").attribute("failure_reasons") == .string("{\"estimate is NaN\": 3}"))
    }

    @Test func badVariableDefinitions() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 50, rhos: [0.5, 0.5], seed: 2)
        try runPython("""
            import sys, h5py
            with h5py.File(sys.argv[1], "a") as f:
                f["three"] = [b"a", b"b", b"c"]
                f["dups"] = [b"a", b"b", b"a", b"c"]
                f["data"].attrs["names"] = ["x", "y", "x", "z"]
            """, [input])
        let output = dir.appendingPathComponent("out.h5").path
        let base = ["run", input, "--dataset", "/data", "-o", output]
        try expectRefused(base + ["--names", "/three"], output: output, status: 65, mentions: [input, "/three", "3 names for 4 variables"])
        try expectRefused(base + ["--names", "/dups"], output: output, status: 65,
                          mentions: [input, "/dups", "duplicate name 'a' at positions 0 and 2"])
        try expectRefused(base, output: output, status: 65, mentions: [input, "attribute 'names'", "duplicate name 'x'"])
        try expectRefused(base + ["--names", "/data"], output: output, status: 65, mentions: [input, "/data", "expected a 1-D dataset"])
        try expectRefused(base + ["--variables", "A=0:2,B=2:2"], output: output, status: 64, mentions: ["'B=2:2'", "empty or reversed"])
        try expectRefused(base + ["--variables", "A=3:1"], output: output, status: 64, mentions: ["'A=3:1'", "empty or reversed"])
        try expectRefused(base + ["--variables", "A=0:3,B=2:4"], output: output, status: 64, mentions: ["'A' (0:3)", "'B' (2:4)", "overlap"])
        try expectRefused(base + ["--variables", "A=0:2,A=2:4"], output: output, status: 64, mentions: ["duplicate variable name 'A'"])
        try expectRefused(base + ["--variables", "A=0:2,B=2:9"], output: output, status: 64, mentions: ["'B' = 2:9", "exceeds the 4 variables"])
        try expectRefused(base + ["--variables", " , "], output: output, status: 64, mentions: ["no variables"])
        try expectRefused(["run", input, "--var", "/data", "--var", "/data", "-o", output], output: output, status: 64,
                          mentions: ["--var /data is given twice"])
    }

    /// A (sparse, or damaged) header claiming a billion columns is refused at once, before
    /// one name per column is made.
    @Test func aBillionColumnsAreRefusedBeforeAnyWork() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("wide.h5").path
        _ = try File.create(input).createDataset("/data", type: .float64, shape: [2, 1_000_000_000],
                                                  layout: DatasetLayout(chunks: [1, 1000]))
        let output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", input, "--dataset", "/data", "-o", output, "--memory", "1G"], output: output, status: 64,
                          mentions: ["--memory 1.0 GiB is too small", "1000000000 variables"])
    }

    @Test func optionValuesAreValidatedBeforeAnyWork() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 20, rhos: [0.5], seed: 2)
        let output = dir.appendingPathComponent("out.h5").path
        let base = ["run", input, "--dataset", "/data", "-o", output]
        let cases: [([String], [String])] = [
            (["--k", "0"], ["--k must be at least 1 (got 0)"]),
            (["--k=-2"], ["--k must be at least 1 (got -2)"]),
            (["--bins", "1"], ["--bins must be at least 2 (got 1)"]),
            (["--threads", "0"], ["--threads must be at least 1 (got 0)"]),
            (["--memory", "1K"], ["--memory 1K is too small: the minimum is 1M"]),
            (["--memory", "lots"], ["--memory: 'lots' is not a size"]),
            (["--shard", "5/4"], ["--shard: '5/4' is not I/N with 1 ≤ I ≤ N"]),
            (["--shard", "0/4"], ["--shard: '0/4'", "numbered from 1"]),
            (["--nan", "ignore"], ["--nan", "error", "drop-rows", "pairwise"]),
            (["--checkpoint-interval", "0"], ["--checkpoint-interval must be positive"]),
        ]
        for (extra, mentions) in cases {
            let result = try runMibatch(base + extra)
            #expect(result.status == 64, "\(extra): \(result.stderr)")
            for text in mentions { #expect(result.stderr.contains(text), "\(extra): '\(text)' not in \(result.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        // k ≥ n is known only from the input: a data error naming the sample count.
        try expectRefused(base + ["--k", "20"], output: output, status: 65, mentions: [input, "/data", "20 samples", "at least 21"])
        try expectRefused(base + ["--k", "25"], output: output, status: 65, mentions: [input, "20 samples", "at least 26"])
    }
}
