import HDF5

/// Chunk-aligned band reads of the dense source: every pass reads each chunk once.
extension DenseHDF5Source {
    /// Calls `body` with consecutive blocks of stored `rows` × `columns` (row-major values),
    /// row bands outermost so every column sees its rows in order.
    ///
    /// Blocks are aligned to the chunk grid and span whole chunks, so each chunk is read
    /// once per pass whatever the layout: row chunks give full-width row bands, column chunks
    /// give full-height column strips, contiguous data gives row bands. A block holds about
    /// `bandBytes` (at least one chunk).
    func forEachBlock(_ datasetIndex: Int, rows: Range<Int>, columns: Range<Int>, bandBytes: Int,
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
