import Foundation
import HDF5
import Testing

/// Each estimator's options are its own: the result key, checkpoints and `merge` compare only
/// the settings of the estimator that ran, and options given for another estimator are named
/// in a warning (issue 15's merge/rerun bug).
@Suite struct EstimatorOptionTests {
    @Test func kSGShardsThatDifferOnlyInBinnedOptionsMerge() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 300, rhos: [0.2, 0.6, 0.9], seed: 5)
        let whole = dir.appendingPathComponent("whole.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", whole, "--quiet"]).status == 0)
        let shards = dir.appendingPathComponent("s-{shard}.h5").path
        let first = dir.appendingPathComponent("s-0001-of-0002.h5").path, second = dir.appendingPathComponent("s-0002-of-0002.h5").path
        let a = try runMibatch(["run", input, "--dataset", "/data", "-o", shards, "--shard", "1/2", "--bins", "10", "--quiet"])
        let b = try runMibatch(["run", input, "--dataset", "/data", "-o", shards, "--shard", "2/2", "--bins", "20",
                                "--mine-steps", "500", "--quiet"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(a.stderr.contains("warning: --bins does not apply to --estimator ksg; ignored"), "\(a.stderr)")
        #expect(b.stderr.contains("--bins does not apply") && b.stderr.contains("--mine-steps does not apply"), "\(b.stderr)")
        let merged = dir.appendingPathComponent("merged.h5").path
        let merge = try runMibatch(["merge", first, second, "-o", merged])
        #expect(merge.status == 0, "options of binned and MINE must not make KSG shards differ: \(merge.stderr)")
        #expect(try File.open(merged).dataset("/mi").readAll().map(\.bitPattern)
                == File.open(whole).dataset("/mi").readAll().map(\.bitPattern))
        // An option of the estimator that ran still makes shards differ.
        let third = dir.appendingPathComponent("k4-0002-of-0002.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", dir.appendingPathComponent("k4-{shard}.h5").path,
                                "--shard", "2/2", "--k", "4", "--quiet"]).status == 0)
        let refused = try runMibatch(["merge", first, third, "-o", merged, "--force"])
        #expect(refused.status == 65 && refused.stderr.contains("k was 3, now 4"), "\(refused.stderr)")
    }

    @Test func aBinnedRerunWithAnIgnoredNormalizationIsRecognisedAsDone() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 300, rhos: [0.5, 0.8], seed: 6)
        let output = dir.appendingPathComponent("out.h5").path
        let base = ["run", input, "--dataset", "/data", "-o", output, "--estimator", "binned", "--bins", "6"]
        #expect(try runMibatch(base + ["--quiet"]).status == 0)
        let rerun = try runMibatch(base + ["--normalization", "none", "--ties", "none"])
        #expect(rerun.status == 0, "binned ignores --normalization and --ties: \(rerun.stderr)")
        #expect(rerun.stderr.contains("already holds this result"), "\(rerun.stderr)")
        #expect(rerun.stdout.contains("already complete (6 pairs computed, 0 failed)"), "4 variables, 6 pairs: \(rerun.stdout)")
        #expect(rerun.stderr.contains("--normalization does not apply to --estimator binned"), "\(rerun.stderr)")
        // A setting binned uses is a different result.
        let other = try runMibatch(base + ["--bins", "7", "--quiet"])
        #expect(other.status == 73, "\(other.stderr)")
    }

    @Test func invalidValuesAreRefusedWhicheverEstimatorRuns() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 50, rhos: [0.5], seed: 7)
        let output = dir.appendingPathComponent("out.h5").path
        for (extra, text) in [(["--estimator", "binned", "--k", "0"], "--k must be at least 1"),
                              (["--bins", "1"], "--bins must be at least 2"),
                              (["--mine-steps", "5"], "--mine-*:")] {
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output] + extra)
            #expect(result.status == 64 && result.stderr.contains(text), "\(extra): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
