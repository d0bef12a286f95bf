import Foundation
import HDF5
@testable import MIBatch
import Testing

/// The format registry, and what the dense source contributes to provenance and the plan.
@Suite struct InputFormatTests {
    /// A file with `/a` 10×2 float64, `/b` 10 int32 and `/t` 3×10 float32 (chunked 1×5).
    func withFile(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("in.h5").path
        do {
            let file = try File.create(path)
            try file.createDataset("/a", type: .float64, shape: [10, 2]).write((0..<20).map { sin(Double($0)) })
            try file.createDataset("/b", type: .int32, shape: [10]).write((0..<10).map { Double($0 % 4) })
            try file.createDataset("/t", type: .float32, shape: [3, 10], layout: DatasetLayout(chunks: [1, 5]))
                .write((0..<30).map { cos(Double($0)) })
        }
        try body(path)
    }

    @Test func everyFormatIsDetectableAndDenseComesLast() {
        #expect(InputFormat.detectionOrder.count == InputFormat.allCases.count)
        #expect(Set(InputFormat.detectionOrder) == Set(InputFormat.allCases))
        #expect(InputFormat.detectionOrder.last == .dense, "dense reads any HDF5 file: it must be the fallback")
        for format in InputFormat.allCases { #expect(InputFormat(rawValue: format.rawValue) == format) }
    }

    @Test func aPlainFileOpensAsDense() throws {
        try withFile { path in
            let configuration = RunConfiguration(input: path, dataset: "/a", output: "unused.h5")
            let file = try File.open(path)
            #expect(InputFormat.detect(file: file, configuration: configuration) == .dense)
            let source = try InputFormat.open(configuration)
            #expect(source is DenseHDF5Source)
            #expect(source.catalog.variables.map(\.name) == ["v0", "v1"] && source.catalog.samples == 10)
            #expect(try InputFormat.open(configuration, format: .dense).catalog.variables.count == 2)
        }
    }

    @Test func openingNamesTheFileThatIsMissingOrNotHDF5() throws {
        let missing = "/nonexistent-\(UUID().uuidString).h5"
        #expect(throws: MIBatchError.hdf5(.fileNotFound(path: missing))) {
            _ = try InputFormat.open(RunConfiguration(input: missing, dataset: "/x", output: "unused.h5"))
        }
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-\(UUID().uuidString).h5").path
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: text))
        defer { try? FileManager.default.removeItem(atPath: text) }
        #expect(throws: MIBatchError.hdf5(.notHDF5(path: text))) {
            _ = try InputFormat.open(RunConfiguration(input: text, dataset: "/x", output: "unused.h5"))
        }
    }

    @Test func denseProvenanceFieldsForWholeDatasets() throws {
        try withFile { path in
            var configuration = RunConfiguration(input: path, dataset: nil, output: "unused.h5")
            configuration.variables = .datasets(["/a", "/b"])
            let source = try InputFormat.open(configuration)
            let fields = source.provenance.attributes
            #expect(fields.map(\.name) == ["input_file", "input_dataset", "input_shape", "input_dtype", "input_layout"])
            #expect(fields.map(\.value) == [URL(fileURLWithPath: path).standardizedFileURL.path, "/a, /b", "10x2, 10",
                                            "float64, int32", "samples x variables"])
            #expect(source.provenance.samples == 10)
            // Provenance writes them, in order, between `nan` and `input_digest`.
            let names = Provenance(commandLine: ["mibatch"], configuration: configuration, input: source.provenance,
                                   digest: "sha256:0", start: Date(), end: Date()).attributes.map(\.0)
            let nan = try #require(names.firstIndex(of: "nan"))
            #expect(Array(names[(nan + 1)...].prefix(6)) == fields.map(\.name) + ["input_digest"])
            #expect(source.planDescription == "\(path) (/a 10x2 float64, contiguous; /b 10 int32, contiguous)")
        }
    }

    @Test func denseProvenanceFieldsForATransposedDataset() throws {
        try withFile { path in
            var configuration = RunConfiguration(input: path, dataset: "/t", output: "unused.h5")
            configuration.transpose = true
            let source = try InputFormat.open(configuration)
            #expect(source.provenance.attributes.map(\.value).dropFirst() == ["/t", "3x10", "float32", "variables x samples"])
            #expect(source.provenance.samples == 10 && source.catalog.variables.count == 3)
            #expect(source.planDescription == "\(path) (/t 3x10 float32, chunks 1x5)")
        }
    }
}
