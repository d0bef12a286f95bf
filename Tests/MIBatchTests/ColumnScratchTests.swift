import Foundation
import Testing
@testable import MIBatch

/// The position-major scratch store holds what was written, in memory and on disk alike.
@Suite struct ColumnScratchTests {
    /// A row-major band written in pieces reads back by position, identically in memory and in a file.
    @Test(arguments: [false, true]) func bandsReadBackByPosition(onDisk: Bool) throws {
        let samples = 37, positions = 5
        let path = onDisk ? FileManager.default.temporaryDirectory.appendingPathComponent("scratch-\(UUID().uuidString)").path : nil
        let scratch = try ColumnScratch(samples: samples, positions: positions, path: path)
        func value(_ r: Int, _ p: Int) -> Double { Double(r * 100 + p) + 0.25 }
        // Bands of 10 rows over positions 0..<3, then single positions 3 and 4 of 37 rows.
        for start in stride(from: 0, to: samples, by: 10) {
            let rows = start..<min(samples, start + 10)
            let band = rows.flatMap { r in (0..<3).map { value(r, $0) } }
            try band.withUnsafeBufferPointer { try scratch.write(rows: rows, positions: 0..<3, rowMajor: $0) }
        }
        for p in 3..<5 {
            let column = (0..<samples).map { value($0, p) }
            try column.withUnsafeBufferPointer { try scratch.write(position: p, rows: 0..<samples, $0) }
        }
        for p in 0..<positions {
            var out = [Double](repeating: -1, count: samples)
            try out.withUnsafeMutableBufferPointer { try scratch.read(position: p, into: $0) }
            #expect(out == (0..<samples).map { value($0, p) })
        }
        #expect((scratch.path != nil) == onDisk)
        if let path {
            #expect(FileManager.default.fileExists(atPath: path))
            scratch.remove()
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// A file that cannot be created is a `.writeFailed` naming it.
    @Test func uncreatableFileIsRefused() {
        #expect(throws: MIBatchError.self) { try ColumnScratch(samples: 4, positions: 2, path: "/nonexistent-dir/x.scratch") }
    }
}
