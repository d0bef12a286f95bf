import Foundation
import HDF5
import Testing

/// Groups (members, kinds, attributes) and 1-D range reads, what the AnnData, 10x and loom
/// readers are built on. Compound fields are read by the end-to-end tests on scanpy's file.
@Suite struct GroupTests {
    @Test func groupsListMembersAndReadAttributes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("groups.h5").path
        do {
            let file = try File.create(path)
            try file.createDataset("/m/indptr", type: .int64, shape: [4]).write([0, 2, 2, 5] as [Double])
            try file.createDataset("/m/data", type: .float32, shape: [5]).write([1.5, -2, 3, 4, 0.25] as [Double])
            try file.createGroup("/m/features")
            _ = try file.createStringDataset("/m/features/name", values: ["A", "B", "C"])
            try file.setAttribute("encoding-type", "anndata")
            try file.setAttribute("shape", [3, 7])
        }
        let file = try File.open(path)
        #expect(file.kind(of: "/m") == .group && file.kind(of: "/m/data") == .dataset && file.kind(of: "/nope") == nil)
        #expect(file.kind(of: "/m/nope/deeper") == nil)
        let group = try file.group("/m")
        #expect(try group.memberNames() == ["data", "features", "indptr"])
        let root = try file.group("/")
        #expect(group.child("data") == "/m/data" && root.child("m") == "/m")
        #expect(try root.attribute("encoding-type") == .string("anndata"))
        #expect(try root.attribute("shape") == .doubles([3, 7]))
        #expect(try root.attribute("absent") == nil)
        #expect(throws: HDF5Error.objectNotFound(file: path, object: "/x")) { _ = try file.group("/x") }
        #expect { _ = try file.group("/m/data") } throws: { "\($0)".contains("not a group") }
        #expect(try file.dataset("/m/indptr").readInt64(1..<4) == [2, 2, 5])
        #expect(try file.dataset("/m/data").readDoubles(3..<5) == [4, 0.25])
        #expect(try file.dataset("/m/data").readDoubles(2..<2) == [])
        #expect(throws: HDF5Error.self) { _ = try file.dataset("/m/features/name").readInt64(0..<1) }
        #expect(try file.dataset("/m/data").compoundFieldNames.isEmpty)
    }
}
