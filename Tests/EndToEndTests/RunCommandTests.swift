import Foundation
import HDF5
import MIEstimators
import Testing

/// Runs the built binary and checks the output file with our own HDF5 reader.
@Suite struct RunCommandTests {
    @Test func outputHoldsTheMatrixNamesStatusAndProvenance() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        let n = 600
        let values = try writeCorrelatedPairs(to: input, samples: n, rhos: [0.9, 0.5, 0.0], seed: 7)
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--threads", "2"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains(output))
        #expect(result.stdout.contains("6 × 6"))

        let file = try File.open(output)
        let mi = try file.dataset("/mi")
        #expect(mi.shape == [6, 6])
        #expect(mi.elementType == .float(bytes: 8))
        #expect(mi.chunkShape != nil)
        #expect(mi.filters.contains("shuffle"))
        #expect(mi.filters.contains { $0.hasPrefix("deflate") })
        let matrix = try mi.readAll()
        let p = 6
        // The same numbers as the library computes directly (default: KSG-2, k = 3, global-linf).
        let ksg = KSG(k: 3, algorithm: .ksg2)
        let prepared = try (0..<p).map { j in
            let column = (0..<n).map { values[$0 * p + j] }
            return ksg.prepare(try Normalization.globalLinf.apply(to: VariableData(count: n, dimension: 1, values: column)))
        }
        for i in 0..<p {
            #expect(matrix[i * p + i].isNaN, "diagonal must be NaN")
            for j in 0..<p where j != i {
                #expect(matrix[i * p + j].bitPattern == matrix[j * p + i].bitPattern, "symmetric at (\(i), \(j))")
                #expect(matrix[i * p + j] == (try ksg.estimate(prepared[i], prepared[j])))
            }
        }
        // The correlated pair carries information; the independent pair (rho = 0) almost none.
        #expect(abs(matrix[0 * p + 1] - (-0.5 * log(1 - 0.81))) < 0.1)
        #expect(abs(matrix[4 * p + 5]) < 0.05)

        let status = try file.dataset("/status").readBytes()
        for i in 0..<p { for j in 0..<p { #expect(status[i * p + j] == (i == j ? 0 : 1)) } }
        #expect(try file.dataset("/var_i").readStrings() == (0..<p).map { "v\($0)" })
        #expect(try file.dataset("/var_j").readStrings() == (0..<p).map { "v\($0)" })
        #expect(mi.attachedScaleName(dimension: 0) == "/var_i")
        #expect(mi.attachedScaleName(dimension: 1) == "/var_j")

        let attributes = try file.attributeNames()
        for name in ["tool", "tool_version", "source_revision", "command_line", "configuration", "estimator",
                     "units", "input_file", "input_dataset", "input_shape", "input_dtype", "input_digest",
                     "start_time", "end_time", "host", "threads", "shard", "history", "Conventions"] {
            #expect(attributes.contains(name), "missing provenance attribute \(name)")
        }
        #expect(try file.attribute("tool") == .string("mibatch"))
        #expect(try file.attribute("input_dataset") == .string("/data"))
        #expect(try file.attribute("input_shape") == .string("600x6"))
        #expect(try file.attribute("input_dtype") == .string("float64"))
        #expect(try file.attribute("threads") == .string("2"))
        guard case let .string(digest)? = try file.attribute("input_digest") else { Issue.record("no digest"); return }
        #expect(digest.hasPrefix("sha256:") && digest.count == 71)
        guard case let .string(configuration)? = try file.attribute("configuration") else { Issue.record("no configuration"); return }
        let json = try JSONSerialization.jsonObject(with: Data(configuration.utf8)) as? [String: Any]
        #expect(json?["k"] as? Int == 3)
        #expect(json?["ksgAlgorithm"] as? String == "2")
        #expect(json?["normalization"] as? String == "global-linf")
        guard case let .string(start)? = try file.attribute("start_time") else { Issue.record("no start"); return }
        #expect(start.hasSuffix("Z") && start.count == 20)
        // No temporary file is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func resultsAreBitIdenticalForAnyThreadCount() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 400, rhos: [0.8, 0.3, 0.6, 0.1, 0.0], seed: 11)
        var matrices: [[UInt64]] = []
        for threads in [1, 2, 5] {
            let output = dir.appendingPathComponent("out\(threads).h5").path
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output,
                                         "--threads", "\(threads)", "--ksg-algorithm", "1"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            matrices.append(try File.open(output).dataset("/mi").readAll().map(\.bitPattern))
        }
        #expect(matrices[0] == matrices[1])
        #expect(matrices[0] == matrices[2])
    }

    @Test func transposedIntegerInputAndNamesDataset() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        let samplesMajor = dir.appendingPathComponent("rows.h5").path
        let n = 300, p = 4
        let values = try writeCorrelatedPairs(to: samplesMajor, samples: n, rhos: [0.9, 0.2], seed: 3,
                                              type: .int32, scale: 1000)
        do {
            // Same values stored variables × samples, as int32, with a names dataset.
            let file = try File.create(input)
            var transposed = [Double](repeating: 0, count: n * p)
            for i in 0..<n { for j in 0..<p { transposed[j * n + i] = values[i * p + j] } }
            try file.createDataset("/expr", type: .int32, shape: [p, n]).write(transposed)
            _ = try file.createStringDataset("/genes", values: ["A", "B", "C", "D"])
        }
        let result = try runMibatch(["run", input, "--dataset", "/expr", "--transpose", "--names", "/genes", "-o", output])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let reference = dir.appendingPathComponent("ref.h5").path
        let plain = try runMibatch(["run", samplesMajor, "--dataset", "/data", "-o", reference])
        #expect(plain.status == 0, "stderr: \(plain.stderr)")
        let file = try File.open(output)
        #expect(try file.dataset("/var_i").readStrings() == ["A", "B", "C", "D"])
        #expect(try file.attribute("input_dtype") == .string("int32"))
        let a = try file.dataset("/mi").readAll().map(\.bitPattern)
        let b = try File.open(reference).dataset("/mi").readAll().map(\.bitPattern)
        #expect(a == b, "transposed int32 input must give the same matrix as the samples-major one")
    }

    @Test func bundledSampleMatchesItsAnalyticTruth() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = repositoryRoot.appendingPathComponent("samples/gaussian-pairs.h5").path
        let output = dir.appendingPathComponent("sample-mi.h5").path
        for algorithm in ["1", "2"] {
            let result = try runMibatch(["run", sample, "--dataset", "/data", "-o", output, "--force",
                                         "--ksg-algorithm", algorithm])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let estimate = try File.open(output).dataset("/mi").readAll()
            let truth = try File.open(sample).dataset("/truth").readAll()
            #expect(estimate.count == truth.count)
            let p = 12
            #expect(try File.open(output).dataset("/var_i").readStrings().first == "pair0_a")
            for i in 0..<p {
                for j in 0..<p where i != j {
                    #expect(abs(estimate[i * p + j] - truth[i * p + j]) < 0.05,
                            "KSG-\(algorithm) pair (\(i), \(j)): \(estimate[i * p + j]) vs truth \(truth[i * p + j])")
                }
            }
        }
    }

    @Test func existingOutputIsNotClobberedWithoutForce() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try writeCorrelatedPairs(to: input, samples: 50, rhos: [0.5], seed: 1)
        try "precious".write(toFile: output, atomically: true, encoding: .utf8)
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output])
        #expect(result.status == 73)
        #expect(result.stderr.contains("--force"))
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        let same = try runMibatch(["run", input, "--dataset", "/data", "-o", input, "--force"])
        #expect(same.status == 73)
        #expect(try File.open(input).dataset("/data").shape == [50, 2], "input must be untouched")
    }
}
