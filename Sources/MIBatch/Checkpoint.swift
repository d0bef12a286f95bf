import Foundation
import Synchronization

/// One finished cell as journaled: its value in every registered ``MatrixLayer`` (each
/// layer's fill value where the run does not write it) and the `FailureReason` raw value of
/// a failed cell.
public struct CellRecord: Sendable, Equatable {
    /// The cell's value in each layer.
    public var values: CellValues
    /// `FailureReason` raw value (0 unless failed).
    public var reason: UInt8
    /// Cell index in the plan (set when recording).
    public var cell: Int

    /// A record of `cell`.
    public init(values: CellValues, reason: UInt8 = 0, cell: Int = 0) {
        self.values = values
        self.reason = reason
        self.cell = cell
    }
}

/// An append-only journal of finished cells, so an interrupted run resumes where it stopped.
///
/// Layout: a text header (`MIBATCH-CHECKPOINT V`, then one JSON line naming the result
/// configuration, input digest and shard), then binary records, each
/// `magic u32 | count u32 | count × entry | FNV-1a u64`, all little-endian, fsynced when
/// written. An entry is `cell u32`, then each layer of the journal's ``Layout`` in order at
/// its element width (``LayerElement/bytes``), then `reason u8`:
///
/// - version 2 (written while the registry is `/mi`, `/status`, `/samples`, as today):
///   `cell u32, mi bits u64, status u8, samples u32, reason u8`, 18 bytes;
/// - version 3 (written once ``MatrixLayer/all`` holds other layers): the header's JSON adds
///   `layers`, the journal's layers in order as `name:element` (`"mi:float64"`, ...);
/// - version 1 (still read): `cell u32, mi bits u64, status u8`, no samples nor reason.
///
/// A journal lacking a layer this build registers is refused (a version-1 journal lacks
/// only `/samples`, which runs of that time never wrote). A record cut short by SIGKILL
/// fails its length or checksum and is dropped with everything after it, so at most the
/// cells finished since the last flush are lost.
final class Checkpoint: @unchecked Sendable {
    /// What a journal must match to be resumed from.
    struct Header: Codable, Equatable {
        var resultKey: String
        var digest: String
        var shard: String
        var cells: Int
        /// Version 3 only: the entry's layers in order, `name:element`.
        var layers: [String]? = nil
    }

    /// The fields of an entry.
    struct Layout: Equatable {
        /// The header's version number.
        var version: Int
        /// The layers after the cell index, in order.
        var layers: [MatrixLayer]
        /// Whether the entry ends with a reason byte.
        var hasReason = true
        /// Layers missing from `layers` that journals of this version are resumed without
        /// (restored as their fill value): they did not exist when it was written.
        var predates: [MatrixLayer] = []

        /// Bytes per entry.
        var entrySize: Int { 4 + layers.reduce(0) { $0 + $1.element.bytes } + (hasReason ? 1 : 0) }
        /// The first header line.
        var magicLine: String { "MIBATCH-CHECKPOINT \(version)\n" }
        /// The `layers` header field of version 3.
        var layerNames: [String] { layers.map { "\($0.name):\($0.element)" } }

        static let version1 = Layout(version: 1, layers: [.mi, .status], hasReason: false, predates: [.samples, .pvalue])
        static let version2 = Layout(version: 2, layers: [.mi, .status, .samples], predates: [.pvalue])
        /// What this build writes: every journaled layer in registry order, as version 2
        /// while that is version 2's list.
        static let current = MatrixLayer.journaled == version2.layers ? version2 : Layout(version: 3, layers: MatrixLayer.journaled)
    }

    static let recordMagic: UInt32 = 0x3142_494D   // "MIB1"

    /// Path of the journal for the output file `output`.
    static func path(for output: String) -> String { output + ".ckpt" }

    let path: String
    /// The entry fields this journal writes.
    let layout: Layout
    /// Cells recorded since the last flush, already encoded (``Layout/entrySize`` bytes each: a
    /// minute of cells on many threads can be a million entries): `count` loose entries in
    /// `bytes`, and `records` already framed by their recording thread.
    private let pending = Mutex<(count: Int, bytes: [UInt8], records: [UInt8])>((0, [], []))
    /// Held while a record is written (flushes come from the timer, from workers whose
    /// cell filled the buffer and from the caller); whether every write so far succeeded.
    private let writer = Mutex<Bool>(true)
    /// Encoded cells at which the recording thread flushes without waiting for the timer,
    /// so a fast run never holds all its cells (18 bytes each today) until the end.
    static let flushBytes = 1 << 20
    private var descriptor: Int32 = -1

    /// Opens (creating with `header` when absent) the journal for appending entries of
    /// `layout` (the one ``load(path:expected:)`` found for an existing journal; tests
    /// choose others).
    ///
    /// A fresh journal's header is written to `PATH.new`, synced and renamed into place, so
    /// a kill at any moment leaves either no journal or one with a complete header.
    init(path: String, header: Header, fresh: Bool, layout: Layout = .current) throws(MIBatchError) {
        self.path = path
        self.layout = layout
        func failure() -> MIBatchError {
            .cannotCreateOutput(path: path, reason: "cannot write checkpoint: \(String(cString: strerror(errno)))")
        }
        if fresh {
            let staging = path + ".new"
            var header = header
            header.layers = layout.version >= 3 ? layout.layerNames : nil
            let json = JSONValue.sortedKeysJSON(header)
            var bytes = Array(layout.magicLine.utf8) + Array(json) + [0x0A]
            let fresh = open(staging, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fresh >= 0 else { throw failure() }
            let written = Self.writeAll(fresh, &bytes) && fsync(fresh) == 0
            close(fresh)
            guard written, rename(staging, path) == 0 else {
                let error = failure()
                unlink(staging)
                throw error
            }
        }
        descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure() }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Reads an existing journal. One of another layout than ``Layout/current`` (version 1,
    /// or version 3 with its layers in another order) is then rewritten in the current one,
    /// so the entries a resumed run appends match its header.
    ///
    /// - Returns: `nil` when there is no journal; otherwise the finished cells.
    /// - Throws: `.checkpointMismatch` when it belongs to another configuration, input or shard.
    static func load(path: String, expected: Header) throws(MIBatchError) -> [Int: CellRecord]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let prefix = Array("MIBATCH-CHECKPOINT ".utf8)
        guard bytes.starts(with: prefix), let firstNewline = bytes.firstIndex(of: 0x0A),
              let version = Int(String(decoding: bytes[prefix.count..<firstNewline], as: UTF8.self)),
              let newline = bytes[(firstNewline + 1)...].firstIndex(of: 0x0A),
              let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[(firstNewline + 1)..<newline])) else {
            throw .checkpointMismatch(path: path, reason: "it is not a mibatch checkpoint (or its header is damaged)")
        }
        if header.digest != expected.digest {
            throw .checkpointMismatch(path: path, reason: "it was written for different input data (\(header.digest), now \(expected.digest))")
        }
        if header.resultKey != expected.resultKey {
            throw .checkpointMismatch(path: path, reason: "it was written with different options: \(RunConfiguration.firstDifference(header.resultKey, expected.resultKey))")
        }
        if header.shard != expected.shard || header.cells != expected.cells {
            throw .checkpointMismatch(path: path, reason: "it was written for shard \(header.shard), this run is shard \(expected.shard)")
        }
        let layout = try journalLayout(version: version, header: header, path: path)
        let size = layout.entrySize
        var cells: [Int: CellRecord] = [:]
        var offset = newline + 1
        var validEnd = offset
        while offset + 8 <= bytes.count {
            let magicValue = read32(bytes, offset), count = Int(read32(bytes, offset + 4))
            let end = offset + 8 + count * size + 8
            guard magicValue == recordMagic, end <= bytes.count,
                  fnv1a(bytes[offset + 4..<end - 8]) == read64(bytes, end - 8) else { break }
            var position = offset + 8
            for _ in 0..<count {
                let cell = Int(read32(bytes, position))
                var values = CellValues.fill
                var field = position + 4
                for layer in layout.layers {
                    values[bits: layer] = readBits(bytes, field, count: layer.element.bytes)
                    field += layer.element.bytes
                }
                let failed = values[.status, as: UInt8.self] == PairStatus.failed.rawValue
                let reason = layout.hasReason ? bytes[field] : (failed ? FailureReason.other.rawValue : 0)
                if cell < expected.cells { cells[cell] = CellRecord(values: values, reason: reason, cell: cell) }
                position += size
            }
            offset = end
            validEnd = end
        }
        if validEnd < bytes.count { truncate(path, off_t(validEnd)) }   // drop a torn tail before appending
        if layout != .current { try upgrade(path: path, header: header, cells: cells) }
        return cells
    }

    /// Rewrites the journal at `path` in the ``Layout/current`` layout (so a resumed run
    /// appends entries of the layout the file declares): written beside it, synced, then
    /// renamed over it, so a kill leaves the old journal or the complete new one.
    static func upgrade(path: String, header: Header, cells: [Int: CellRecord]) throws(MIBatchError) {
        let staging = path + ".upgrade"
        let journal = try Checkpoint(path: staging, header: header, fresh: true)
        for cell in cells.keys.sorted() { journal.record(cells[cell]!) }
        guard journal.flush(), rename(staging, path) == 0 else {
            let reason = String(cString: strerror(errno))
            journal.remove()
            throw .cannotCreateOutput(path: path, reason: "cannot rewrite checkpoint: \(reason)")
        }
    }

    /// Records a finished cell (any thread); written at the next `flush`, or now when
    /// ``flushBytes`` of cells are waiting.
    func record(_ entry: CellRecord) { record([entry]) }

    /// Records finished cells under one lock (``record(_:)-(CellRecord)``).
    ///
    /// At least ``ownRecordEntries`` entries (a GCMI panel's) are framed as a record of their
    /// own here, checksum included, on the calling thread: the checksum (FNV-1a, a byte at a
    /// time) is then computed by the workers in parallel, not under the writer's lock. Fewer
    /// are appended to the shared record the next flush frames.
    func record(_ entries: [CellRecord]) {
        let layers = layout.layers.map { ($0, $0.element.bytes) }, hasReason = layout.hasReason
        // Encoded outside the lock; appended in one copy under it.
        let size = 4 + layers.reduce(0) { $0 + $1.1 } + (hasReason ? 1 : 0)
        let framed = entries.count >= Self.ownRecordEntries
        let head = framed ? 8 : 0
        var bytes = [UInt8](repeating: 0, count: head + entries.count * size + (framed ? 8 : 0))
        bytes.withUnsafeMutableBytes { out in
            var at = head
            for entry in entries {
                out.storeBytes(of: UInt32(entry.cell).littleEndian, toByteOffset: at, as: UInt32.self)
                at += 4
                for (layer, count) in layers {
                    withUnsafeBytes(of: entry.values[bits: layer].littleEndian) { source in
                        out.baseAddress!.advanced(by: at).copyMemory(from: source.baseAddress!, byteCount: count)
                    }
                    at += count
                }
                if hasReason { out[at] = entry.reason; at += 1 }
            }
            if framed {
                out.storeBytes(of: Self.recordMagic.littleEndian, toByteOffset: 0, as: UInt32.self)
                out.storeBytes(of: UInt32(entries.count).littleEndian, toByteOffset: 4, as: UInt32.self)
            }
        }
        if framed {
            // magic | count | entries | FNV-1a of count and entries, as `flush` frames them.
            let checksum = Self.fnv1a(bytes[8..<(bytes.count - 8)], seed: Self.fnv1a(bytes[4..<8]))
            withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((bytes.count - 8)..., with: $0) }
        }
        let full = pending.withLock { list in
            if framed {
                list.records.append(contentsOf: bytes)
            } else {
                list.bytes.append(contentsOf: bytes)
                list.count += entries.count
            }
            return list.bytes.count + list.records.count >= Self.flushBytes
        }
        if full { flush() }
    }

    /// Entries recorded at once that are framed as their own record (``record(_:)-([CellRecord])``).
    static let ownRecordEntries = 256

    /// Appends every recorded cell (the framed records, then one record of the others) and
    /// fsyncs. Returns false if this or an earlier write failed.
    @discardableResult
    func flush() -> Bool {
        writer.withLock { allWritten in
            var batch = pending.withLock { list -> (count: Int, bytes: [UInt8], records: [UInt8]) in
                defer { list = (0, [], []) }
                return list
            }
            guard batch.count > 0 || !batch.records.isEmpty else { return allWritten }
            var ok = batch.records.isEmpty || Self.writeAll(descriptor, &batch.records)
            if batch.count > 0 {
                // magic | count | entries | checksum of count and entries, written without copying
                // the entries (a torn record fails its checksum either way).
                var head: [UInt8] = []
                Self.append32(&head, Self.recordMagic)
                Self.append32(&head, UInt32(batch.count))
                var tail: [UInt8] = []
                Self.append64(&tail, Self.fnv1a(batch.bytes[...], seed: Self.fnv1a(head[4...])))
                ok = ok && Self.writeAll(descriptor, &head) && Self.writeAll(descriptor, &batch.bytes) && Self.writeAll(descriptor, &tail)
            }
            fsync(descriptor)
            allWritten = allWritten && ok
            return allWritten
        }
    }

    /// Deletes the journal (after the output is safely in place).
    func remove() {
        close(descriptor)
        descriptor = -1
        unlink(path)
    }

    static func writeAll(_ descriptor: Int32, _ bytes: inout [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    /// FNV-1a of `bytes`, continuing from `seed` (the hash of the bytes before them).
    static func fnv1a(_ bytes: ArraySlice<UInt8>, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        bytes.withUnsafeBufferPointer { buffer in
            var hash = seed
            for byte in buffer { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return hash
        }
    }

    /// The layout of a journal of `version` with `header`.
    ///
    /// - Throws: `.checkpointMismatch` for an unknown version, a layer this build does not
    ///   know (or knows with another element type), or a registered layer it lacks.
    static func journalLayout(version: Int, header: Header, path: String) throws(MIBatchError) -> Layout {
        let layout: Layout
        switch version {
        case 1: layout = .version1
        case 2: layout = .version2
        case 3:
            var layers: [MatrixLayer] = []
            for name in header.layers ?? [] {
                guard let layer = MatrixLayer.journaled.first(where: { "\($0.name):\($0.element)" == name }) else {
                    throw .checkpointMismatch(path: path, reason: "it holds a layer '\(name)' this mibatch does not write (written by another version)")
                }
                layers.append(layer)
            }
            layout = Layout(version: 3, layers: layers)
        default:
            throw .checkpointMismatch(path: path, reason: "it is a version \(version) checkpoint, written by another mibatch version")
        }
        if let missing = MatrixLayer.journaled.first(where: { !layout.layers.contains($0) && !layout.predates.contains($0) }) {
            throw .checkpointMismatch(path: path, reason: "it has no \(missing) values (written by another mibatch version)")
        }
        return layout
    }

    /// Appends the low `count` bytes of `bits`, little-endian.
    static func appendBits(_ bytes: inout [UInt8], _ bits: UInt64, count: Int) {
        for shift in stride(from: 0, to: 8 * count, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// The `count` little-endian bytes at `offset`, zero-extended.
    static func readBits(_ bytes: [UInt8], _ offset: Int, count: Int) -> UInt64 {
        (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) }
    }

    static func append32(_ bytes: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func append64(_ bytes: inout [UInt8], _ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func read32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32(8 * $1) }
    }

    static func read64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64(8 * $1) }
    }
}

extension RunConfiguration {
    /// Names the first top-level JSON key whose value differs between two result keys, with
    /// both values as `mibatch inspect` shows parameters (`none` for null, nested objects as
    /// compact sorted JSON).
    static func firstDifference(_ a: String, _ b: String) -> String {
        guard case let .object(left)? = JSONValue.parse(a), case let .object(right)? = JSONValue.parse(b) else {
            return "configuration differs"
        }
        for key in Set(left.keys).union(right.keys).sorted() {
            let l = left[key].map(Inspector.plain) ?? "absent", r = right[key].map(Inspector.plain) ?? "absent"
            if l != r { return "\(key) was \(l), now \(r)" }
        }
        return "configuration differs"
    }
}
