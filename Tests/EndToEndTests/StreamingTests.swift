import Foundation
import HDF5
import Testing

/// A memory budget smaller than the input streams blocks; results never change.
@Suite struct StreamingTests {
    @Test func streamedRunsAreBitIdenticalToInMemoryRunsForEveryLayoutAndThreadCount() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let n = 3000, p = 40
        var random = TestRandom(seed: 17)
        var values = [Double](repeating: 0, count: n * p)
        for i in 0..<n {
            for j in 0..<p { values[i * p + j] = random.normal() + (j % 2 == 1 ? 0.7 * values[i * p + j - 1] : 0) }
        }
        do {
            let file = try File.create(input)
            try file.createDataset("/flat", type: .float64, shape: [n, p]).write(values)
            try file.createDataset("/rows", type: .float64, shape: [n, p], layout: DatasetLayout(chunks: [128, p])).write(values)
            try file.createDataset("/cols", type: .float64, shape: [n, p],
                                   layout: DatasetLayout(chunks: [n, 3], shuffle: true, deflateLevel: 3)).write(values)
        }
        let plan = try runMibatch(["plan", input, "--dataset", "/cols", "-o", "unused.h5", "--memory", "50M"])
        #expect(plan.status == 0, "stderr: \(plan.stderr)")
        #expect(plan.stdout.contains("streamed"), "50M must not hold the whole input: \(plan.stdout)")
        var reference: [UInt64]? = nil
        for (index, (dataset, arguments)) in [("/flat", ["--threads", "1"]), ("/flat", ["--memory", "50M", "--threads", "2"]),
                                               ("/rows", ["--memory", "50M", "--threads", "7"]),
                                               ("/cols", ["--memory", "50M", "--threads", "2"])].enumerated() {
            let output = dir.appendingPathComponent("out\(index).h5").path
            let result = try runMibatch(["run", input, "--dataset", dataset, "-o", output, "--quiet"] + arguments)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let bits = try File.open(output).dataset("/mi").readAll().map(\.bitPattern)
            if let reference { #expect(bits == reference, "\(dataset) \(arguments) differs") } else { reference = bits }
        }
        let tooSmall = try runMibatch(["run", input, "--dataset", "/flat", "-o", dir.appendingPathComponent("x.h5").path, "--memory", "1K"])
        #expect(tooSmall.status == 64)
        #expect(tooSmall.stderr.contains("too small"))
    }

    @Test func progressLinesAppearWhenStderrIsNotATerminal() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 2000, rhos: [Double](repeating: 0.5, count: 15), seed: 8)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--progress-interval", "0.1", "--threads", "1"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("pairs ("), "no progress line in: \(result.stderr)")
        #expect(result.stdout.contains("peak memory"))
        let quiet = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--force", "--quiet", "--progress-interval", "0.1"])
        #expect(quiet.stderr.isEmpty && quiet.stdout.isEmpty)
    }

    /// The reported peak is mibatch's own, not that of a process that exec'd it (as
    /// `swift run` does): a parent that touched 600 MiB before exec must not show up.
    @Test func peakMemoryIsThisProgramsOwnAfterExec() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 500, rhos: [0.5, 0.5], seed: 9)
        let output = dir.appendingPathComponent("out.h5").path
        let script = "import os, sys; big = b'x' * (600 << 20); os.execv(sys.argv[1], sys.argv[1:])"
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script, mibatchExecutable.path,
                                                     "run", input, "--dataset", "/data", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let words = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," })
        let at = try #require(words.firstIndex(of: "memory"), "no peak memory in: \(result.stdout)")
        let value = try #require(Double(words[at + 1])), unit = words[at + 2]
        let mib = unit == "GiB" ? value * 1024 : unit == "KiB" ? value / 1024 : value
        #expect(unit != "GiB" && mib < 400, "reported peak \(value) \(unit) includes the exec'ing parent's 600 MiB")
    }
}
