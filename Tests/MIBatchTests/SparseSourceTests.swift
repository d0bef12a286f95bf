import Foundation
import HDF5
@testable import MIBatch
import MIEstimators
import Testing

/// The sparse reading core: the CSR ↔ CSC transposition, and a sparse matrix read as the
/// same values, digest and statistics as a dense copy, whatever the band size.
@Suite struct SparseSourceTests {
    /// A 9 × 6 (cells × genes) zero-inflated matrix with an explicit stored zero at (0, 0),
    /// an empty row (4) and an empty column (5); optionally a NaN at (cell 6, gene 2).
    static func dense(nan: Bool = false) -> [[Double]] {
        var state: UInt64 = 16
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 33) / Double(1 << 31)
        }
        var rows = (0..<9).map { r in (0..<6).map { c -> Double in
            let u = next()
            return r == 4 || c == 5 || u < 0.45 ? 0 : (u * 20).rounded() - 3
        } }
        if nan { rows[6][2] = .nan }
        return rows
    }

    /// Compressed (offsets, indices, values) of `rows` along rows (CSR) or columns (CSC);
    /// the CSR form stores (0, 0) explicitly even when it is 0.
    static func compress(_ rows: [[Double]], byRows: Bool, reversed: Bool = false) -> (offsets: [Int], indices: [Int], values: [Double]) {
        let (majors, minors) = byRows ? (rows.count, rows[0].count) : (rows[0].count, rows.count)
        var offsets = [0], indices: [Int] = [], values: [Double] = []
        for m in 0..<majors {
            for k in 0..<minors {
                let x = byRows ? rows[m][k] : rows[k][m]
                if x != 0 || x.isNaN || (m == 0 && k == 0) { indices.append(k); values.append(x) }
            }
            if reversed {   // unsorted within each major element, as scipy allows
                indices[offsets.last!...].reverse()
                values[offsets.last!...].reverse()
            }
            offsets.append(indices.count)
        }
        return (offsets, indices, values)
    }

    /// Writes `/d` (dense, cells × genes, float64) and `/s` (the sparse form: float32
    /// values, int32 indices, int64 offsets) and calls `body` with the open file.
    /// `damage` may alter the stored offsets and indices before they are written.
    func withFile(nan: Bool = false, byRows: Bool, reversed: Bool = false, damage: (inout [Int], inout [Int]) -> Void = { _, _ in },
                  _ body: (File, String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-sparse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("in.h5").path
        let rows = Self.dense(nan: nan)
        var (offsets, indices, values) = Self.compress(rows, byRows: byRows, reversed: reversed)
        damage(&offsets, &indices)
        do {
            let file = try File.create(path)
            try file.createDataset("/d", type: .float64, shape: [9, 6]).write(rows.flatMap { $0 })
            try file.createDataset("/s/data", type: .float32, shape: [values.count]).write(values)
            try file.createDataset("/s/indices", type: .int32, shape: [indices.count]).write(indices.map(Double.init))
            try file.createDataset("/s/indptr", type: .int64, shape: [offsets.count]).write(offsets.map(Double.init))
        }
        try body(try File.open(path), dir.path)
    }

    func sparse(_ file: File, byRows: Bool, transposed: Bool, scratch: String? = nil) throws -> SparseSource {
        let matrix = try SparseMatrix(file: file, group: "/s", shape: [9, 6], compression: byRows ? .rows : .columns)
        return try SparseSource(matrix: matrix, input: file.path, transposed: transposed, encoding: "test", scratchPath: scratch)
    }

    func dense(_ file: File, transposed: Bool) throws -> DenseHDF5Source {
        var configuration = RunConfiguration(input: file.path, dataset: "/d", output: "unused.h5")
        configuration.transpose = transposed
        return try DenseHDF5Source(configuration: configuration, file: file)
    }

    @Test func transposingCSRGivesCSCAndBack() {
        let rows = Self.dense()
        let csr = Self.compress(rows, byRows: true), csc = Self.compress(rows, byRows: false)
        let transposed = SparseTransposition(majorCount: 9, minorCount: 6, offsets: csr.offsets, indices: csr.indices, values: csr.values)
        // The CSC of the matrix, plus the explicit zero at (0, 0) that only the CSR stores.
        #expect(transposed.offsets.count == 7 && transposed.offsets.last == csr.values.count)
        for gene in 0..<6 {
            let entries = transposed.entries(gene)
            let expected = (0..<9).filter { rows[$0][gene] != 0 || ($0 == 0 && gene == 0) }
            #expect(Array(transposed.majors[entries]) == expected, "gene \(gene)")
            #expect(Array(transposed.values[entries]) == expected.map { rows[$0][gene] })
        }
        #expect(transposed.entries(5).isEmpty)
        let back = SparseTransposition(majorCount: 6, minorCount: 9, offsets: transposed.offsets, indices: transposed.majors,
                                       values: transposed.values)
        #expect(back == SparseTransposition(offsets: csr.offsets, majors: csr.indices, values: csr.values))
        #expect(csc.values.count == csr.values.count - (rows[0][0] == 0 ? 1 : 0))
    }

    /// CSR and CSC, genes or cells as variables, one band or bands of a few values: the same
    /// digest, values and loads as the dense copy; streaming (retaining nothing) writes the
    /// scratch file and serves loads from it, then removes it.
    @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
    func sparseReadsAsItsDenseCopy(byRows: Bool, transposed: Bool) throws {
        try withFile(byRows: byRows) { file, dir in
            let reference = try dense(file, transposed: transposed)
            let all = Set(reference.catalog.variables.indices)
            let expected = try reference.scan(retaining: all, bandBytes: 1 << 20)
            for bandBytes in [16, 48, 1 << 20] {
                let source = try sparse(file, byRows: byRows, transposed: transposed)
                #expect(source.catalog.samples == reference.catalog.samples)
                #expect(source.catalog.variables.count == reference.catalog.variables.count)
                let scan = try source.scan(retaining: all, bandBytes: bandBytes)
                #expect(scan.digest == expected.digest, "band \(bandBytes)")
                #expect(scan.variables == expected.variables)
                let subset = [4, 1, 2].filter { $0 < source.catalog.variables.count }
                #expect(try source.load(subset, bandBytes: bandBytes) == (try reference.load(subset, bandBytes: 1 << 20)))
            }
            let scratchPath = dir + "/out.h5.scratch"
            let streamed = try sparse(file, byRows: byRows, transposed: transposed, scratch: scratchPath)
            let scan = try streamed.scan(retaining: [], bandBytes: 16)   // 2 × 16 bytes cannot hold it: a file
            #expect(scan.digest == expected.digest && scan.variables == nil)
            #expect(FileManager.default.fileExists(atPath: scratchPath))
            #expect(try streamed.load(Array(all), bandBytes: 16) == expected.variables!)
            streamed.removeScratch()
            #expect(!FileManager.default.fileExists(atPath: scratchPath))
        }
    }

    /// Unsorted indices (legal in scipy, found in scanpy's own files) read as sorted ones.
    @Test(arguments: [true, false]) func unsortedIndicesReadAsTheDenseCopy(byRows: Bool) throws {
        try withFile(byRows: byRows, reversed: true) { file, _ in
            let reference = try dense(file, transposed: false)
            let expected = try reference.scan(retaining: Set(0..<6), bandBytes: 1 << 20)
            let scan = try sparse(file, byRows: byRows, transposed: false).scan(retaining: Set(0..<6), bandBytes: 40)
            #expect(scan.digest == expected.digest && scan.variables == expected.variables)
            #expect(try sparse(file, byRows: byRows, transposed: false).variableStatistics(bandBytes: 40).map(\.nonZero)
                    == (try reference.variableStatistics(bandBytes: 1 << 20)).map(\.nonZero))
        }
    }

    /// A NaN is found at its dense (cell, gene) position, and only in selected variables;
    /// the digest still covers every position.
    @Test(arguments: [true, false]) func nonFiniteValuesAreLocatedDensely(byRows: Bool) throws {
        try withFile(nan: true, byRows: byRows) { file, _ in
            let reference = try dense(file, transposed: false)
            let expected = try reference.scan(retaining: [], bandBytes: 1 << 20)
            let source = try sparse(file, byRows: byRows, transposed: false)
            let scan = try source.scan(retaining: [], bandBytes: 40)
            #expect(scan.firstNonFinite?.row == 6 && scan.firstNonFinite?.column == 2 && scan.firstNonFinite?.variable == 2)
            #expect(scan.nonFiniteCount == 1 && scan.badSamples.indices.filter { scan.badSamples[$0] } == [6])
            #expect(scan.digest == expected.digest)
            let selected = try sparse(file, byRows: byRows, transposed: false)
            selected.select([4, 0, 1])
            #expect(selected.catalog.variables.map(\.columns.lowerBound) == [4, 0, 1])
            let narrowed = try selected.scan(retaining: [0, 1, 2], bandBytes: 40)
            #expect(narrowed.nonFiniteCount == 0 && narrowed.firstNonFinite == nil)
            #expect(narrowed.digest == expected.digest)
            #expect(narrowed.variables?[0] == (try reference.load([4], bandBytes: 1 << 20))[4])
        }
    }

    /// Statistics from the stored values alone agree with the dense definition (counts and
    /// minimum exactly, the variance to rounding), after a selection too.
    @Test(arguments: [true, false]) func statisticsFromNonZerosMatchTheDenseDefinition(byRows: Bool) throws {
        try withFile(nan: true, byRows: byRows) { file, _ in
            let reference = try dense(file, transposed: false)
            let expected = try reference.variableStatistics(bandBytes: 1 << 20)
            let source = try sparse(file, byRows: byRows, transposed: false)
            let statistics = try source.variableStatistics(bandBytes: 24)
            #expect(statistics.count == 6)
            for (got, want) in zip(statistics, expected) {
                #expect(got.nonZero == want.nonZero && got.minimum == want.minimum)
                #expect(abs(got.log1pVariance - want.log1pVariance) <= 1e-12 * max(1, want.log1pVariance))
            }
            #expect(statistics[5] == VariableStatistics(nonZero: 0, log1pVariance: 0, minimum: 0))
            source.select([3, 1])
            #expect(try source.variableStatistics(bandBytes: 24).map(\.nonZero) == [expected[3].nonZero, expected[1].nonZero])
        }
    }

    /// Damaged structure is refused naming the dataset and the row.
    @Test func damagedIndicesAndOffsetsAreNamed() throws {
        try withFile(byRows: true, damage: { offsets, _ in offsets[3] = offsets[4] + 1 }) { file, _ in   // decreases after row 3
            #expect { try sparse(file, byRows: true, transposed: false).scan(retaining: [], bandBytes: 1 << 20) } throws: {
                "\($0)".contains("'/s/indptr'") && "\($0)".contains("row 3") && "\($0)".contains("monotone")
            }
        }
        try withFile(byRows: true, damage: { offsets, indices in indices[offsets[2]] = 6 }) { file, _ in   // past the 6 genes
            #expect { try sparse(file, byRows: true, transposed: false).scan(retaining: [], bandBytes: 1 << 20) } throws: {
                "\($0)".contains("'/s/indices'") && "\($0)".contains("row 2") && "\($0)".contains("outside 0..<6")
            }
        }
        try withFile(byRows: true, damage: { offsets, indices in indices[offsets[1] + 1] = indices[offsets[1]] }) { file, _ in
            #expect { try sparse(file, byRows: true, transposed: false).load([0], bandBytes: 1 << 20) } throws: {
                "\($0)".contains("'/s/indices'") && "\($0)".contains("row 1") && "\($0)".contains("twice")
            }
        }
    }

    @Test func duplicateNamesBecomeUniqueDeterministically() {
        #expect(FormatNames.unique(["A", "B", "A", "A_2", "A", "C"]) == ["A", "B", "A_3", "A_2", "A_4", "C"])
        #expect(FormatNames.unique(["x", "y"]) == ["x", "y"])
        let cells = FormatNames.cellProvenance(count: 4, names: ["a", "b", "c", "d"])
        #expect(cells.map(\.name) == ["input_cells", "input_cell_names"])
        #expect(cells[1].value.hasPrefix("a, b, c, ...; sha256:") && cells[1].value.count == "a, b, c, ...; sha256:".count + 64)
    }
}
