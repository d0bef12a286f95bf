import HDF5
import MIEstimators

/// Reads input values; owns the HDF5 handles and is used from one thread at a time (the
/// engine's I/O queue), which keeps HDF5's global lock away from the compute threads.
///
/// Reads go in bands aligned to the dataset's chunk layout: a band spans whole chunks
/// along the axis it advances on, so each chunk is decompressed once per pass.
final class InputReader: @unchecked Sendable {
    let catalog: InputCatalog
    let file: File
    let datasets: [Dataset]
    /// Target bytes per read call.
    let bandBytes: Int

    init(catalog: InputCatalog, bandBytes: Int = 32 << 20) throws(MIBatchError) {
        self.catalog = catalog
        self.bandBytes = bandBytes
        do {
            let opened = try File.open(catalog.file, mode: .readOnly)
            file = opened
            datasets = try catalog.datasets.map { description throws(HDF5Error) in try opened.dataset(description.path) }
        } catch { throw .hdf5(error) }
    }

    /// Result of a full pass over the input.
    struct Scan {
        /// `sha256:<hex>` of every value read, as little-endian float64 in storage order,
        /// datasets in catalog order (independent of blocking, shards and threads).
        var digest: String
        /// Values of the retained variables, or `nil` when none were.
        var variables: [Int: VariableData]?
    }

    /// Streams every dataset once: digest, finiteness check, and the values of the variables
    /// in `retain` (none when empty).
    ///
    /// - Throws: `.nonFiniteValue` naming dataset, column and row (storage coordinates) of
    ///   the first NaN/±Inf and how many there are; `.hdf5` on read errors.
    func scan(retain: Set<Int>) throws(MIBatchError) -> Scan {
        var hasher = SHA256()
        var storage: [[Double]] = catalog.variables.indices.map {
            retain.contains($0) ? [Double](repeating: 0, count: catalog.samples * catalog.variables[$0].dimension) : []
        }
        for (index, description) in catalog.datasets.enumerated() {
            var firstBad: (column: Int, row: Int, value: Double)? = nil
            var badCount = 0
            let members = catalog.variables.indices.filter { catalog.variables[$0].dataset == index && retain.contains($0) }
            let columns = description.shape.count == 2 ? description.shape[1] : 1
            try forEachBand(index, along: 0..<description.shape[0], columns: 0..<columns) { rows, band in
                band.withUnsafeBytes { hasher.update($0) }
                for r in rows.indices {
                    for c in 0..<columns where !band[(r - rows.lowerBound) * columns + c].isFinite {
                        badCount += 1
                        if firstBad == nil { firstBad = (c, r, band[(r - rows.lowerBound) * columns + c]) }
                    }
                }
                if !members.isEmpty {
                    for member in members {
                        Self.scatter(band, rows: rows, bandColumns: 0..<columns, into: &storage[member],
                                     variable: catalog.variables[member], description: description, samples: catalog.samples)
                    }
                }
            }
            if let bad = firstBad {
                throw .nonFiniteValue(file: catalog.file, dataset: description.path, column: bad.column, row: bad.row,
                                      value: bad.value, total: badCount)
            }
        }
        let variables = retain.isEmpty ? nil : Dictionary(uniqueKeysWithValues: retain.map {
            ($0, VariableData(count: catalog.samples, dimension: catalog.variables[$0].dimension, values: storage[$0]))
        })
        return Scan(digest: "sha256:" + hasher.finalize(), variables: variables)
    }

    /// Reads the variables at `indices` (values only; `scan` has checked finiteness).
    ///
    /// Variables of one dataset are read together over the smallest span of the variables
    /// axis that covers them.
    func load(_ indices: [Int]) throws(MIBatchError) -> [Int: VariableData] {
        var result: [Int: VariableData] = [:]
        let byDataset = Dictionary(grouping: indices) { catalog.variables[$0].dataset }
        for datasetIndex in byDataset.keys.sorted() {
            let members = byDataset[datasetIndex]!
            let description = catalog.datasets[datasetIndex]
            let lower = members.map { catalog.variables[$0].columns.lowerBound }.min()!
            let upper = members.map { catalog.variables[$0].columns.upperBound }.max()!
            var storage = members.map { [Double](repeating: 0, count: catalog.samples * catalog.variables[$0].dimension) }
            if description.transposed {
                // Variables are rows: advance along them, all samples per band.
                try forEachBand(datasetIndex, along: lower..<upper, columns: 0..<description.shape[1]) { rows, band in
                    for (slot, member) in members.enumerated() {
                        Self.scatter(band, rows: rows, bandColumns: 0..<description.shape[1], into: &storage[slot],
                                     variable: catalog.variables[member], description: description, samples: catalog.samples)
                    }
                }
            } else {
                let columns = description.shape.count == 2 ? lower..<upper : 0..<1
                try forEachBand(datasetIndex, along: 0..<description.shape[0], columns: columns) { rows, band in
                    for (slot, member) in members.enumerated() {
                        Self.scatter(band, rows: rows, bandColumns: columns, into: &storage[slot],
                                     variable: catalog.variables[member], description: description, samples: catalog.samples)
                    }
                }
            }
            for (slot, member) in members.enumerated() {
                result[member] = VariableData(count: catalog.samples, dimension: catalog.variables[member].dimension,
                                              values: storage[slot])
            }
        }
        return result
    }

    /// Calls `body` with consecutive bands of stored rows `rows` × `columns`, row-major.
    /// Band heights are whole multiples of the chunk height (when chunked) near `bandBytes`.
    func forEachBand(_ datasetIndex: Int, along rows: Range<Int>, columns: Range<Int>,
                     _ body: (Range<Int>, [Double]) -> Void) throws(MIBatchError) {
        let description = catalog.datasets[datasetIndex]
        let dataset = datasets[datasetIndex]
        if description.shape.count == 1 {
            do { body(0..<description.shape[0], try dataset.readAll()) } catch { throw .hdf5(error) }
            return
        }
        let rowBytes = max(1, columns.count * 8)
        var height = max(1, bandBytes / rowBytes)
        if let chunkRows = description.chunks?.first, chunkRows > 0 {
            height = max(chunkRows, height / chunkRows * chunkRows)
        }
        var start = rows.lowerBound
        if let chunkRows = description.chunks?.first, chunkRows > 0, start % chunkRows != 0 {
            // First band ends on a chunk boundary so the following ones are aligned.
            let aligned = min(rows.upperBound, (start / chunkRows + 1) * chunkRows)
            do { body(start..<aligned, try dataset.read(rows: start..<aligned, columns: columns)) } catch { throw .hdf5(error) }
            start = aligned
        }
        while start < rows.upperBound {
            let end = min(rows.upperBound, start + height)
            do { body(start..<end, try dataset.read(rows: start..<end, columns: columns)) } catch { throw .hdf5(error) }
            start = end
        }
    }

    /// Copies the part of `variable` inside a band (stored rows × `bandColumns`) into its
    /// row-major n × d storage.
    static func scatter(_ band: [Double], rows: Range<Int>, bandColumns: Range<Int>, into storage: inout [Double],
                        variable: VariableDescriptor, description: DatasetDescription, samples: Int) {
        let d = variable.dimension
        let width = bandColumns.count
        band.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                if description.transposed {
                    // Stored rows are the variable's dimensions; columns are samples.
                    for row in rows where variable.columns.contains(row) {
                        let j = row - variable.columns.lowerBound
                        let base = (row - rows.lowerBound) * width
                        for i in 0..<samples { target[i * d + j] = source[base + i] }
                    }
                } else {
                    let lower = max(variable.columns.lowerBound, bandColumns.lowerBound)
                    let upper = min(variable.columns.upperBound, bandColumns.upperBound)
                    guard lower < upper else { return }
                    for row in rows {
                        let base = (row - rows.lowerBound) * width - bandColumns.lowerBound
                        let out = row * d - variable.columns.lowerBound
                        for c in lower..<upper { target[out + c] = source[base + c] }
                    }
                }
            }
        }
    }
}
