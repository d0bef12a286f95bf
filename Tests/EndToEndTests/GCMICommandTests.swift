import Foundation
import HDF5
import MIEstimators
import Testing

/// `--estimator gcmi` with the built binary: the same bits for any threads, memory budget,
/// shard split or interruption; values equal to a numpy/scipy reference (and frites, where
/// installed); provenance; refusals; `--bias-correction`.
@Suite struct GCMICommandTests {
    /// n × p continuous, non-Gaussian columns sharing 10 factors with loadings 0 … 0.9 (so the
    /// matrix holds weak and strong pairs), samples × variables float64 at `/data`.
    @discardableResult
    static func writeInput(_ path: String, samples n: Int = 500, variables p: Int = 300, seed: UInt64 = 17) throws -> [Double] {
        var random = TestRandom(seed: seed)
        var values = [Double](repeating: 0, count: n * p)
        for i in 0..<n {
            let factors = (0..<10).map { _ in random.normal() }
            for v in 0..<p {
                let loading = Double(v % 10) / 10
                let z = loading * factors[v % 10] + (1 - loading * loading).squareRoot() * random.normal()
                switch v % 3 {
                case 0: values[i * p + v] = z
                case 1: values[i * p + v] = exp(z)
                default: values[i * p + v] = z * z * z + 2 * z
                }
            }
        }
        try File.create(path, overwrite: true).createDataset("/data", type: .float64, shape: [n, p]).write(values)
        return values
    }

    /// Runs `mibatch` and requires success.
    @discardableResult
    static func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        let result = try runMibatch(arguments)
        try #require(result.status == 0, "mibatch \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    static func matrix(_ path: String, _ name: String = "/mi") throws -> [Double] { try File.open(path).dataset(name).readAll() }

    static func string(_ path: String, _ attribute: String) throws -> String? {
        guard case let .string(value)? = try File.open(path).attribute(attribute) else { return nil }
        return value
    }

    /// The bytes of "needs at least 46.6 MiB" in a refusal.
    static func neededBytes(_ message: String) -> Int? {
        guard let range = message.range(of: #"needs at least [0-9.]+ (B|KiB|MiB|GiB)"#, options: .regularExpression) else { return nil }
        let words = message[range].split(separator: " ")
        guard let value = Double(words[3]) else { return nil }
        let factor: Double = ["B": 1, "KiB": 1024, "MiB": 1024 * 1024, "GiB": 1024 * 1024 * 1024][String(words[4])]!
        return Int(value * factor)
    }

    /// A `--memory` budget (bytes) under which `mibatch plan` streams the input in blocks,
    /// found from the plan's own refusals and reports (the fixed overhead comes from the
    /// memory model and the thread count, and the window that streams is ~1.5 MiB wide here,
    /// so no value is hard-coded).
    static func streamingBudget(_ base: [String]) throws -> (budget: Int, plan: String)? {
        var refused = 1 << 20
        var candidate: Int? = nil
        var tooLarge: Int? = nil
        for _ in 0..<12 {
            let budget = candidate ?? refused
            let plan = try runMibatch(["plan"] + base + ["--memory", "\(budget)"])
            if plan.status != 0 {
                guard let needed = neededBytes(plan.stderr) else { Issue.record("plan: \(plan.stderr)"); return nil }
                refused = budget
                let next = max(needed, budget) + (1 << 20)
                candidate = tooLarge.map { min(next, (budget + $0) / 2) } ?? next
            } else if plan.stdout.contains("streamed") {
                return (budget, plan.stdout)
            } else {
                // Everything fits: between the last refused budget and this one.
                tooLarge = budget
                candidate = (refused + budget) / 2
            }
        }
        return nil
    }

    // MARK: Determinism

    /// p = 300 (16 blocks of 19, 136 tiles), n = 500: /mi identical to the bit for --threads 1
    /// and 2, and under a --memory budget that streams the blocks (the plan says "streamed").
    @Test func bitsAreIdenticalForAnyThreadCountAndMemoryBudget() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.writeInput(input)
        let base = [input, "--dataset", "/data", "--estimator", "gcmi", "--quiet"]
        func output(_ name: String) -> String { dir.appendingPathComponent(name).path }

        try Self.run(["run"] + base + ["-o", output("one.h5"), "--threads", "1"])
        let reference = try miBits(output("one.h5"))
        #expect(reference.count == 300 * 300)
        #expect((0..<300).allSatisfy { Double(bitPattern: reference[$0 * 301]).isNaN }, "diagonal NaN")
        var asymmetric = 0
        for i in 0..<300 { for j in 0..<300 where i != j && reference[i * 300 + j] != reference[j * 300 + i] { asymmetric += 1 } }
        #expect(asymmetric == 0, "symmetric")

        try Self.run(["run"] + base + ["-o", output("two.h5"), "--threads", "2"])
        #expect(try miBits(output("two.h5")) == reference, "--threads 2")

        // Streamed: the plan holds only some of the blocks at once.
        let found = try #require(try Self.streamingBudget(base + ["-o", output("unused.h5"), "--threads", "2"]))
        #expect(found.plan.contains("blocks: 16") && found.plan.contains("tiles: 136"), "\(found.plan)")
        try Self.run(["run"] + base + ["-o", output("streamed.h5"), "--threads", "2", "--memory", "\(found.budget)"])
        #expect(try miBits(output("streamed.h5")) == reference, "--memory \(found.budget) (streamed)")
    }

    /// The same input in three shards (on 2, 1 and 2 threads), merged: each pair computed by
    /// exactly one shard, and the merged /mi the unsharded run's bits. A rectangular run
    /// (--x-vars, --y-vars: other tiles, so other panel companions and positions, and pairs in
    /// both orientations) gives the all-pairs run's bits for each of its pairs.
    @Test func shardsAndRectangularRunsGiveTheAllPairsBits() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.writeInput(input)
        let base = [input, "--dataset", "/data", "--estimator", "gcmi", "--quiet"]
        func output(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try Self.run(["run"] + base + ["-o", output("whole.h5"), "--threads", "2"])
        let reference = try miBits(output("whole.h5"))

        var shards: [String] = []
        for index in 1...3 {
            try Self.run(["run"] + base + ["-o", output("s.h5"), "--shard", "\(index)/3", "--threads", "\(index % 2 + 1)"])
            shards.append(output("s.shard-000\(index)-of-0003.h5"))
        }
        let computed = try shards.map { try File.open($0).dataset("/status").readBytes() }
        #expect(computed.allSatisfy { status in status.contains(1) && status.contains { $0 != 1 } }, "each shard a part")
        var coverage: [Int] = Array(repeating: 0, count: 300 * 300)
        for status in computed { for c in status.indices where status[c] == 1 { coverage[c] += 1 } }
        #expect((0..<(300 * 300)).filter { $0 / 300 != $0 % 300 }.allSatisfy { coverage[$0] == 1 }, "each pair in exactly one shard")
        let merge = try runMibatch(["merge"] + shards.reversed() + ["-o", output("merged.h5")])
        try #require(merge.status == 0, "\(merge.stderr)")
        #expect(try miBits(output("merged.h5")) == reference, "three shards merged")
        #expect(try Self.string(output("merged.h5"), "estimator") == "GCMI (bias-corrected)")

        let xs = Array(stride(from: 299, through: 0, by: -7)), ys = Array(stride(from: 1, to: 300, by: 5)).filter { $0 % 7 != 299 % 7 }
        try Self.run(["run"] + base + ["-o", output("rect.h5"), "--x-vars", xs.map { "v\($0)" }.joined(separator: ","),
                                       "--y-vars", ys.map { "v\($0)" }.joined(separator: ",")])
        let file = try File.open(output("rect.h5"))
        let rows = try file.dataset("/var_i").readStrings().map { Int($0.dropFirst())! }
        let columns = try file.dataset("/var_j").readStrings().map { Int($0.dropFirst())! }
        #expect(Set(rows) == Set(xs) && Set(columns) == Set(ys))
        let rectangle = try miBits(output("rect.h5"))
        try #require(rectangle.count == rows.count * columns.count)
        var differing: [(Int, Int)] = []
        for (i, x) in rows.enumerated() {
            for (j, y) in columns.enumerated() where rectangle[i * columns.count + j] != reference[x * 300 + y] { differing.append((x, y)) }
        }
        #expect(differing.isEmpty, "\(differing.count) of \(rectangle.count) pairs differ from the all-pairs run, e.g. \(differing.prefix(5))")
    }

    /// An interrupted gcmi run (SIGTERM once the checkpoint holds pairs) resumes, on other
    /// threads, to the uninterrupted run's bits. Without --permutations the panel route writes
    /// /mi directly (p = 600 so that the run lasts long enough to interrupt); with per-pair
    /// permutations it stores each cell with its p-value.
    @Test(arguments: [
        (600, 300, [String]()),
        (40, 400, ["--permutations", "300", "--permutation-stop", "0", "--null", "per-pair"]),
    ])
    func anInterruptedRunResumesToIdenticalBits(variables p: Int, samples n: Int, options: [String]) throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.writeInput(input, samples: n, variables: p, seed: 23)
        let base = [input, "--dataset", "/data", "--estimator", "gcmi"] + options
        let reference = dir.appendingPathComponent("ref.h5").path
        try Self.run(["run"] + base + ["-o", reference, "--threads", "2", "--quiet"])

        let output = dir.appendingPathComponent("out.h5").path
        let checkpoint = output + ".ckpt"
        let process = Process()
        process.executableURL = mibatchExecutable
        process.arguments = ["run"] + base + ["-o", output, "--threads", "1", "--checkpoint-interval", "0.05", "--quiet"]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        try launch(process)
        // The journal's header is ~650 bytes; wait for cells, then interrupt.
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline
            && ((try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int) ?? 0) < 2000 {
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(process.terminationStatus == 75, "the run should be interrupted, not finished: \(stderr)")
        #expect(stderr.contains("interrupted by SIGTERM") && stderr.contains(".ckpt"), "\(stderr)")
        print("GCMICommandTests (p = \(p)\(options.isEmpty ? "" : ", permutations")): \(stderr.split(separator: "\n").first ?? "")")
        #expect(!FileManager.default.fileExists(atPath: output), "no file under the final name")
        #expect(FileManager.default.fileExists(atPath: checkpoint))

        let rerun = try Self.run(["run"] + base + ["-o", output, "--threads", "2"])
        #expect(rerun.stderr.contains("resuming"), "\(rerun.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "checkpoint removed after success")
        for name in ["/mi", "/status"] + (options.isEmpty ? [] : ["/pvalue", "/qvalue"]) {
            #expect(try Self.matrix(output, name).map(\.bitPattern) == Self.matrix(reference, name).map(\.bitPattern), "\(name)")
        }
    }

    // MARK: Values

    /// A copula normalization and Gaussian MI written in numpy/scipy (ranks by argsort,
    /// scipy.special.ndtri((r + 1)/(n + 1)), covariance SᵀS/(n − 1), log-determinants by
    /// Cholesky, the bias from scipy.special.psi), for every pair of variables given as column
    /// ranges; frites' gcmi_1d_cc (bits, bias-corrected) on the first `fritesPairs` pairs
    /// when `import frites` works. argv: input, groups JSON, then (output, corrected 0/1)...
    static let referenceScript = """
        import json, sys
        import h5py, numpy as np
        from scipy.special import ndtri, psi
        data = h5py.File(sys.argv[1], "r")["data"][()]
        groups = json.loads(sys.argv[2])
        fritesPairs = int(sys.argv[3])
        n = data.shape[0]
        ranks = np.argsort(np.argsort(data, axis=0, kind="stable"), axis=0)
        scores = ndtri((ranks + 1.0) / (n + 1.0))
        def bias(dx, dy):
            return (sum(psi((n - k) / 2.0) / 2.0 for k in range(dy + 1, dx + dy + 1))
                    - sum(psi((n - k) / 2.0) / 2.0 for k in range(1, dx + 1)))
        def halflogdet(c):
            return np.sum(np.log(np.diag(np.linalg.cholesky(c))))
        p = len(groups)
        scalar = all(b - a == 1 for a, b in groups)
        if scalar:
            s = scores[:, [a for a, b in groups]]
            g = s.T @ s
            d = np.sqrt(np.diag(g))
            r = g / np.outer(d, d)
            np.fill_diagonal(r, 0.0)
            raw = -0.5 * np.log1p(-(r * r))
        else:
            raw = np.zeros((p, p))
            for i in range(p):
                for j in range(p):
                    if i == j: continue
                    x = scores[:, groups[i][0]:groups[i][1]]; y = scores[:, groups[j][0]:groups[j][1]]
                    xy = np.hstack([x, y])
                    c = xy.T @ xy / (n - 1.0)
                    dx = x.shape[1]
                    raw[i, j] = halflogdet(c[:dx, :dx]) + halflogdet(c[dx:, dx:]) - halflogdet(c)
        dims = [b - a for a, b in groups]
        biases = np.array([[bias(dims[i], dims[j]) for j in range(p)] for i in range(p)]) if not scalar else np.full((p, p), bias(1, 1))
        report = {"bias11": bias(1, 1), "outputs": []}
        off = ~np.eye(p, dtype=bool)
        for k in range(4, len(sys.argv), 2):
            mi = h5py.File(sys.argv[k], "r")["mi"][()]
            expected = raw + biases if sys.argv[k + 1] == "1" else raw
            report["outputs"].append({"max_abs": float(np.max(np.abs(mi[off] - expected[off]))),
                                      "diagonal_nan": bool(np.isnan(np.diag(mi)).all()),
                                      "max_mi": float(np.max(mi[off]))})
        try:
            from frites.core import gcmi_1d_cc
        except Exception as error:
            report["frites"] = None
            report["frites_error"] = str(error)
        else:
            mi = h5py.File(sys.argv[4], "r")["mi"][()]
            pairs = [(i, j) for i in range(p) for j in range(p) if i < j][:fritesPairs]
            worst = 0.0
            for i, j in pairs:
                x = data[:, groups[i][0]:groups[i][1]].T; y = data[:, groups[j][0]:groups[j][1]].T
                worst = max(worst, abs(gcmi_1d_cc(x, y) * np.log(2.0) - mi[i, j]))
            report["frites"] = {"pairs": len(pairs), "max_abs": worst}
        print(json.dumps(report))
        """

    /// Runs the reference script; its JSON report.
    static func reference(input: String, groups: [(Int, Int)], fritesPairs: Int, outputs: [(String, Bool)],
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let groupsJSON = "[" + groups.map { "[\($0.0), \($0.1)]" }.joined(separator: ", ") + "]"
        let arguments = [input, groupsJSON, "\(fritesPairs)"] + outputs.flatMap { [$0.0, $0.1 ? "1" : "0"] }
        let result = try runPython(referenceScript, arguments, sourceLocation: sourceLocation)
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(result.stdout)\(result.stderr)",
                            sourceLocation: sourceLocation)
    }

    /// Every pair of the p = 300 matrix, bias-corrected and not, equals the numpy/scipy
    /// reference to 1e-10 nats (and frites on 40 pairs, where installed); `--bias-correction
    /// none` is larger than the default by exactly −bias(n, 1, 1) ≈ 1/(2n) on every pair (the
    /// same uncorrected bits plus the term); the values equal the library's per-pair estimate.
    @Test func valuesMatchANumpyReferenceAndFrites() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let n = 500, p = 300
        let values = try Self.writeInput(input, samples: n, variables: p)
        let base = ["run", input, "--dataset", "/data", "--estimator", "gcmi", "--quiet"]
        let corrected = dir.appendingPathComponent("corrected.h5").path, plain = dir.appendingPathComponent("none.h5").path
        try Self.run(base + ["-o", corrected])
        try Self.run(base + ["-o", plain, "--bias-correction", "none"])

        let report = try Self.reference(input: input, groups: (0..<p).map { ($0, $0 + 1) }, fritesPairs: 40,
                                        outputs: [(corrected, true), (plain, false)])
        let outputs = try #require(report["outputs"] as? [[String: Any]])
        for (name, entry) in zip(["corrected", "none"], outputs) {
            let worst = try #require(entry["max_abs"] as? Double)
            #expect(worst < 1e-10, "\(name): max |mibatch − numpy| = \(worst)")
            print("GCMICommandTests: \(name), max |mibatch − numpy| = \(worst) nats")
            #expect(entry["diagonal_nan"] as? Bool == true)
            #expect((entry["max_mi"] as? Double ?? 0) > 0.2, "strong pairs present")
        }
        if let frites = report["frites"] as? [String: Any] {
            let worst = try #require(frites["max_abs"] as? Double)
            #expect(frites["pairs"] as? Int == 40)
            #expect(worst < 1e-10, "max |mibatch − frites gcmi_1d_cc| = \(worst) nats")
            print("GCMICommandTests: scalar pairs, max |mibatch − frites| = \(worst) nats over \(frites["pairs"] ?? 0) pairs")
        } else {
            print("GCMICommandTests: frites not importable, its comparison skipped (\(report["frites_error"] ?? ""))")
        }
        // The bias term: scipy's ψ and the library's agree; none − corrected is exactly it.
        let bias = GCMI.bias(samples: n, 1, 1)
        let scipyBias = try #require(report["bias11"] as? Double)
        #expect(abs(bias - scipyBias) < 1e-15, "bias \(bias) vs scipy \(scipyBias)")
        #expect(abs(-bias - 1 / (2 * Double(n))) < 2 / Double(n * n))
        let a = try Self.matrix(corrected), b = try Self.matrix(plain)
        var checked = 0
        for i in 0..<p {
            for j in 0..<p where i != j {
                let k = i * p + j
                #expect((b[k] + bias).bitPattern == a[k].bitPattern, "(\(i), \(j)): none \(b[k]) + bias \(bias) ≠ corrected \(a[k])")
                #expect(b[k] > a[k])
                checked += 1
            }
        }
        #expect(checked == p * (p - 1))
        // The library's per-pair estimate (seed 0, variable index = column) on a few rows.
        let gcmi = GCMI()
        let prepared = try (0..<p).map { v in try GCMI.prepare(VariableData(column: (0..<n).map { values[$0 * p + v] }), seed: 0, variableIndex: UInt64(v)) }
        for i in [0, 1, 127, 128, 299] {
            for j in 0..<p where j != i {
                let single = try gcmi.estimate(prepared[i], prepared[j])
                #expect(abs(single - a[i * p + j]) <= 1e-12 * (abs(single) + abs(bias)) + 4.5e-16, "(\(i), \(j)): \(a[i * p + j]) vs \(single)")
            }
        }
    }

    /// Multi-dimensional variables (--variables: 2-D, 3-D and scalar ones together, so a tile
    /// holds panel cells and per-pair cells) equal the reference and frites to 1e-10, and the
    /// same bits for 1 and 2 threads.
    @Test func multidimensionalVariablesMatchTheReference() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.writeInput(input, samples: 400, variables: 24, seed: 5)
        let groups = [(0, 2), (2, 5), (5, 6), (6, 7), (7, 9), (9, 10), (10, 13), (13, 14), (14, 15), (15, 17), (17, 20), (20, 21), (21, 22), (22, 24)]
        let spec = groups.enumerated().map { "g\($0)=\($1.0):\($1.1)" }.joined(separator: ",")
        let base = ["run", input, "--dataset", "/data", "--estimator", "gcmi", "--variables", spec, "--quiet"]
        let one = dir.appendingPathComponent("one.h5").path, two = dir.appendingPathComponent("two.h5").path
        let plain = dir.appendingPathComponent("none.h5").path
        try Self.run(base + ["-o", one, "--threads", "1"])
        try Self.run(base + ["-o", two, "--threads", "2"])
        try Self.run(base + ["-o", plain, "--bias-correction", "none"])
        #expect(try miBits(one) == miBits(two))
        let report = try Self.reference(input: input, groups: groups, fritesPairs: 30, outputs: [(one, true), (plain, false)])
        let outputs = try #require(report["outputs"] as? [[String: Any]])
        #expect(outputs.count == 2)
        for entry in outputs {
            let worst = try #require(entry["max_abs"] as? Double)
            #expect(worst < 1e-10, "max |mibatch − numpy| = \(worst)")
        }
        if let frites = report["frites"] as? [String: Any] {
            let worst = try #require(frites["max_abs"] as? Double)
            #expect(worst < 1e-10, "max |mibatch − frites gcmi_1d_cc| = \(worst) nats")
            print("GCMICommandTests: multi-dimensional pairs, max |mibatch − frites| = \(worst) nats over \(frites["pairs"] ?? 0) pairs")
        } else {
            print("GCMICommandTests: frites not importable, its comparison skipped (\(report["frites_error"] ?? ""))")
        }
        // The difference of the two corrections is the bias term of the pair's dimensions.
        let a = try Self.matrix(one), b = try Self.matrix(plain)
        let q = groups.count
        for i in 0..<q {
            for j in 0..<q where i != j {
                let term = GCMI.bias(samples: 400, groups[i].1 - groups[i].0, groups[j].1 - groups[j].0)
                #expect(abs(b[i * q + j] + term - a[i * q + j]) < 1e-14, "(\(i), \(j))")
            }
        }
    }

    // MARK: Provenance and refusals

    /// The output names the estimator and its settings (`estimator` attributes of the file and
    /// of /mi, `configuration`, `normalization`); `--units bits`; `--discrete` refused in one
    /// line with status 64 and no output; each estimator's `--bias-correction` value refused for
    /// the other.
    @Test func provenanceNamesGCMIAndInapplicableOptionsAreRefused() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try Self.writeInput(input, samples: 200, variables: 8)
        let output = dir.appendingPathComponent("out.h5").path
        let base = ["run", input, "--dataset", "/data", "--estimator", "gcmi", "-o", output]

        let result = try Self.run(base)
        #expect(result.stdout.contains("GCMI (bias-corrected)"), "\(result.stdout)")
        #expect(try Self.string(output, "estimator") == "GCMI (bias-corrected)")
        #expect(try Self.string(output, "units") == "nats")
        #expect(try Self.string(output, "normalization")?.contains("copula") == true)
        let mi = try File.open(output).dataset("/mi")
        #expect(try mi.attribute("estimator") == .string("GCMI (bias-corrected)"))
        let configuration = try #require(try Self.string(output, "configuration"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(configuration.utf8)) as? [String: Any])
        #expect(json["estimator"] as? String == "gcmi")
        #expect(json["biasCorrection"] as? String == "gaussian")
        #expect(try Self.string(output, "command_line")?.contains("--estimator gcmi") == true)

        let none = dir.appendingPathComponent("none.h5").path
        try Self.run(["run", input, "--dataset", "/data", "--estimator", "gcmi", "-o", none, "--bias-correction", "none", "--quiet"])
        #expect(try Self.string(none, "estimator") == "GCMI (no bias correction)")
        let noneJSON = try #require(try JSONSerialization.jsonObject(with: Data((try Self.string(none, "configuration") ?? "").utf8)) as? [String: Any])
        #expect(noneJSON["biasCorrection"] as? String == "none")
        // --units bits: the nats divided by log 2, and said so.
        let bits = dir.appendingPathComponent("bits.h5").path
        try Self.run(["run", input, "--dataset", "/data", "--estimator", "gcmi", "-o", bits, "--units", "bits", "--bias-correction", "gaussian", "--quiet"])
        #expect(try Self.string(bits, "units") == "bits")
        let nats = try Self.matrix(output), inBits = try Self.matrix(bits)
        for k in nats.indices where k / 8 != k % 8 {
            #expect(abs(inBits[k] - nats[k] / log(2.0)) <= 1e-15 * abs(nats[k]), "bits at \(k): \(inBits[k]) vs \(nats[k])")
        }

        // Declared-discrete variables: one line, status 64, no output.
        let refusedOutput = dir.appendingPathComponent("refused.h5").path
        let refusedBase = ["run", input, "--dataset", "/data", "--estimator", "gcmi", "-o", refusedOutput]
        for discrete in ["v3", "all"] {
            try expectRefused(refusedBase + ["--discrete", discrete], output: refusedOutput, status: 64, mentions: ["--discrete", "gcmi"])
        }
        // Binned's correction for gcmi, gcmi's for binned: status 64 naming the value, no output.
        for (estimator, value) in [("gcmi", "miller-madow"), ("binned", "gaussian")] {
            let refused = try runMibatch(["run", input, "--dataset", "/data", "--estimator", estimator, "-o", refusedOutput, "--bias-correction", value])
            #expect(refused.status == 64, "\(estimator) \(value): \(refused.stderr)")
            let first = refused.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.contains("--bias-correction \(value)") && first.contains(estimator == "gcmi" ? "gaussian" : "miller-madow"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: refusedOutput))
        }
    }
}
