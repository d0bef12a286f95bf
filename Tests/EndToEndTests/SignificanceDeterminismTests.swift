import Foundation
import HDF5
import MIEstimators
import Testing

/// FDR control, agreement with a plain permutation loop, and determinism of p- and q-values
/// across threads, shards, resumption and the null cache (issue 17).
@Suite struct SignificanceDeterminismTests {
    /// 60 variables in 15 groups of 4 sharing a factor (within-group correlation 0.5, MI
    /// 0.144 nats): 90 of the 1,770 pairs (5.1 %) are dependent, the rest independent.
    static func groupedInput(_ path: String, n: Int = 300, seed: UInt64) throws {
        var random = TestRandom(seed: seed)
        var columns = [[Double]](repeating: [], count: 60)
        for _ in 0..<n {
            for group in 0..<15 {
                let factor = random.normal()
                for member in 0..<4 { columns[group * 4 + member].append(0.5.squareRoot() * factor + 0.5.squareRoot() * random.normal()) }
            }
        }
        try SignificanceTests.write(columns, to: path)
    }

    static func dataset(_ path: String, _ name: String) throws -> [Double] { try File.open(path).dataset(name).readAll() }

    @Test func benjaminiHochbergControlsTheFalseDiscoveryRateAndShardsMergeToTheSameEdges() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var proportions: [Double] = []
        var discoveries = 0
        for seed in UInt64(1)...6 {
            let input = dir.appendingPathComponent("grouped-\(seed).h5").path
            try Self.groupedInput(input, seed: seed)
            let output = dir.appendingPathComponent("fdr-\(seed).h5").path
            let options = ["--normalization", "rank", "--permutations", "5000", "--fdr", "0.05", "--seed", "\(seed)"]
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"] + options)
            try #require(result.status == 0, "\(result.stderr)")
            let file = try File.open(output)
            let rows = try file.dataset("/edges/row").readAll().map { Int($0) }
            let columns = try file.dataset("/edges/column").readAll().map { Int($0) }
            let q = try file.dataset("/edges/qvalue").readAll(), mi = try file.dataset("/edges/mi").readAll()
            #expect(q.allSatisfy { $0 <= 0.05 })
            #expect(zip(mi, mi.dropFirst()).allSatisfy { $0 >= $1 }, "edges sorted by MI descending")
            #expect(zip(rows, columns).allSatisfy { $0 < $1 }, "each pair once, row < column")
            let names = try file.dataset("/edges/row_name").readStrings()
            #expect(names == rows.map { "v\($0)" })
            // Every pair of q <= 0.05 is listed, and no other.
            let allQ = try file.dataset("/qvalue").readAll()
            #expect(rows.count == (0..<60).reduce(0) { total, i in total + ((i + 1)..<60).filter { allQ[i * 60 + $0] <= 0.05 }.count })
            let false_ = zip(rows, columns).filter { $0 / 4 != $1 / 4 }.count
            proportions.append(Double(false_) / Double(max(rows.count, 1)))
            discoveries += rows.count
            if seed == 1 {
                // Three shards merged: the same p, q and edges, bit for bit.
                var shards: [String] = []
                for index in 1...3 {
                    let shard = dir.appendingPathComponent("fdr-shard.h5").path
                    let run = try runMibatch(["run", input, "--dataset", "/data", "-o", shard, "--shard", "\(index)/3", "--quiet"] + options)
                    try #require(run.status == 0, "\(run.stderr)")
                    shards.append(dir.appendingPathComponent("fdr-shard.shard-000\(index)-of-0003.h5").path)
                }
                #expect(try !File.open(shards[0]).contains("/qvalue"), "a shard has no q-values")
                let merged = dir.appendingPathComponent("merged.h5").path
                let merge = try runMibatch(["merge"] + shards + ["-o", merged])
                try #require(merge.status == 0, "\(merge.stderr)")
                for name in ["/mi", "/pvalue", "/qvalue", "/edges/row", "/edges/column", "/edges/mi", "/edges/pvalue", "/edges/qvalue"] {
                    #expect(try Self.dataset(merged, name).map(\.bitPattern) == Self.dataset(output, name).map(\.bitPattern), "\(name)")
                }
            }
        }
        let mean = proportions.reduce(0, +) / Double(proportions.count)
        let sd = (proportions.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(proportions.count - 1)).squareRoot()
        print("FDR at q = 0.05: false-discovery proportions \(proportions), mean \(mean) (sd \(sd)), \(discoveries) discoveries over 6 seeds")
        // At n = 300 the rank KSG finds about 40 of the 90 dependent pairs per seed (measured).
        #expect(discoveries > 6 * 25, "BH finds a good share of the 90 dependent pairs (found \(discoveries) over 6 seeds)")
        #expect(mean <= 0.05 + 2 * sd / Double(proportions.count).squareRoot(), "false-discovery proportions \(proportions)")
    }

    /// mibatch's per-pair p-values against a permutation loop written here: the estimator
    /// called directly, the raw values of y shuffled by another generator and prepared again.
    @Test func perPairPValuesAgreeWithAPlainPermutationLoop() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("weak.h5").path
        let n = 400, rhos = [0.05, 0.08, 0.12]
        let values = try writeCorrelatedPairs(to: input, samples: n, rhos: rhos, seed: 21)
        let output = dir.appendingPathComponent("p.h5").path
        let permutations = 2000
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet", "--permutations", "\(permutations)",
                                     "--permutation-stop", "0", "--null", "per-pair"])
        try #require(result.status == 0, "\(result.stderr)")
        let mibatchP = try Self.dataset(output, "/pvalue"), mibatchMI = try Self.dataset(output, "/mi")
        let ksg = KSG(settings: KSG.Settings())
        let width = 2 * rhos.count
        var random = TestRandom(seed: 99)
        for m in rhos.indices {
            let x = (0..<n).map { values[$0 * width + 2 * m] }, y = (0..<n).map { values[$0 * width + 2 * m + 1] }
            let px = try ksg.prepareVariable(VariableData(column: x), VariableRole(index: 2 * m)).0
            let observed = try ksg.estimate(px, ksg.prepareVariable(VariableData(column: y), VariableRole(index: 2 * m + 1)).0,
                                            pair: PairIdentity(seed: 0, variables: (2 * m, 2 * m + 1)))
            #expect(observed == mibatchMI[2 * m * width + 2 * m + 1])
            var reaching = 0
            var shuffled = y
            for _ in 0..<permutations {
                for i in stride(from: n - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(random.nextUInt64() % UInt64(i + 1))) }
                let py = try ksg.prepareVariable(VariableData(column: shuffled), VariableRole(index: 2 * m + 1)).0
                if try ksg.estimate(px, py, pair: PairIdentity(seed: 0, variables: (2 * m, 2 * m + 1))) >= observed { reaching += 1 }
            }
            let plain = Double(reaching + 1) / Double(permutations + 1)
            let theirs = mibatchP[2 * m * width + 2 * m + 1]
            let error = 4 * (2 * plain * (1 - plain) / Double(permutations)).squareRoot() + 2 / Double(permutations)
            #expect(abs(theirs - plain) <= error, "rho \(rhos[m]): mibatch p \(theirs), plain loop \(plain) (±\(error))")
        }
    }

    /// Tied and zero-inflated columns (the per-pair mode's mixed estimator) and continuous
    /// ones under rank (the shared null): p-values identical across threads and shards.
    @Test(arguments: [["--permutations", "300", "--null", "per-pair"], ["--normalization", "rank", "--permutations", "3000"]])
    func pValuesAreIdenticalForAnyThreadCountAndShardSplit(options: [String]) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("mixed.h5").path
        try SignificanceTests.write(Array(SignificanceTests.independentColumns(n: 300, seed: 5).prefix(20)), to: input)
        func run(_ name: String, _ extra: [String]) throws -> String {
            let output = dir.appendingPathComponent(name).path
            let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"] + options + extra)
            try #require(result.status == 0, "\(result.stderr)")
            return output
        }
        let one = try run("one.h5", ["--threads", "1"]), two = try run("two.h5", ["--threads", "2"])
        for name in ["/mi", "/pvalue", "/qvalue"] {
            #expect(try Self.dataset(one, name).map(\.bitPattern) == Self.dataset(two, name).map(\.bitPattern), "\(name)")
        }
        var shards: [String] = []
        for index in 1...3 {
            _ = try run("s.h5", ["--shard", "\(index)/3", "--threads", "\(index % 2 + 1)"])
            shards.append(dir.appendingPathComponent("s.shard-000\(index)-of-0003.h5").path)
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        #expect(try runMibatch(["merge"] + shards + ["-o", merged]).status == 0)
        for name in ["/mi", "/pvalue", "/qvalue"] {
            #expect(try Self.dataset(merged, name).map(\.bitPattern) == Self.dataset(one, name).map(\.bitPattern), "\(name)")
        }
        #expect(try File.open(merged).attribute("significance").map { "\($0)" }?.contains("merge") == true)
    }

    @Test func anInterruptedRunResumesToTheSamePValues() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("mixed.h5").path
        try SignificanceTests.write(Array(SignificanceTests.independentColumns(n: 500, seed: 8).prefix(24)), to: input)
        let options = ["--permutations", "300", "--permutation-stop", "0", "--null", "per-pair"]
        let reference = dir.appendingPathComponent("ref.h5").path
        #expect(try runMibatch(["run", input, "--dataset", "/data", "-o", reference, "--quiet", "--threads", "2"] + options).status == 0)
        let output = dir.appendingPathComponent("out.h5").path
        let process = Process()
        process.executableURL = mibatchExecutable
        process.arguments = ["run", input, "--dataset", "/data", "-o", output, "--checkpoint-interval", "0.2", "--threads", "1", "--quiet"] + options
        process.standardError = Pipe()
        try launch(process)
        let checkpoint = output + ".ckpt"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && ((try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int) ?? 0) < 1500 { usleep(20_000) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 75)
        let rerun = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--threads", "2"] + options)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("resuming"), "\(rerun.stderr)")
        for name in ["/mi", "/pvalue", "/qvalue"] {
            #expect(try Self.dataset(output, name).map(\.bitPattern) == Self.dataset(reference, name).map(\.bitPattern), "\(name)")
        }
    }

    @Test func theNullCacheIsReusedAndADamagedEntryIsRecomputed() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("pairs.h5").path
        try writeCorrelatedPairs(to: input, samples: 500, rhos: [0.2, 0, 0.1], seed: 4)
        let cache = dir.appendingPathComponent("nulls").path
        let options = ["--dataset", "/data", "--normalization", "rank", "--permutations", "2000", "--null-cache", cache]
        let first = try runMibatch(["run", input, "-o", dir.appendingPathComponent("a.h5").path] + options)
        #expect(first.status == 0 && first.stderr.contains("computed"), "\(first.stderr)")
        let second = try runMibatch(["run", input, "-o", dir.appendingPathComponent("b.h5").path] + options)
        #expect(second.status == 0 && second.stderr.contains("read from"), "\(second.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: cache)
        #expect(files.count == 1 && files[0].hasSuffix(".f64"), "\(files)")
        // A damaged entry is not used: the null is computed again, to the same bits.
        let entry = URL(fileURLWithPath: cache).appendingPathComponent(files[0])
        let bytes = try Data(contentsOf: entry)
        try bytes.prefix(bytes.count - 8).write(to: entry)
        let third = try runMibatch(["run", input, "-o", dir.appendingPathComponent("c.h5").path] + options)
        #expect(third.status == 0 && third.stderr.contains("computed"), "\(third.stderr)")
        // Another seed is another null.
        let fourth = try runMibatch(["run", input, "-o", dir.appendingPathComponent("d.h5").path, "--seed", "1"] + options)
        #expect(fourth.stderr.contains("computed"), "\(fourth.stderr)")
        let a = try Self.dataset(dir.appendingPathComponent("a.h5").path, "/pvalue").map(\.bitPattern)
        for name in ["b.h5", "c.h5"] {
            #expect(try Self.dataset(dir.appendingPathComponent(name).path, "/pvalue").map(\.bitPattern) == a, "\(name)")
        }
        #expect(try Data(contentsOf: entry) == bytes, "the recomputed entry is the same file")
    }

    @Test func significanceOptionsAreCheckedBeforeAnyWork() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("pairs.h5").path
        try writeCorrelatedPairs(to: input, samples: 200, rhos: [0.2], seed: 4)
        let output = dir.appendingPathComponent("out.h5").path
        let base = ["run", input, "--dataset", "/data", "-o", output]
        try expectRefused(base + ["--fdr", "0.05"], output: output, status: 64, mentions: ["--fdr", "--permutations"])
        try expectRefused(base + ["--permutations", "0"], output: output, status: 64, mentions: ["--permutations"])
        try expectRefused(base + ["--permutations", "100", "--fdr", "1.5"], output: output, status: 64, mentions: ["--fdr"])
        try expectRefused(base + ["--permutations", "100", "--null", "shared"], output: output, status: 64,
                          mentions: ["--null shared", "--normalization rank"])
        try expectRefused(base + ["--permutations", "100", "--null", "shared", "--normalization", "rank", "--discrete", "v0"],
                          output: output, status: 64, mentions: ["--discrete"])
    }
}
