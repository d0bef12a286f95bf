import Foundation
import HDF5
@testable import MIBatch
import Testing

/// The matrix-layer registry and the code that handles every layer alike: the writer (and
/// its attributes), `ResultFile`, the checkpoint and merge. Each test iterates
/// `MatrixLayer.all`, so a layer added to the registry is covered without a new test.
@Suite struct MatrixLayerTests {
    /// A distinct value of `layer`'s element type for `seed` (NaN every 7th for float64).
    static func bits(_ layer: MatrixLayer, _ seed: Int) -> UInt64 {
        switch layer.element {
        case .float64: return (seed % 7 == 3 ? Double.nan : Double(seed) * 0.25 - 3).layerBits
        case .uint8: return UInt8(seed % 251).layerBits
        case .int32: return Int32(seed * 3 - 50).layerBits
        }
    }

    /// The array of `layer`'s element type holding `bits`.
    static func array(_ layer: MatrixLayer, _ bits: [UInt64]) -> LayerArray {
        switch layer.element {
        case .float64: return .float64(bits.map(Double.init(layerBits:)))
        case .uint8: return .uint8(bits.map(UInt8.init(layerBits:)))
        case .int32: return .int32(bits.map(Int32.init(layerBits:)))
        }
    }

    /// Every registered layer over `cells` cells: `/status` from `status`, the others from `seed`.
    static func layers(cells: Int, status: (Int) -> UInt8, seed: Int, only: [MatrixLayer] = MatrixLayer.all) -> MatrixLayers {
        var layers = MatrixLayers()
        for layer in only {
            layers[layer] = layer == .status ? .uint8((0..<cells).map(status))
                : array(layer, (0..<cells).map { bits(layer, seed * 1000 + $0 * (layer.rawValue + 1)) })
        }
        return layers
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-layers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theRegistryIsConsistent() {
        #expect(MatrixLayer.all.map(\.rawValue) == Array(MatrixLayer.all.indices), "registry order is the index order")
        #expect(MatrixLayer.all.count <= CellValues.capacity)
        #expect(Set(MatrixLayer.all.map(\.path)).count == MatrixLayer.all.count)
        #expect(MatrixLayer.all.prefix(3).map(\.path) == ["/mi", "/status", "/samples"], "the order datasets and checkpoint fields have")
        #expect(MatrixLayer.mi.spec.presence.isAlways && MatrixLayer.status.spec.presence.isAlways)
        var pairwise = RunConfiguration(input: "i", dataset: "/d", output: "o")
        #expect(!MatrixLayer.samples.isPresent(in: pairwise))
        pairwise.nan = .pairwise
        #expect(MatrixLayer.samples.isPresent(in: pairwise))
        for layer in MatrixLayer.all {
            let names = layer.spec.attributes.map(\.name)
            #expect(Set(names).count == names.count, "\(layer): attribute names are unique")
            #expect(names.first == "long_name", "\(layer): every layer has a long_name")
            #expect(CellValues()[bits: layer] == layer.spec.fillBits)
            #expect(LayerArray(filling: layer, count: 3)[bits: 2] == layer.spec.fillBits)
            #expect(layer.spec.fileFillValue == nil || layer.element == .float64)
            #expect(layer.spec.mergeRule == .fromComputingShard)
        }
    }

    /// The engine's matrix holds exactly the layers its configuration asks for, each full size,
    /// mirrored in a symmetric plan when its description says so.
    @Test(arguments: NonFinitePolicy.allCases)
    func theEngineKeepsTheLayersOfItsConfiguration(policy: NonFinitePolicy) throws {
        var random = SystemRandomNumberGenerator()
        let columns = (0..<3).map { index in ("v\(index)", (0..<40).map { _ in Double.random(in: 0..<1, using: &random) }) }
        var configuration = RunConfiguration(input: "i", dataset: "/x", output: "o")
        configuration.nan = policy
        let matrix = try EngineHarness.run(columns, configuration: configuration).matrix
        #expect(matrix.layers.present == MatrixLayer.all.filter { $0.isPresent(in: configuration) })
        for layer in matrix.layers.present {
            let values = try #require(matrix.layers[layer])
            #expect(values.count == 9, "\(layer)")
            #expect(values[bits: 0] == layer.spec.fillBits, "\(layer): the diagonal is not computed")
            if layer.spec.mirrored { #expect(values[bits: 1] == values[bits: 3] && values[bits: 5] == values[bits: 7], "\(layer)") }
        }
    }

    /// Each dataset is written as its description says: element type, chunks, filters, the
    /// attribute set (plus `DIMENSION_LIST`) with its values, dimension scales; and reads
    /// back bit for bit through `ResultFile`.
    @Test(arguments: [OutputCompression.deflate(level: 1), .none])
    func theWriterWritesEveryLayerAsDescribed(compression: OutputCompression) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = ["a", "b", "c"], columns = ["d", "e", "f", "g", "h"]
        let layers = Self.layers(cells: 15, status: { UInt8($0 % 3) }, seed: 1)
        let reasons = ["constant variable": 2, "too few samples": 3]
        let matrix = MIMatrix(rowNames: rows, columnNames: columns, layers: layers, failureReasons: reasons)
        let path = dir.appendingPathComponent("out.h5").path
        try OutputWriter.write(matrix, attributes: [("tool", "mibatch")], units: "bits", estimator: "KSG-test",
                               compression: compression, to: path, overwrite: false)
        let read = try ResultFile.read(path)
        #expect(read.layers == layers, "every layer reads back bit for bit")
        #expect(read.layers.present == MatrixLayer.all)
        let file = try File.open(path)
        let context = LayerContext(units: "bits", estimator: "KSG-test", failureReasons: reasons)
        for layer in MatrixLayer.all {
            let dataset = try file.dataset(layer.path)
            #expect(dataset.elementType == layer.element.elementType, "\(layer)")
            #expect(dataset.shape == [3, 5] && dataset.chunkShape == OutputStorage.chunkShape(rows: 3, columns: 5), "\(layer)")
            #expect(dataset.filters == (compression == .none ? [] : ["shuffle", "deflate(1)"]), "\(layer)")
            let expected = layer.spec.attributes.filter { $0.resolved(context) != nil }.map(\.name) + ["DIMENSION_LIST"]
            #expect(Set(try dataset.attributeNames()) == Set(expected), "\(layer): the attributes of its description")
            for attribute in layer.spec.attributes {
                let written = try dataset.attribute(attribute.name)
                #expect(Self.same(written, attribute.resolved(context)), "\(layer) \(attribute.name): \(String(describing: written))")
            }
            #expect(dataset.attachedScaleName(dimension: 0) == "/var_i" && dataset.attachedScaleName(dimension: 1) == "/var_j")
        }
        #expect(try file.dataset("/status").attribute("failure_reasons") == .string("{\"constant variable\": 2, \"too few samples\": 3}"))
        #expect(try file.dataset("/mi").attribute("units") == .string("bits"))
    }

    /// Optional layers left out of a matrix are absent from the file (and from `ResultFile`).
    @Test func absentLayersAreNotWritten() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let always = MatrixLayer.all.filter(\.spec.presence.isAlways)
        let layers = Self.layers(cells: 4, status: { _ in 1 }, seed: 2, only: always)
        let path = dir.appendingPathComponent("out.h5").path
        try OutputWriter.write(MIMatrix(rowNames: ["a", "b"], columnNames: ["c", "d"], layers: layers),
                               attributes: [("tool", "mibatch")], units: "nats", estimator: "e", compression: .default,
                               to: path, overwrite: false)
        let file = try File.open(path)
        for layer in MatrixLayer.all { #expect(file.contains(layer.path) == always.contains(layer), "\(layer)") }
        #expect(try ResultFile.read(path).layers.present == always)
        #expect(!(try file.dataset("/status").attributeNames()).contains("failure_reasons"), "no failures, no attribute")
    }

    /// Attribute values equal, NaN equal to NaN.
    static func same(_ a: AttributeValue?, _ b: AttributeValue?) -> Bool {
        switch (a, b) {
        case let (.double(x)?, .double(y)?): return x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
        default: return a == b
        }
    }

    /// Each layer merges by its rule: a cell takes the value of the shard whose status is
    /// not 0 there.
    @Test func mergeCombinesEveryLayerFromTheComputingShard() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = ["a", "b"], columns = ["c", "d", "e"], cells = 6
        let first = Self.layers(cells: cells, status: { $0 % 2 == 0 ? 1 : 0 }, seed: 3)
        let second = Self.layers(cells: cells, status: { $0 % 2 == 1 ? 2 : 0 }, seed: 4)
        let paths = try [first, second].enumerated().map { index, layers in
            try Self.writeShard(layers, index: index + 1, rows: rows, columns: columns, in: dir)
        }
        let output = dir.appendingPathComponent("merged.h5").path
        let outcome = try Merge.run(paths, output: output, partial: false, force: false, commandLine: ["mibatch", "merge"])
        #expect(outcome.filledCells == cells && outcome.missingCells == 0)
        let merged = try ResultFile.read(output)
        for layer in MatrixLayer.all {
            let expected = (0..<cells).map { ($0 % 2 == 0 ? first : second)[layer]![bits: $0] }
            #expect(merged.layers[layer] == Self.array(layer, expected), "\(layer) takes each cell from the shard that computed it")
        }
        #expect(merged.status == [1, 2, 1, 2, 1, 2])
    }

    /// Shards that disagree on which layers they have are refused, naming the layer.
    @Test func mergeRefusesShardsWithDifferentLayers() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for layer in MatrixLayer.all where !layer.spec.presence.isAlways {
            let full = Self.layers(cells: 4, status: { $0 < 2 ? 1 : 0 }, seed: 5)
            let lacking = Self.layers(cells: 4, status: { $0 >= 2 ? 1 : 0 }, seed: 6, only: MatrixLayer.all.filter { $0 != layer })
            let paths = [try Self.writeShard(full, index: 1, rows: ["a", "b"], columns: ["c", "d"], in: dir),
                         try Self.writeShard(lacking, index: 2, rows: ["a", "b"], columns: ["c", "d"], in: dir)]
            #expect {
                _ = try Merge.run(paths, output: dir.appendingPathComponent("m.h5").path, partial: false, force: true, commandLine: [])
            } throws: { error in
                guard case let .shardMismatch(_, _, reason)? = error as? MIBatchError else { return false }
                return reason.contains("the other has \(layer) but it has not") && reason.contains(layer.spec.presence.condition)
            }
        }
    }

    /// A shard file as `mibatch run --shard INDEX/2` writes it (the attributes merge reads).
    static func writeShard(_ layers: MatrixLayers, index: Int, rows: [String], columns: [String], in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("shard-\(index).h5").path
        let attributes = [("tool", "mibatch"), ("shard", "\(index)/2"), ("input_digest", "sha256:00"),
                          ("result_configuration", "{\"k\":3}"), ("units", "nats"), ("estimator", "test")]
        try OutputWriter.write(MIMatrix(rowNames: rows, columnNames: columns, layers: layers), attributes: attributes,
                               units: "nats", estimator: "test", compression: .default, to: path, overwrite: true)
        return path
    }
}
