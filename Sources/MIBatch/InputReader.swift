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
        /// NaN/±Inf values among the run's variables (positions of the variables axis that
        /// belong to no variable are not counted).
        var nonFiniteCount = 0
        /// The first of them: dataset index, stored row and column, variable index, value.
        var firstNonFinite: (dataset: Int, row: Int, column: Int, variable: Int, value: Double)? = nil
        /// `badSamples[i]`: sample i holds a non-finite value in some variable.
        var badSamples: [Bool] = []
    }

    /// Streams every dataset once: digest, finiteness check, and the values of the variables
    /// in `retain` (none when empty).
    ///
    /// The digest does not depend on how the data is stored: each position of a dataset's
    /// variables axis (a column, or a row with `--transpose`) is hashed over its samples in
    /// order (little-endian float64), and the digest is SHA-256 of those digests' hex texts,
    /// datasets in catalog order.
    ///
    /// Non-finite values are counted, never refused here (the caller applies `--nan`).
    ///
    /// - Throws: `.readFailed` naming the block on read errors.
    func scan(retain: Set<Int>) throws(MIBatchError) -> Scan {
        var result = Scan(digest: "", variables: nil)
        result.badSamples = [Bool](repeating: false, count: catalog.samples)
        var combined = SHA256Hasher()
        var storage: [[Double]] = catalog.variables.indices.map {
            retain.contains($0) ? [Double](repeating: 0, count: catalog.samples * catalog.variables[$0].dimension) : []
        }
        for (index, description) in catalog.datasets.enumerated() {
            var firstBad: (row: Int, column: Int, variable: Int, value: Double)? = nil
            var badCount = 0
            var owners = [Int?](repeating: nil, count: description.variableAxis)
            for (variable, descriptor) in catalog.variables.enumerated() where descriptor.dataset == index {
                for position in descriptor.columns { owners[position] = variable }
            }
            let members = catalog.variables.indices.filter { catalog.variables[$0].dataset == index && retain.contains($0) }
            let columns = description.shape.count == 2 ? description.shape[1] : 1
            var hashers = [SHA256Hasher](repeating: SHA256Hasher(), count: description.variableAxis)
            var gather = [Double]()
            try forEachBlock(index, rows: 0..<description.shape[0], columns: 0..<columns) { rows, strip, block in
                let width = strip.count
                for r in rows {
                    let base = (r - rows.lowerBound) * width
                    for c in strip where !block[base + c - strip.lowerBound].isFinite {
                        guard let owner = owners[description.transposed ? r : c] else { continue }
                        badCount += 1
                        result.badSamples[description.transposed ? c : r] = true
                        if firstBad == nil || (r, c) < (firstBad!.row, firstBad!.column) {
                            firstBad = (r, c, owner, block[base + c - strip.lowerBound])
                        }
                    }
                }
                if description.transposed {
                    // Stored rows are axis positions; each row's samples in `strip` are contiguous.
                    block.withUnsafeBytes { bytes in
                        for r in rows {
                            let offset = (r - rows.lowerBound) * width * 8
                            hashers[r].update(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + width * 8)]))
                        }
                    }
                } else {
                    // Columns are axis positions: gather each column's samples of this block.
                    for c in strip {
                        gather.removeAll(keepingCapacity: true)
                        for r in rows { gather.append(block[(r - rows.lowerBound) * width + c - strip.lowerBound]) }
                        gather.withUnsafeBytes { hashers[c].update($0) }
                    }
                }
                for member in members {
                    Self.scatter(block, rows: rows, bandColumns: strip, into: &storage[member],
                                 variable: catalog.variables[member], description: description, samples: catalog.samples)
                }
            }
            if let bad = firstBad, result.firstNonFinite == nil {
                result.firstNonFinite = (index, bad.row, bad.column, bad.variable, bad.value)
            }
            result.nonFiniteCount += badCount
            for hasher in hashers { combined.update(hasher.finalize()) }
        }
        result.variables = retain.isEmpty ? nil : Dictionary(uniqueKeysWithValues: retain.map {
            ($0, VariableData(count: catalog.samples, dimension: catalog.variables[$0].dimension, values: storage[$0]))
        })
        result.digest = "sha256:" + combined.finalize()
        return result
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
            // Variables are rows (transposed: all samples of rows lower..<upper) or columns.
            let rows = description.transposed ? lower..<upper : 0..<description.shape[0]
            let columns = description.transposed ? 0..<description.shape[1] : (description.shape.count == 2 ? lower..<upper : 0..<1)
            try forEachBlock(datasetIndex, rows: rows, columns: columns) { blockRows, strip, block in
                for (slot, member) in members.enumerated() {
                    Self.scatter(block, rows: blockRows, bandColumns: strip, into: &storage[slot],
                                 variable: catalog.variables[member], description: description, samples: catalog.samples)
                }
            }
            for (slot, member) in members.enumerated() {
                result[member] = VariableData(count: catalog.samples, dimension: catalog.variables[member].dimension,
                                              values: storage[slot])
            }
        }
        return result
    }

    /// Calls `body` with consecutive blocks of stored `rows` × `columns` (row-major values),
    /// row bands outermost so every column sees its rows in order.
    ///
    /// Blocks are aligned to the chunk grid and span whole chunks, so each chunk is read
    /// once per pass whatever the layout: row chunks give full-width row bands, column chunks
    /// give full-height column strips, contiguous data gives row bands. A block holds about
    /// `bandBytes` (at least one chunk).
    func forEachBlock(_ datasetIndex: Int, rows: Range<Int>, columns: Range<Int>,
                      _ body: (Range<Int>, Range<Int>, [Double]) -> Void) throws(MIBatchError) {
        let description = catalog.datasets[datasetIndex]
        let dataset = datasets[datasetIndex]
        if description.shape.count == 1 {
            do { body(0..<description.shape[0], 0..<1, try dataset.readAll()) } catch {
                throw Self.readError(error, description: description, rows: 0..<description.shape[0], columns: 0..<1)
            }
            return
        }
        let chunkRows = description.chunks?[0] ?? 1
        let chunkColumns = description.chunks?[1] ?? columns.count
        let width: Int
        let height: Int
        if description.chunks == nil {
            width = max(1, columns.count)
            height = max(1, bandBytes / (width * 8))
        } else {
            let chunkBytes = chunkRows * chunkColumns * 8
            width = min(max(1, columns.count), chunkColumns * max(1, bandBytes / max(1, chunkBytes)))
            height = chunkRows * max(1, bandBytes / max(1, chunkRows * width * 8))
        }
        for rowRange in Self.aligned(rows, step: height, unit: chunkRows) {
            for columnRange in Self.aligned(columns, step: width, unit: description.chunks == nil ? 1 : chunkColumns) {
                do {
                    body(rowRange, columnRange, try dataset.read(rows: rowRange, columns: columnRange))
                } catch {
                    // Name the damaged chunk, not the whole band: re-read chunk by chunk.
                    let (rows, columns) = Self.firstUnreadable(dataset, rows: rowRange, columns: columnRange,
                                                               chunks: description.chunks) ?? (rowRange, columnRange)
                    throw Self.readError(error, description: description, rows: rows, columns: columns)
                }
            }
        }
    }

    /// The first chunk-sized piece of a block that cannot be read, if the block is chunked.
    static func firstUnreadable(_ dataset: Dataset, rows: Range<Int>, columns: Range<Int>,
                                chunks: [Int]?) -> (Range<Int>, Range<Int>)? {
        guard let chunks, chunks.count == 2 else { return nil }
        for rowPiece in aligned(rows, step: chunks[0], unit: chunks[0]) {
            for columnPiece in aligned(columns, step: chunks[1], unit: chunks[1]) {
                if (try? dataset.read(rows: rowPiece, columns: columnPiece)) == nil { return (rowPiece, columnPiece) }
            }
        }
        return nil
    }

    /// A failed read of a block, named by its stored rows and columns.
    static func readError(_ error: HDF5Error, description: DatasetDescription, rows: Range<Int>,
                          columns: Range<Int>) -> MIBatchError {
        guard case let .library(_, file, _, message) = error else { return .hdf5(error) }
        return .readFailed(file: file, dataset: description.path, rows: rows, columns: columns, message: message)
    }

    /// Splits `range` into pieces of about `step` whose inner boundaries are multiples of `unit`.
    static func aligned(_ range: Range<Int>, step: Int, unit: Int) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var end = min(range.upperBound, start + max(1, step))
            if unit > 1, end < range.upperBound {
                let rounded = end / unit * unit
                end = rounded > start ? rounded : min(range.upperBound, (start / unit + 1) * unit)
            }
            pieces.append(start..<end)
            start = end
        }
        return pieces
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
                    // Stored rows are the variable's dimensions; columns (`bandColumns`) are samples.
                    for row in rows where variable.columns.contains(row) {
                        let j = row - variable.columns.lowerBound
                        let base = (row - rows.lowerBound) * width - bandColumns.lowerBound
                        for i in bandColumns { target[i * d + j] = source[base + i] }
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
