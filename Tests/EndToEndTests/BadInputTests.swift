import Foundation
import HDF5
import Testing

/// Bad inputs: one line on stderr naming the file and dataset, a documented non-zero
/// exit status, and no output file.
@Suite struct BadInputTests {
    @Test func missingInputFile() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("nope.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 66, mentions: [input])
    }

    @Test func missingDataset() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try writeCorrelatedPairs(to: input, samples: 20, rhos: [0.5], seed: 1)
        try expectRefused(["run", input, "--dataset", "/expression", "-o", output], output: output, status: 66,
                          mentions: [input, "/expression"])
    }

    @Test func threeDimensionalDataset() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        do {
            let file = try File.create(input)
            try file.createDataset("/cube", type: .float64, shape: [4, 3, 2]).write((0..<24).map(Double.init))
        }
        try expectRefused(["run", input, "--dataset", "/cube", "-o", output], output: output, status: 65,
                          mentions: [input, "/cube", "4 × 3 × 2"])
    }

    @Test func notHDF5AndGroupAndNonFinite() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.h5").path
        let text = dir.appendingPathComponent("text.h5").path
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        try expectRefused(["run", text, "--dataset", "/data", "-o", output], output: output, status: 66,
                          mentions: [text, "not an HDF5 file"])

        let input = dir.appendingPathComponent("in.h5").path
        do {
            let file = try File.create(input)
            try file.createGroup("/grp")
            var values = (0..<40).map { Double($0 % 7) + Double($0) * 0.01 }
            values[2 * 4 + 3] = .nan   // row 2, column 3
            values[9 * 4 + 1] = .infinity
            try file.createDataset("/data", type: .float64, shape: [10, 4]).write(values)
        }
        try expectRefused(["run", input, "--dataset", "/grp", "-o", output], output: output, status: 66,
                          mentions: [input, "/grp", "not a dataset"])
        try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 65,
                          mentions: [input, "/data", "column 3 (variable 'v3'), row 2", "2 non-finite"])
    }

    @Test func tooFewSamplesAndBadOptions() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let output = dir.appendingPathComponent("out.h5").path
        try writeCorrelatedPairs(to: input, samples: 3, rhos: [0.5], seed: 1)
        try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 65,
                          mentions: [input, "/data", "3 samples"])
        let zeroK = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--k", "0"])
        #expect(zeroK.status == 64)
        #expect(zeroK.stderr.contains("--k"))
        let zeroThreads = try runMibatch(["run", input, "--dataset", "/data", "-o", output, "--threads", "0"])
        #expect(zeroThreads.status == 64)
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func missingOutputDirectory() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        try writeCorrelatedPairs(to: input, samples: 30, rhos: [0.5], seed: 1)
        let output = dir.appendingPathComponent("no/such/dir/out.h5").path
        try expectRefused(["run", input, "--dataset", "/data", "-o", output], output: output, status: 73,
                          mentions: [output, "does not exist"])
    }
}
