import Foundation
import HDF5
import Testing

/// `mibatch inspect`: the readable summary and `--json`, checked against the file itself.
@Suite struct InspectCommandTests {
    /// Writes 300 samples of 6 columns (pairs with ρ 0.9, 0.5, 0.2) with column 5 constant.
    func writeInputWithConstantColumn(_ path: String) throws {
        var random = TestRandom(seed: 77)
        var values = [Double](repeating: 0, count: 300 * 6)
        for row in 0..<300 {
            for (pair, rho) in [0.9, 0.5, 0.2].enumerated() {
                let a = random.normal()
                values[row * 6 + 2 * pair] = a
                values[row * 6 + 2 * pair + 1] = rho * a + (1 - rho * rho).squareRoot() * random.normal()
            }
            values[row * 6 + 5] = 1.5
        }
        let file = try File.create(path, overwrite: true)
        try file.createDataset("/data", type: .float64, shape: [300, 6]).write(values)
    }

    func inspectJSON(_ path: String, top: Int? = nil) throws -> (text: String, object: [String: Any]) {
        let result = try runMibatch(["inspect", path, "--json"] + (top.map { ["--top", String($0)] } ?? []))
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (result.stdout, object)
    }

    @Test func jsonSummaryMatchesTheFile() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try writeInputWithConstantColumn(input)
        let run = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--k", "4", "--units", "bits", "--quiet"])
        #expect(run.status == 3, "a constant column fails its pairs: \(run.stderr)")

        let (text, json) = try inspectJSON(output, top: 4)
        // What the file holds, read directly.
        let file = try File.open(output)
        let mi = try file.dataset("/mi").readAll(), status = try file.dataset("/status").readBytes()
        let names = try file.dataset("/var_i").readStrings()
        var upper: [(i: Int, j: Int, value: Double)] = []
        for i in 0..<6 { for j in (i + 1)..<6 where status[i * 6 + j] == 1 { upper.append((i, j, mi[i * 6 + j])) } }
        let ordered = upper.sorted { $0.value > $1.value }

        #expect(json["kind"] as? String == "all-pairs")
        #expect(json["shape"] as? [Int] == [6, 6])
        #expect(json["units"] as? String == "bits")
        #expect((json["estimator"] as? String)?.hasPrefix("KSG-2 (k=4") == true)
        let parameters = json["parameters"] as? [String: Any]
        #expect(parameters?["k"] as? Int == 4)
        #expect(parameters?["units"] as? String == "bits")
        #expect(parameters?["normalization"] as? String == "global-linf")
        let inputInfo = json["input"] as? [String: Any]
        let datasets = inputInfo?["datasets"] as? [[String: Any]]
        #expect(datasets?.first?["path"] as? String == "/data")
        #expect(datasets?.first?["shape"] as? [Int] == [300, 6])
        #expect(datasets?.first?["dtype"] as? String == "float64")
        #expect(inputInfo?["digest"] as? String == (try file.attribute("input_digest"))?.description)
        #expect((inputInfo?["digest"] as? String)?.hasPrefix("sha256:") == true)
        #expect(json["shard"] as? String == "1/1")
        let counts = json["status"] as? [String: Int]
        #expect(counts == ["pairs": 15, "computed": 10, "failed": 5, "not_computed": 0])
        let top = try #require(json["top"] as? [[String: Any]])
        #expect(top.count == 4)
        // Foundation's JSONSerialization on Linux may round the last digit when parsing; the
        // text itself holds the shortest representation that round-trips exactly.
        func close(_ a: Any?, _ b: Double?) -> Bool {
            guard let a = a as? Double, let b else { return false }
            return abs(a - b) <= 4 * b.ulp.magnitude
        }
        for (entry, expected) in zip(top, ordered) {
            #expect(close(entry["mi"], expected.value))
            #expect(text.contains("\"mi\": \(expected.value),"), "exact value \(expected.value) in the JSON text")
            #expect(entry["var_i"] as? String == names[expected.i])
            #expect(entry["var_j"] as? String == names[expected.j])
        }
        #expect(top.first?["var_i"] as? String == "v0" && top.first?["var_j"] as? String == "v1", "ρ = 0.9 is the strongest pair")
        let range = json["range"] as? [String: [String: Any]]
        #expect(close(range?["max"]?["mi"], ordered.first?.value))
        #expect(close(range?["min"]?["mi"], ordered.last?.value))
        #expect(!top.contains { ($0["var_j"] as? String) == "v5" }, "failed pairs are never listed")

        // Stable text: keys sorted at every level, identical on a second call.
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted() && keys.count == json.count, "top-level keys in sorted order: \(keys)")
        #expect(try inspectJSON(output, top: 4).text == text)
        #expect((try inspectJSON(output).object["top"] as? [Any])?.count == 10, "default --top is 10 (10 computed pairs)")

        let plain = try runMibatch(["inspect", output, "--top", "2"])
        #expect(plain.status == 0)
        for line in ["status      10 pairs computed, 5 failed, 0 not computed", "top 2 pairs by MI (bits):",
                     "   1  v0  v1  " + String(format: "%.6g", ordered[0].value), "/mi  (6, 6)  float64  chunks (6, 6), shuffle + deflate(1)"] {
            #expect(plain.stdout.contains(line), "'\(line)' missing from:\n\(plain.stdout)")
        }
    }

    @Test func jsonSummaryOfRectangularAndPartialMergedFiles() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 200, rhos: [0.8, 0.4, 0.1], seed: 31)
        let rectangle = dir.appendingPathComponent("rect.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", rectangle, "--quiet", "--x-vars", "v0,v2", "--y-vars", "v1,v3,v5"]).status == 0)
        let (_, rect) = try inspectJSON(rectangle)
        #expect(rect["kind"] as? String == "rectangular")
        #expect(rect["shape"] as? [Int] == [2, 3])
        #expect(rect["status"] as? [String: Int] == ["pairs": 6, "computed": 6, "failed": 0, "not_computed": 0])
        let first = (rect["top"] as? [[String: Any]])?.first
        #expect(first?["var_i"] as? String == "v0" && first?["var_j"] as? String == "v1")

        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", dir.path + "/", "--shard", "1/3", "--quiet"]).status == 0)
        let partial = dir.appendingPathComponent("partial.h5").path
        let merge = try runMibatch(["merge", dir.path + "/shard-0001-of-0003.h5", "-o", partial, "--partial", "--quiet"])
        #expect(merge.status == 4)
        let (_, merged) = try inspectJSON(partial)
        let counts = try #require(merged["status"] as? [String: Int])
        let file = try File.open(partial)
        let status = try file.dataset("/status").readBytes()
        var computed = 0
        for i in 0..<6 { for j in (i + 1)..<6 where status[i * 6 + j] == 1 { computed += 1 } }
        #expect(counts["computed"] == computed && computed > 0 && computed < 15)
        #expect(counts["not_computed"] == 15 - computed)
        #expect(merged["shard"] as? String == "merged 1/3 (partial)")
        let shards = merged["shards"] as? [[String: Any]]
        #expect(shards?.count == 1 && shards?.first?["shard"] as? String == "1/3")

        let notOutput = try runMibatch(["inspect", input, "--json"])
        #expect(notOutput.status == 65, "--json needs a mibatch output: \(notOutput.stderr)")
        #expect(notOutput.stderr.contains("not a mibatch output"))
    }
}
