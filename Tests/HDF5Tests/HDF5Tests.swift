import Foundation
import HDF5
import Testing

/// A fresh temporary directory per test, removed afterwards.
func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-hdf5-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct HDF5WrapperTests {
    @Test(arguments: [0, 1, 6, 9])
    func parallelShuffledDeflatedChunksReadBackThroughLibhdf5(level: Int) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("chunks.h5").path
        let rows = 23, columns = 17 // edge chunks in both directions with 5 x 4 chunks
        let values = (0..<(rows * columns)).map { index in index % 7 == 0 ? Double.nan : sin(Double(index)) * 1e3 }
        let bytes = (0..<(rows * columns)).map { UInt8($0 % 3) }
        do {
            let file = try File.create(path)
            let layout = DatasetLayout(chunks: [5, 4], shuffle: true, deflateLevel: level, fillValue: .nan)
            try file.createDataset("/mi", type: .float64, shape: [rows, columns], layout: layout).writeShuffledDeflated(values, level: level)
            try file.createDataset("/status", type: .uint8, shape: [rows, columns], layout: layout).writeShuffledDeflated(bytes, level: level)
        }
        let file = try File.open(path)
        let read = try file.dataset("/mi").readAll()
        #expect(read.count == values.count && zip(read, values).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(try file.dataset("/status").readBytes() == bytes)
        let corner = try file.dataset("/mi").read(rows: 20..<23, columns: 15..<17)
        let expected = [20, 21, 22].flatMap { r in [15, 16].map { values[r * columns + $0] } }
        #expect(zip(corner, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "edge chunk")
    }

    @Test(arguments: [false, true])
    func rootAttributesLargerThan64KiBRoundTrip(dense: Bool) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big-attribute.h5").path
        let text = String(repeating: "{\"name\":\"variable\"},", count: 10_000)
        #expect(text.utf8.count > 65_536)
        do {
            let file = try File.create(path, denseAttributes: dense)
            try file.setAttribute("small", "first")
            try file.setAttribute("configuration", text)
            try file.setAttribute("last", "third")
        }
        let file = try File.open(path)
        #expect(try file.attribute("configuration") == .string(text))
        #expect(try file.attributeNames() == ["small", "configuration", "last"], "creation order is kept")
    }

    @Test func writeThenReadHyperslabRoundTrips() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.h5").path
        let rows = 7, columns = 5
        let values = (0..<(rows * columns)).map { Double($0) * 0.5 - 3 }
        do {
            let file = try File.create(path)
            let dataset = try file.createDataset("/group/data", type: .float64, shape: [rows, columns],
                                                 layout: DatasetLayout(chunks: [3, 2], shuffle: true, deflateLevel: 4))
            try dataset.write(values)
        }
        let file = try File.open(path)
        let dataset = try file.dataset("/group/data")
        #expect(dataset.shape == [rows, columns])
        #expect(dataset.elementType == .float(bytes: 8))
        #expect(dataset.chunkShape == [3, 2])
        #expect(dataset.filters == ["shuffle", "deflate(4)"])
        let block = try dataset.read(rows: 2..<5, columns: 1..<4)
        var expected: [Double] = []
        for r in 2..<5 { for c in 1..<4 { expected.append(values[r * columns + c]) } }
        #expect(block == expected)
        #expect(try dataset.readAll() == values)
    }

    @Test(arguments: [StorageType.float32, .int16, .int32, .int64, .uint16, .uint8])
    func otherElementTypesReadAsDouble(type: StorageType) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.h5").path
        let values: [Double] = [0, 1, 2, 3, 100, 255, 7, 42]
        do {
            let file = try File.create(path)
            let dataset = try file.createDataset("/x", type: type, shape: [4, 2])
            if type == .uint8 { try dataset.write(values.map { UInt8($0) }) } else { try dataset.write(values) }
        }
        let dataset = try File.open(path).dataset("/x")
        #expect(dataset.elementType.isNumeric)
        #expect(try dataset.read(rows: 0..<4, columns: 0..<2) == values)
    }

    @Test func stringsAttributesAndDimensionScales() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.h5").path
        do {
            let file = try File.create(path)
            let names = try file.createStringDataset("/names", values: ["alpha", "β-ünïcode", ""])
            try names.makeDimensionScale(name: "names")
            let data = try file.createDataset("/m", type: .float64, shape: [3, 3])
            try data.write([Double](repeating: 1, count: 9))
            try data.attach(scale: names, toDimension: 0)
            try file.setAttribute("text", "hello, world")
            try file.setAttribute("empty", "")
            try file.setAttribute("number", 2.5)
            try data.setAttribute("list", [1, 2, 3])
        }
        let file = try File.open(path)
        #expect(try file.dataset("/names").readStrings() == ["alpha", "β-ünïcode", ""])
        #expect(try file.attribute("text") == .string("hello, world"))
        #expect(try file.attribute("empty") == .string(""))
        #expect(try file.attribute("number") == .double(2.5))
        #expect(try file.attribute("missing") == nil)
        #expect(try file.attributeNames() == ["text", "empty", "number"])
        let data = try file.dataset("/m")
        #expect(try data.attribute("list") == .doubles([1, 2, 3]))
        #expect(data.attachedScaleName(dimension: 0) == "/names")
        #expect(data.attachedScaleName(dimension: 1) == nil)
        let objects = try file.objects()
        #expect(objects.map(\.path) == ["/m", "/names"])
        #expect(objects.allSatisfy { $0.kind == .dataset })
    }

    @Test func errorsNameTheFileAndObject() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.h5").path
        #expect(throws: HDF5Error.fileNotFound(path: missing)) { try File.open(missing) }

        let text = dir.appendingPathComponent("text.h5").path
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: HDF5Error.notHDF5(path: text)) { try File.open(text) }

        let path = dir.appendingPathComponent("g.h5").path
        do {
            let file = try File.create(path)
            try file.createGroup("/grp/sub")
        }
        let file = try File.open(path)
        #expect(throws: HDF5Error.objectNotFound(file: path, object: "/nope")) { try file.dataset("/nope") }
        #expect(throws: HDF5Error.objectNotFound(file: path, object: "/nope/deeper")) { try file.dataset("/nope/deeper") }
        #expect(throws: HDF5Error.notADataset(file: path, object: "/grp")) { try file.dataset("/grp") }
        #expect(HDF5Error.notADataset(file: path, object: "/grp").description.contains(path))
    }

    @Test func createRefusesToClobberWithoutOverwrite() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.h5").path
        _ = try File.create(path)
        do {
            _ = try File.create(path, overwrite: false)
            Issue.record("creating over an existing file must fail")
        } catch {
            guard case let .library(_, file, _, message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(file == path)
            #expect(!message.isEmpty)
        }
        _ = try File.create(path, overwrite: true)
    }

    @Test func readingStringsAsNumbersIsRefused() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.h5").path
        _ = try File.create(path).createStringDataset("/s", values: ["a", "b"])
        let dataset = try File.open(path).dataset("/s")
        #expect(throws: HDF5Error.self) { try dataset.readAll() }
    }
}
