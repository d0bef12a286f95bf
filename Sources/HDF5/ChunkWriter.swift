import CDeflate
import CHDF5
import Dispatch

extension Dataset {
    /// Writes a whole 2-D chunked dataset whose filter pipeline is exactly shuffle then
    /// deflate at `level`, compressing the chunks of each row of chunks in parallel and
    /// handing them to libhdf5 with `H5Dwrite_chunk` (libhdf5 itself filters one chunk at a
    /// time on the calling thread). Chunks are laid out as libhdf5's own shuffle and deflate
    /// filters lay them out (a zlib stream of the byte-shuffled chunk), so every reader
    /// decodes them as usual; the zlib stream is libdeflate's (2.1x faster than zlib's
    /// `compress2` at level 1 on MI chunks, and slightly smaller).
    ///
    /// `values` are row-major elements whose in-memory bytes equal the file type's (the
    /// little-endian IEEE and integer types mibatch writes, on a little-endian machine). Edge
    /// chunks are padded to the full chunk with zero bytes, which readers never see.
    ///
    /// - Precondition: rank 2, chunked, `filters == ["shuffle", "deflate(level)"]`, and
    ///   `values.count` equal to the number of elements.
    public func writeShuffledDeflated<T: BitwiseCopyable>(_ values: [T], level: Int) throws(HDF5Error) {
        let dims = shape
        guard let chunk = chunkShape, dims.count == 2, filters == ["shuffle", "deflate(\(level))"] else {
            preconditionFailure("writeShuffledDeflated needs a 2-D dataset chunked with shuffle + deflate(\(level))")
        }
        precondition(values.count == dims[0] * dims[1], "value count does not match dataset shape")
        guard !values.isEmpty else { return }
        let size = MemoryLayout<T>.stride
        let (rows, columns) = (dims[0], dims[1])
        let (chunkRows, chunkColumns) = (chunk[0], chunk[1])
        let elements = chunkRows * chunkColumns, chunkBytes = elements * size
        let bands = (rows + chunkRows - 1) / chunkRows, across = (columns + chunkColumns - 1) / chunkColumns
        var failure: HDF5Error? = nil
        values.withUnsafeBytes { source in
            let input = ReadOnlyBytes(base: source.baseAddress!)
            for band in 0..<bands where failure == nil {
                let compressed = ChunkBuffers(count: across)
                DispatchQueue.concurrentPerform(iterations: across) { column in
                    var raw = [UInt8](repeating: 0, count: chunkBytes)
                    let width = min(chunkColumns, columns - column * chunkColumns) * size
                    for r in 0..<min(chunkRows, rows - band * chunkRows) {
                        let from = ((band * chunkRows + r) * columns + column * chunkColumns) * size
                        raw.withUnsafeMutableBytes { target in
                            target.baseAddress!.advanced(by: r * chunkColumns * size)
                                .copyMemory(from: input.base.advanced(by: from), byteCount: width)
                        }
                    }
                    var shuffled = raw
                    if size > 1 {
                        // Byte k of element i goes to plane k (HDF5's shuffle filter).
                        raw.withUnsafeBufferPointer { from in
                            shuffled.withUnsafeMutableBufferPointer { to in
                                for index in 0..<elements {
                                    let at = index &* size
                                    for byte in 0..<size { to[byte &* elements &+ index] = from[at &+ byte] }
                                }
                            }
                        }
                    }
                    // One compressor per chunk (libdeflate's are not shareable between threads;
                    // level 1's is ~0.6 MB, small beside a chunk's work).
                    var output: [UInt8]? = nil
                    if let compressor = libdeflate_alloc_compressor(Int32(level)) {
                        let bound = libdeflate_zlib_compress_bound(compressor, chunkBytes)
                        var bytes = [UInt8](repeating: 0, count: bound)
                        let length = bytes.withUnsafeMutableBytes { out in
                            shuffled.withUnsafeBytes { libdeflate_zlib_compress(compressor, $0.baseAddress, chunkBytes, out.baseAddress, bound) }
                        }
                        libdeflate_free_compressor(compressor)
                        if length > 0 { bytes.removeLast(bound - length); output = bytes }
                    }
                    compressed.store(output, at: column)
                }
                for column in 0..<across {
                    guard let bytes = compressed.value(at: column) else {
                        failure = .library(operation: "compress chunk", file: file.path, object: path, message: "libdeflate could not compress the chunk (out of memory?)")
                        break
                    }
                    var offset: [hsize_t] = [hsize_t(band * chunkRows), hsize_t(column * chunkColumns)]
                    let status = bytes.withUnsafeBytes { H5Dwrite_chunk(handle.id, mib_H5P_DEFAULT(), 0, &offset, bytes.count, $0.baseAddress) }
                    if status < 0 {
                        failure = .library(operation: "write chunk", file: file.path, object: path, message: takeErrorStack())
                        break
                    }
                }
            }
        }
        if let failure { throw failure }
    }
}

/// The caller's values, read (never written) by the compressing threads while the caller waits.
struct ReadOnlyBytes: @unchecked Sendable {
    let base: UnsafeRawPointer
}

/// One slot per chunk of a band, filled from concurrent iterations (each writes only its own
/// slot; the lock makes the hand-over to the writing thread explicit).
final class ChunkBuffers: @unchecked Sendable {
    private var slots: [[UInt8]?]
    private let lock = DispatchSemaphore(value: 1)

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ bytes: [UInt8]?, at index: Int) {
        lock.wait()
        slots[index] = bytes
        lock.signal()
    }

    func value(at index: Int) -> [UInt8]? {
        lock.wait()
        defer { lock.signal() }
        return slots[index]
    }
}

extension Dataset {
    /// The stored bytes of rows `rows` (whole chunk rows, or up to the last row) × every
    /// column of a 2-D dataset filtered by exactly shuffle then deflate, as
    /// ``writeShuffledDeflated(_:level:)`` writes it: each chunk's raw bytes read with
    /// `H5Dread_chunk` (no filter pass under libhdf5's lock), then inflated by libdeflate and
    /// unshuffled on all cores. Row-major, `elementSize` bytes per element, as stored
    /// (little-endian). The output writer verifies its file with it.
    ///
    /// - Precondition: rank 2, chunked, filters shuffle + deflate; `rows` starts on a chunk row.
    /// - Throws: `.library` when a chunk is missing, was written with a filter skipped, or
    ///   does not inflate to a whole chunk.
    /// - Complexity: O(rows × columns) bytes, spread over the cores.
    public func readShuffledDeflated(rows: Range<Int>, elementSize size: Int) throws(HDF5Error) -> [UInt8] {
        let dims = shape
        guard let chunk = chunkShape, dims.count == 2, filters.count == 2, filters[0] == "shuffle", filters[1].hasPrefix("deflate(") else {
            preconditionFailure("readShuffledDeflated needs a 2-D dataset chunked with shuffle + deflate")
        }
        let (columns, chunkRows, chunkColumns) = (dims[1], chunk[0], chunk[1])
        precondition(rows.lowerBound % chunkRows == 0 && rows.upperBound <= dims[0], "rows must start on a chunk row")
        let elements = chunkRows * chunkColumns, chunkBytes = elements * size
        let across = (columns + chunkColumns - 1) / chunkColumns
        var output = [UInt8](repeating: 0, count: rows.count * columns * size)
        guard !output.isEmpty else { return output }
        var failure: HDF5Error? = nil
        var start = rows.lowerBound
        while start < rows.upperBound && failure == nil {
            let bandRows = min(chunkRows, rows.upperBound - start)
            // Raw chunks, read one after another (libhdf5 serializes them anyway).
            var raw: [[UInt8]] = []
            raw.reserveCapacity(across)
            for column in 0..<across {
                var offset: [hsize_t] = [hsize_t(start), hsize_t(column * chunkColumns)]
                var stored: hsize_t = 0
                var mask: UInt32 = 0
                guard H5Dget_chunk_storage_size(handle.id, &offset, &stored) >= 0, stored > 0 else {
                    failure = .library(operation: "read chunk", file: file.path, object: path, message: "chunk at row \(start), column \(column * chunkColumns) is missing")
                    break
                }
                var bytes = [UInt8](repeating: 0, count: Int(stored))
                let status = bytes.withUnsafeMutableBytes { H5Dread_chunk(handle.id, mib_H5P_DEFAULT(), &offset, &mask, $0.baseAddress) }
                guard status >= 0, mask == 0 else {
                    failure = .library(operation: "read chunk", file: file.path, object: path,
                                       message: status < 0 ? takeErrorStack() : "chunk at row \(start) was stored with a filter skipped (mask \(mask))")
                    break
                }
                raw.append(bytes)
            }
            if failure != nil { break }
            let failed = ChunkBuffers(count: 1)
            let bandOffset = (start - rows.lowerBound) * columns * size
            let chunks = raw
            output.withUnsafeMutableBytes { buffer in
            let target = WritableBytes(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: across) { column in
                var shuffled = [UInt8](repeating: 0, count: chunkBytes)
                var produced = 0
                let status: libdeflate_result = chunks[column].withUnsafeBytes { input in
                    shuffled.withUnsafeMutableBytes { out in
                        guard let decompressor = libdeflate_alloc_decompressor() else { return LIBDEFLATE_SHORT_OUTPUT }
                        defer { libdeflate_free_decompressor(decompressor) }
                        return libdeflate_zlib_decompress(decompressor, input.baseAddress, input.count, out.baseAddress, chunkBytes, &produced)
                    }
                }
                guard status == LIBDEFLATE_SUCCESS, produced == chunkBytes else {
                    failed.store([1], at: 0)
                    return
                }
                let width = min(chunkColumns, columns - column * chunkColumns)
                shuffled.withUnsafeBufferPointer { from in
                    for r in 0..<bandRows {
                        let row = target.base.advanced(by: bandOffset + (r * columns + column * chunkColumns) * size)
                            .assumingMemoryBound(to: UInt8.self)
                        for c in 0..<width {
                            let index = r &* chunkColumns &+ c
                            for byte in 0..<size { row[c &* size &+ byte] = from[byte &* elements &+ index] }
                        }
                    }
                }
            }
            }
            if failed.value(at: 0) != nil {
                failure = .library(operation: "read chunk", file: file.path, object: path, message: "a chunk at row \(start) does not inflate to a whole chunk")
            }
            start += bandRows
        }
        if let failure { throw failure }
        return output
    }
}

/// The caller's output buffer, written in disjoint parts by concurrent iterations while the
/// caller waits.
struct WritableBytes: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
}
