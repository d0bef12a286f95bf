import Foundation
import HDF5
import Testing

/// `--estimator mine` through the built binary.
@Suite struct MINECommandTests {
    @Test func mineIsDeterministicAcrossThreadsAndShardsAndRecordsItsParameters() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 1000, rhos: [0.9, 0.0], seed: 77)
        let options = ["--estimator", "mine", "--mine-steps", "300", "--mine-hidden", "16,16", "--mine-batch", "128",
                       "--seed", "5", "--quiet"]
        var matrices: [[UInt64]] = []
        for (index, extra) in [["--threads", "1"], ["--threads", "2"]].enumerated() {
            let output = dir.appendingPathComponent("m\(index).h5").path
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output] + options + extra)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            matrices.append(try File.open(output).dataset("/mi").readAll().map(\.bitPattern))
        }
        #expect(matrices[0] == matrices[1], "same seed, different thread counts: identical bits")
        for index in 1...2 {
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", dir.path + "/", "--shard", "\(index)/2"] + options)
            #expect(result.status == 0, "stderr: \(result.stderr)")
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        #expect(try runMibatch(["merge", dir.path + "/shard-0001-of-0002.h5", dir.path + "/shard-0002-of-0002.h5", "-o", merged]).status == 0)
        #expect(try File.open(merged).dataset("/mi").readAll().map(\.bitPattern) == matrices[0], "shards give the same bits")

        let mi = matrices[0].map { Double(bitPattern: $0) }
        #expect(mi[0 * 4 + 1] > 0.5, "strongly correlated pair (truth 0.83): \(mi[1])")
        #expect(abs(mi[2 * 4 + 3]) < 0.1, "independent pair: \(mi[11])")
        let different = dir.appendingPathComponent("seed6.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", different] + options.map { $0 == "5" ? "6" : $0 }).status == 0)
        #expect(try File.open(different).dataset("/mi").readAll().map(\.bitPattern) != matrices[0], "another seed, another stream")

        let file = try File.open(dir.appendingPathComponent("m0.h5").path)
        guard case let .string(configuration)? = try file.attribute("configuration"),
              case let .string(estimator)? = try file.attribute("estimator") else { Issue.record("no provenance"); return }
        #expect(estimator.hasPrefix("MINE-Global-Corrected"))
        let json = try JSONSerialization.jsonObject(with: Data(configuration.utf8)) as? [String: Any]
        let mine = json?["mine"] as? [String: Any]
        #expect(mine?["steps"] as? Int == 300)
        #expect(mine?["hidden"] as? [Int] == [16, 16])
        #expect(mine?["emaRate"] as? Double == 0.01)
        #expect(mine?["checkpoint"] as? String == "cross-validated" && mine?["holdoutFraction"] as? Double == 0.4)
        for key in ["learningRate", "beta1", "beta2", "epsilon", "batchSize", "optimizer", "holdoutFraction", "averageLast", "evaluationInterval", "checkpoint"] {
            #expect(mine?[key] != nil, "training parameter \(key) missing from the provenance")
        }
    }

    @Test func invalidMINEOptionsAreRefused() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 100, rhos: [0.5], seed: 1)
        for (option, value) in [("--mine-hidden", "0"), ("--mine-ema-rate", "2"), ("--mine-steps", "5")] {
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", dir.appendingPathComponent("o.h5").path,
                                         "--estimator", "mine", option, value])
            #expect(result.status == 64, "\(option) \(value): \(result.stderr)")
            #expect(result.stderr.contains("--mine"))
        }
    }
}
