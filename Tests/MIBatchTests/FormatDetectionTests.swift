import Foundation
import HDF5
@testable import MIBatch
import Testing

/// Which format a file is detected as, on the committed samples and scanpy's file: what
/// `--dataset` changes, and the catalog and names each format source resolves.
@Suite struct FormatDetectionTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/formats")
    static let h5ad = samples.appendingPathComponent("pbmc-like.h5ad").path
    static let tenX = samples.appendingPathComponent("pbmc-like-10x.h5").path

    func detect(_ path: String, dataset: String?, configure: (inout RunConfiguration) -> Void = { _ in }) throws -> InputFormat {
        var configuration = RunConfiguration(input: path, dataset: dataset, output: "unused.h5")
        configure(&configuration)
        return InputFormat.detect(file: try File.open(path), configuration: configuration)
    }

    @Test func samplesAreDetectedByTheirLayout() throws {
        #expect(try detect(Self.h5ad, dataset: nil) == .anndata)
        #expect(try detect(Self.h5ad, dataset: "/X") == .anndata, "a sparse X named by --dataset is AnnData")
        #expect(try detect(Self.h5ad, dataset: "/obs/_index") == .dense, "another dataset stays dense")
        #expect(try detect(Self.tenX, dataset: nil) == .tenX)
        #expect(try detect(Self.tenX, dataset: "/matrix") == .tenX)
        #expect(try detect(Self.tenX, dataset: "/matrix/data") == .dense)
    }

    /// scanpy's file has a dense X: `--dataset /X` alone reads it as a dense dataset, as
    /// before; the sparse `raw.X` or `--raw` make it AnnData.
    @Test func aDenseAnnDataXNamedByDatasetStaysDense() throws {
        // Where .ci/setup-tests puts it (the rule of the end-to-end tests' cachedTestDataPath).
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        let data = cache + "/mibatch-test-data/10x_pbmc68k_reduced.h5ad"
        try #require(FileManager.default.fileExists(atPath: data), "\(data) is missing: run .ci/setup-tests")
        #expect(try detect(data, dataset: "/X") == .dense)
        #expect(try detect(data, dataset: nil) == .anndata)
        #expect(try detect(data, dataset: "/raw.X") == .anndata)
        #expect(try detect(data, dataset: "/X") { $0.raw = true } == .anndata)
    }

    @Test func formatSourcesResolveNamesAndAlternateNames() throws {
        let anndata = try InputFormat.open(RunConfiguration(input: Self.h5ad, dataset: "/X", output: "unused.h5"))
        #expect(anndata is AnnDataSource && anndata.catalog.samples == 300 && anndata.catalog.variables.count == 40)
        #expect(anndata.catalog.variables[7].name == "GENE06-1")
        #expect(anndata.catalog.variables[7].alternateNames == ["ENSG00000000007"], "var/gene_ids")
        let tenX = try InputFormat.open(RunConfiguration(input: Self.tenX, dataset: "/matrix", output: "unused.h5"))
        #expect(tenX is TenXSource && tenX.catalog.variables.count == 40)
        #expect(tenX.catalog.variables[7].name == "GENE06_2" && tenX.catalog.variables[7].alternateNames == ["ENSG00000000007"])
        #expect(tenX.catalog.datasets[0].shape == [43, 300] && tenX.catalog.datasets[0].transposed)
        // Narrowing keeps names and alternate names with their variables.
        tenX.select([7, 0])
        #expect(tenX.catalog.variables.map(\.name) == ["GENE06_2", "GENE00"])
        #expect(try tenX.load([0], bandBytes: 1 << 20)[0]?.values == (try anndata.load([7], bandBytes: 1 << 20))[7]?.values)
        #expect(tenX.provenance.attributes.first { $0.name == "input_features" }?.value == "40 of 43")
    }
}
