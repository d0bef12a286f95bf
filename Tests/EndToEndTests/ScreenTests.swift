import Foundation
import HDF5
import Testing

/// Screen, then refine (issue 18): `--screen gcmi|binned` over every pair, the run's
/// estimator on the pairs a rule keeps; `/mi`, `/mi_screen` and status 3 in the output.
@Suite struct ScreenTests {
    /// 80 variables in 16 groups of 5 sharing a factor with loadings from 0.55 to 0.95, some
    /// columns through exp or a cube (monotone): 160 dependent pairs (correlations 0.36 to
    /// 0.81), the other 3,000 independent.
    static func input(_ path: String, n: Int = 1000, seed: UInt64 = 7) throws {
        var random = TestRandom(seed: seed)
        var columns = [[Double]](repeating: [], count: 80)
        for _ in 0..<n {
            for group in 0..<16 {
                let factor = random.normal()
                for member in 0..<5 {
                    let loading = 0.55 + 0.1 * Double(member)
                    var value = loading * factor + (1 - loading * loading).squareRoot() * random.normal()
                    if member == 1 { value = Foundation.exp(value) } else if member == 3 { value = value * value * value }
                    columns[group * 5 + member].append(value)
                }
            }
        }
        try SignificanceTests.write(columns, to: path)
    }

    static func layer(_ path: String, _ name: String) throws -> [Double] { try File.open(path).dataset(name).readAll() }
    static func status(_ path: String) throws -> [UInt8] { try File.open(path).dataset("/status").readBytes() }

    @Test func refinedPairsEqualTheFullRunAndTheScreenEqualsAPlainGCMIRun() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.input(input)
        let full = dir.appendingPathComponent("ksg.h5").path, gcmi = dir.appendingPathComponent("gcmi.h5").path
        let screened = dir.appendingPathComponent("screened.h5").path
        for (output, options) in [(full, [String]()), (gcmi, ["--estimator", "gcmi"]),
                                  (screened, ["--screen", "gcmi", "--refine", "ksg", "--refine-top", "200"])] {
            let run = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--quiet"] + options)
            try #require(run.status == 0, "\(run.stderr)")
        }
        let p = 80
        let status = try Self.status(screened)
        let mi = try Self.layer(screened, "/mi"), screen = try Self.layer(screened, "/mi_screen")
        let ksg = try Self.layer(full, "/mi"), plain = try Self.layer(gcmi, "/mi")
        #expect(screen.map(\.bitPattern) == plain.map(\.bitPattern), "/mi_screen is the gcmi run's /mi")
        var refined: [(Int, Int)] = []
        for i in 0..<p { for j in (i + 1)..<p {
            let index = i * p + j
            #expect(status[index] == status[j * p + i], "status symmetric")
            switch status[index] {
            case 1:
                refined.append((i, j))
                #expect(mi[index].bitPattern == ksg[index].bitPattern, "refined (\(i), \(j)) equals the all-pairs KSG bits")
            case 3: #expect(mi[index].isNaN, "screened-out pairs have no /mi")
            default: Issue.record("status \(status[index]) at (\(i), \(j))")
            }
        } }
        #expect(refined.count == 200, "--refine-top 200 keeps exactly 200 pairs")
        // They are the 200 largest screen values (ties by cell order).
        var pairs: [(Int, Int)] = []
        for i in 0..<p { for j in (i + 1)..<p { pairs.append((i, j)) } }
        func above(_ values: [Double]) -> ((Int, Int), (Int, Int)) -> Bool {
            { a, b in
                let x = values[a.0 * p + a.1], y = values[b.0 * p + b.1]
                return x != y ? x > y : (a.0, a.1) < (b.0, b.1)
            }
        }
        let order = pairs.sorted(by: above(plain))
        let keys: ((Int, Int)) -> String = { "\($0.0),\($0.1)" }
        #expect(Set(order.prefix(200).map(keys)) == Set(refined.map(keys)))
        // The screen keeps the strongest pairs: of the KSG top 50 (all far above KSG's noise
        // at n = 1,000, whose largest values over 3,000 independent pairs reach ~0.07 nats),
        // at least 95%.
        let ksgTop = pairs.sorted(by: above(ksg)).prefix(50)
        let kept = Set(refined.map(keys))
        let recall = Double(ksgTop.filter { kept.contains(keys($0)) }.count) / 50
        #expect(recall >= 0.95, "recall of the KSG top 50: \(recall)")
        let file = try File.open(screened)
        if case let .string(text)? = try file.attribute("screen") {
            #expect(text.contains("GCMI") && text.contains("200 of 3160"), "\(text)")
        } else {
            Issue.record("no screen attribute")
        }
        let inspect = try runMibatch(["inspect", screened])
        #expect(inspect.stdout.contains("200 pairs computed, 0 failed, 0 not computed, 2960 screened out"), "\(inspect.stdout)")
    }

    @Test func rulesKeepWhatTheySayAndShardsMergeToTheWholeRun() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.input(input, n: 200, seed: 3)
        let p = 80
        let options = ["--screen", "binned", "--refine", "ksg", "--refine-per-variable", "2", "--refine-threshold", "0.4"]
        let whole = dir.appendingPathComponent("whole.h5").path
        try #require(try runMibatch(["run", input, "--dataset", "/data", "-o", whole, "--quiet"] + options).status == 0)
        let screen = try Self.layer(whole, "/mi_screen"), status = try Self.status(whole)
        for i in 0..<p { for j in (i + 1)..<p {
            // Kept: screen ≥ 0.4, or among the two largest screen values of i's or j's row.
            func rank(_ v: Int, _ w: Int) -> Int {
                var count = 0
                for u in 0..<p where u != v {
                    let a = screen[v * p + u], b = screen[v * p + w]
                    if a > b || (a == b && cellIndex(v, u, p) < cellIndex(v, w, p)) { count += 1 }
                }
                return count
            }
            let expected = screen[i * p + j] >= 0.4 || rank(i, j) < 2 || rank(j, i) < 2
            #expect((status[i * p + j] == 1) == expected, "pair (\(i), \(j)): screen \(screen[i * p + j]), status \(status[i * p + j])")
        } }
        var shards: [String] = []
        for index in 1...3 {
            let shard = dir.appendingPathComponent("s.h5").path
            let run = try runMibatch(["run", input, "--dataset", "/data", "-o", shard, "--shard", "\(index)/3", "--quiet"] + options)
            try #require(run.status == 0, "\(run.stderr)")
            shards.append(dir.appendingPathComponent("s.shard-000\(index)-of-0003.h5").path)
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        let merge = try runMibatch(["merge"] + shards + ["-o", merged])
        try #require(merge.status == 0, "\(merge.stderr)")
        for name in ["/mi", "/mi_screen"] {
            #expect(try Self.layer(merged, name).map(\.bitPattern) == Self.layer(whole, name).map(\.bitPattern), "\(name) merged = whole")
        }
        #expect(try Self.status(merged) == status)
    }

    /// The plan's cell index of (v, w), v ≠ w, in an all-pairs plan of p variables (upper triangle, row-major).
    func cellIndex(_ v: Int, _ w: Int, _ p: Int) -> Int {
        let (r, c) = (min(v, w), max(v, w))
        return r * p - r * (r + 1) / 2 + (c - r - 1)
    }

    @Test func badScreenOptionsAreRefusedInOneLine() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.input(input, n: 60)
        let output = dir.appendingPathComponent("out.h5").path
        let base = ["run", input, "--dataset", "/data", "-o", output]
        try expectRefused(base + ["--refine-top", "10"], output: output, status: 64, mentions: ["--refine-top needs --screen"])
        try expectRefused(base + ["--screen", "gcmi"], output: output, status: 64, mentions: ["--screen needs a rule"])
        try expectRefused(base + ["--screen", "ksg", "--refine-top", "10"], output: output, status: 64, mentions: ["--screen takes gcmi or binned"])
        try expectRefused(base + ["--screen", "gcmi", "--refine", "gcmi", "--refine-top", "10"], output: output, status: 64, mentions: ["twice"])
        try expectRefused(base + ["--screen", "gcmi", "--refine-top", "0.5%x"], output: output, status: 64, mentions: ["--refine-top"])
        try expectRefused(base + ["--screen", "gcmi", "--refine-top", "1%", "--permutations", "100"], output: output, status: 64,
                          mentions: ["--permutations with --screen"])
    }
}
