import Foundation
import HDF5
import MIEstimators
import Testing

/// `--variables`, `--var`, `--x-vars/--y-vars`, `--estimator binned`, `--jitter`, constant columns.
@Suite struct VariableOptionsTests {
    /// Writes `/data` (n × 6): X = columns 0..<3, T = 3..<5 depending on X, Z = column 5
    /// independent; also `/X`, `/T`, `/Z` as separate datasets. Returns the row-major data.
    func writeMultivariate(_ path: String, n: Int) throws -> [Double] {
        var random = TestRandom(seed: 42)
        var data = [Double](repeating: 0, count: n * 6)
        for i in 0..<n {
            let x = (0..<3).map { _ in random.normal() }
            data[i * 6 + 0] = x[0]; data[i * 6 + 1] = x[1]; data[i * 6 + 2] = x[2]
            data[i * 6 + 3] = x[0] + 0.5 * random.normal()
            data[i * 6 + 4] = x[1] - x[2] + 0.5 * random.normal()
            data[i * 6 + 5] = random.normal()
        }
        let file = try File.create(path, overwrite: true)
        try file.createDataset("/data", type: .float64, shape: [n, 6]).write(data)
        for (name, range) in [("/X", 0..<3), ("/layers/T", 3..<5), ("/Z", 5..<6)] {
            var block: [Double] = []
            for i in 0..<n { for j in range { block.append(data[i * 6 + j]) } }
            try file.createDataset(name, type: .float64, shape: [n, range.count]).write(block)
        }
        return data
    }

    @Test func columnGroupsAndWholeDatasetsGiveTheSameMatrix() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let data = try writeMultivariate(input, n: 400)
        let grouped = dir.appendingPathComponent("grouped.h5").path
        let whole = dir.appendingPathComponent("whole.h5").path
        let a = try runMibatch(["run", input, "--dataset", "/data", "--variables", "X=0:3,T=3:5,Z=5:6", "-o", grouped])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let b = try runMibatch(["run", input, "--var", "/X", "--var", "/layers/T", "--var", "/Z", "-o", whole])
        #expect(b.status == 0, "stderr: \(b.stderr)")
        let g = try File.open(grouped), w = try File.open(whole)
        #expect(try g.dataset("/var_i").readStrings() == ["X", "T", "Z"])
        #expect(try w.dataset("/var_j").readStrings() == ["/X", "/layers/T", "/Z"])
        let gm = try g.dataset("/mi").readAll(), wm = try w.dataset("/mi").readAll()
        #expect(gm.map(\.bitPattern) == wm.map(\.bitPattern))
        // The same value the library gives for the 3-D X against the 2-D T.
        let n = 400
        func variable(_ range: Range<Int>) throws -> VariableData {
            try Normalization.globalLinf.apply(to: VariableData(columns: range.map { j in (0..<n).map { data[$0 * 6 + j] } }))
        }
        let ksg = KSG(k: 3, algorithm: .ksg2)
        #expect(gm[0 * 3 + 1] == (try ksg.estimate(ksg.prepare(try variable(0..<3)), ksg.prepare(try variable(3..<5)))))
        #expect(gm[0 * 3 + 1] > 0.5)
        #expect(abs(gm[0 * 3 + 2]) < 0.1)
        #expect(try w.attribute("input_dataset") == .string("/X, /layers/T, /Z"))
    }

    @Test func rectangularRunWritesTheTwoNameSets() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        _ = try writeMultivariate(input, n: 300)
        let output = dir.appendingPathComponent("rect.h5").path
        let square = dir.appendingPathComponent("square.h5").path
        let r = try runMibatch(["run", input, "--var", "/X", "--var", "/layers/T", "--var", "/Z",
                                "--x-vars", "/X", "--y-vars", "/layers/*,/Z", "-o", output])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("1 × 2"))
        let s = try runMibatch(["run", input, "--var", "/X", "--var", "/layers/T", "--var", "/Z", "-o", square])
        #expect(s.status == 0)
        let file = try File.open(output)
        #expect(try file.dataset("/mi").shape == [1, 2])
        #expect(try file.dataset("/var_i").readStrings() == ["/X"])
        #expect(try file.dataset("/var_j").readStrings() == ["/layers/T", "/Z"])
        #expect(try file.dataset("/status").readBytes() == [1, 1])
        let rect = try file.dataset("/mi").readAll()
        let full = try File.open(square).dataset("/mi").readAll()
        #expect(rect[0] == full[0 * 3 + 1] && rect[1] == full[0 * 3 + 2])
        let bad = try runMibatch(["run", input, "--var", "/X", "--var", "/Z", "--x-vars", "/X", "--y-vars", "/nothing*",
                                  "-o", dir.appendingPathComponent("bad.h5").path])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("/nothing*"))
    }

    @Test func badVariableSpecificationsAreRefused() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        _ = try writeMultivariate(input, n: 50)
        let output = dir.appendingPathComponent("out.h5").path
        for (spec, text) in [("X=0:3,T=2:5", "overlap"), ("X=3:3", "empty"), ("X=0:3,X=3:5", "duplicate"),
                             ("X=0-3", "cannot parse"), ("X=0:9", "exceeds")] {
            let result = try runMibatch(["run", input, "--dataset", "/data", "--variables", spec, "-o", output])
            #expect(result.status == 64, "\(spec): \(result.stderr)")
            #expect(result.stderr.contains(text), "\(spec): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        let specFile = dir.appendingPathComponent("vars.txt").path
        try "# groups\nX=0:3\nT=3:5, Z=5:6\n".write(toFile: specFile, atomically: true, encoding: .utf8)
        let fromFile = try runMibatch(["run", input, "--dataset", "/data", "--variables", specFile, "-o", output])
        #expect(fromFile.status == 0, "stderr: \(fromFile.stderr)")
        #expect(try File.open(output).dataset("/var_i").readStrings() == ["X", "T", "Z"])
    }

    @Test func binnedEstimatorUnitsAndProvenance() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let values = try writeCorrelatedPairs(to: input, samples: 1000, rhos: [0.9, 0.0], seed: 21)
        let nats = dir.appendingPathComponent("nats.h5").path
        let bits = dir.appendingPathComponent("bits.h5").path
        let scaled = dir.appendingPathComponent("scaled.h5").path
        for (output, extra) in [(nats, ["--units", "nats"]), (bits, ["--units", "bits"])] {
            let result = try runMibatch(["run", input, "--dataset", "/data", "--estimator", "binned", "--bins", "8", "-o", output] + extra)
            #expect(result.status == 0, "stderr: \(result.stderr)")
        }
        let m = try File.open(nats).dataset("/mi").readAll()
        let mb = try File.open(bits).dataset("/mi").readAll()
        #expect(abs(m[1] / log(2.0) - mb[1]) < 1e-12)
        let binned = Binned(bins: 8, biasCorrection: .none)
        let column = { (j: Int) in VariableData(column: (0..<1000).map { values[$0 * 4 + j] }) }
        #expect(m[0 * 4 + 1] == (try binned.estimate(binned.prepare(column(0)), binned.prepare(column(1)))))
        // Binned ignores normalization and is exactly invariant to rescaling (Proposition 1).
        let scaledInput = dir.appendingPathComponent("in-scaled.h5").path
        try File.create(scaledInput).createDataset("/data", type: .float64, shape: [1000, 4]).write(values.map { $0 * 7.5 })
        #expect(try runMibatch(["run", scaledInput, "--dataset", "/data", "--estimator", "binned", "--bins", "8", "-o", scaled]).status == 0)
        #expect(try File.open(scaled).dataset("/mi").readAll().map(\.bitPattern) == m.map(\.bitPattern))
        let file = try File.open(bits)
        #expect(try file.attribute("units") == .string("bits"))
        guard case let .string(normalization)? = try file.attribute("normalization") else { Issue.record("no normalization"); return }
        #expect(normalization.contains("ignored"))
    }

    @Test func constantColumnWarnsAndFailsOnlyItsPairs() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        var values = try writeCorrelatedPairs(to: input, samples: 200, rhos: [0.7, 0.2], seed: 2)
        for i in 0..<200 { values[i * 4 + 2] = 5 }
        try File.create(input, overwrite: true).createDataset("/data", type: .float64, shape: [200, 4]).write(values)
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output])
        #expect(result.status == 3, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("'v2'"))
        let status = try File.open(output).dataset("/status").readBytes()
        #expect(status == [0, 1, 2, 1,  1, 0, 2, 1,  2, 2, 0, 2,  1, 1, 2, 0])
        let mi = try File.open(output).dataset("/mi").readAll()
        #expect(mi[2].isNaN && mi[1].isFinite)
    }

    @Test func jitterIsSeededRecordedAndThreadIndependent() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        // Integer data with many ties.
        try writeCorrelatedPairs(to: input, samples: 500, rhos: [0.8, 0.0], seed: 4, type: .int16, scale: 1.5)
        var outputs: [[UInt64]] = []
        for (index, arguments) in [["--threads", "1", "--seed", "9"], ["--threads", "3", "--seed", "9"], ["--threads", "2", "--seed", "10"]].enumerated() {
            let output = dir.appendingPathComponent("j\(index).h5").path
            let result = try runMibatch(["run", input, "--dataset", "/data", "--jitter", "1e-6", "-o", output] + arguments)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            outputs.append(try File.open(output).dataset("/mi").readAll().map(\.bitPattern))
            guard case let .string(jitter)? = try File.open(output).attribute("jitter") else { Issue.record("no jitter attribute"); continue }
            #expect(jitter.contains("1e-06") && jitter.contains("seed"))
        }
        #expect(outputs[0] == outputs[1], "same seed, different threads: identical bits")
        #expect(outputs[0] != outputs[2], "a different seed gives different jitter")
    }
}

/// Ties: an integer column with 5 distinct values gives finite values, identical across threads,
/// and with the default `--ties auto` the truth whichever KSG variant runs; `--ties none`
/// keeps the old rule and its documented bias.
@Suite struct TiedDataTests {
    @Test func fiveValuedIntegerColumnIsFiniteAndThreadIndependent() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("ties.h5").path
        let n = 2000
        var random = TestRandom(seed: 55)
        var values = [Double](repeating: 0, count: n * 3)
        for i in 0..<n {
            let level = Double(Int(random.uniform() * 5))          // 0...4
            values[i * 3] = level
            values[i * 3 + 1] = level + random.normal()            // continuous, depends on the level
            values[i * 3 + 2] = random.normal()
        }
        try File.create(input, overwrite: true).createDataset("/data", type: .float64, shape: [n, 3]).write(values)
        var outputs: [[UInt64]] = []
        for (algorithm, ties) in [("1", "auto"), ("2", "auto"), ("joint", "auto"), ("2", "none")] {
            var perThreads: [[UInt64]] = []
            for threads in ["1", "2"] {
                let output = dir.appendingPathComponent("t\(algorithm)-\(ties)-\(threads).h5").path
                let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--ksg-algorithm", algorithm,
                                             "--ties", ties, "--threads", threads, "--quiet"])
                #expect(result.status == 0, "stderr: \(result.stderr)")
                let mi = try File.open(output).dataset("/mi").readAll()
                #expect(mi.enumerated().allSatisfy { $0.offset % 4 == 0 || $0.element.isFinite }, "KSG-\(algorithm): \(mi)")
                perThreads.append(mi.map(\.bitPattern))
            }
            #expect(perThreads[0] == perThreads[1], "KSG-\(algorithm) differs across thread counts")
            outputs.append(perThreads[0])
        }
        // Truth: I = h(Y) − h(Y | X), Y a mixture of N(level, 1) over 5 equiprobable levels.
        var hY = 0.0
        let step = 1e-3
        for t in stride(from: -8.0, to: 12.0, by: step) {
            let p = (0..<5).reduce(0.0) { $0 + exp(-0.5 * (t - Double($1)) * (t - Double($1))) } / (5 * (2 * Double.pi).squareRoot())
            if p > 0 { hY -= p * log(p) * step }
        }
        let truth = hY - 0.5 * log(2 * Double.pi * M_E)
        let ksg1 = outputs[0].map { Double(bitPattern: $0) }
        // The default: both variants run the mixed estimator on the tied pairs (same bits),
        // near the truth, and ~0 for the independent column.
        #expect(outputs[0][1] == outputs[1][1] && outputs[0][2] == outputs[1][2], "KSG-1 and KSG-2 differ on tied pairs")
        #expect(abs(ksg1[0 * 3 + 1] - truth) < 0.05 && abs(ksg1[0 * 3 + 2]) < 0.05, "default: \(ksg1), truth \(truth)")
        // --ties none, documented in mibatch-estimators(7), TIES: KSG-2 counts every sample
        // tied at distance 0 as a marginal neighbour, biasing it strongly negative.
        let old = outputs[3].map { Double(bitPattern: $0) }
        #expect(old[0 * 3 + 2] < -0.2 && old[0 * 3 + 1] < truth - 0.2, "--ties none: \(old)")
    }
}
