import Foundation
import HDF5
import Testing

/// The multi-dimensional options of issue 20 (`whiten-robust`, `--ksg-correction lnc`, and
/// `whiten`) give the same bits for any thread count and shard split, like every estimator.
@Suite struct MultiDimensionalDeterminismTests {
    @Test(arguments: [["--normalization", "whiten-robust"], ["--normalization", "whiten", "--ksg-correction", "lnc", "--k", "7", "--lnc-alpha", "0.05"]])
    func sameBitsForThreadsAndShards(_ options: [String]) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        // Six correlated column pairs (0, 1), (2, 3), ... in four groups of three columns, so
        // neighbouring groups share a correlated pair; every pair has a joint dimension of 6.
        try writeCorrelatedPairs(to: input, samples: 600, rhos: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], seed: 20)
        let variables = "A=0:3,B=3:6,C=6:9,D=9:12"
        var reference: [UInt64]? = nil
        for threads in ["1", "2"] {
            let output = dir.appendingPathComponent("t\(threads).h5").path
            let result = try runMibatch(["run", input, "--dataset", "/data", "--variables", variables, "--threads", threads, "-o", output, "--quiet"] + options)
            #expect(result.status == 0, "\(result.stderr)")
            let bits = try miBits(output)
            let values = try File.open(output).dataset("/mi").readAll()
            #expect(values.filter { $0.isFinite }.count == 12, "every off-diagonal pair computed: \(values)")
            if let reference { #expect(bits == reference, "--threads \(threads) changed the bits") } else { reference = bits }
        }
        for index in 1...2 {
            let result = try runMibatch(["run", input, "--dataset", "/data", "--variables", variables, "--shard", "\(index)/2",
                                         "-o", dir.path + "/", "--quiet"] + options)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        let merge = try runMibatch(["merge", dir.path + "/shard-0001-of-0002.h5", dir.path + "/shard-0002-of-0002.h5", "-o", merged, "--quiet"])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try miBits(merged) == reference, "two shards merged gave other bits")
    }
}
