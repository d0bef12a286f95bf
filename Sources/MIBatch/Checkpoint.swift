import Foundation
import Synchronization

/// One finished cell as journaled: value, status, samples used (`--nan pairwise`, else 0)
/// and the `FailureReason` raw value of a failed cell.
public struct CellRecord: Sendable, Equatable {
    /// The value in the configured units (NaN when failed).
    public var value: Double
    /// `PairStatus` raw value.
    public var status: UInt8
    /// Samples the estimate used (`--nan pairwise`; 0 otherwise).
    public var samples: Int
    /// `FailureReason` raw value (0 unless failed).
    public var reason: UInt8
    /// Cell index in the plan (set when recording).
    public var cell: Int = 0
}

/// An append-only journal of finished cells, so an interrupted run resumes where it stopped.
///
/// Layout: a text header (`MIBATCH-CHECKPOINT 2`, then one JSON line naming the result
/// configuration, input digest and shard), then binary records, each
/// `magic u32 | count u32 | count × (cell u32, value bits u64, status u8, samples u32,
/// reason u8) | FNV-1a u64`, all little-endian, fsynced when written. Version 1 journals
/// (entries without samples and reason) are still read. A record cut short by SIGKILL fails its length or
/// checksum and is dropped with everything after it, so at most the cells finished since
/// the last flush are lost.
final class Checkpoint: @unchecked Sendable {
    /// What a journal must match to be resumed from.
    struct Header: Codable, Equatable {
        var resultKey: String
        var digest: String
        var shard: String
        var cells: Int
    }

    static let magicLine = "MIBATCH-CHECKPOINT 2\n"
    static let legacyMagicLine = "MIBATCH-CHECKPOINT 1\n"
    static let recordMagic: UInt32 = 0x3142_494D   // "MIB1"
    /// Bytes per entry in version 2 and version 1 journals.
    static let entrySize = 18, legacyEntrySize = 13

    /// Path of the journal for the output file `output`.
    static func path(for output: String) -> String { output + ".ckpt" }

    let path: String
    /// Cells recorded since the last flush, already encoded (``entrySize`` bytes each: a
    /// minute of cells on many threads can be a million entries).
    private let pending = Mutex<(count: Int, bytes: [UInt8])>((0, []))
    /// Held while a record is written (flushes come from the timer, from workers whose
    /// cell filled the buffer and from the caller); whether every write so far succeeded.
    private let writer = Mutex<Bool>(true)
    /// Encoded cells at which the recording thread flushes without waiting for the timer,
    /// so a fast run never holds all its cells (18 bytes each) until the end.
    static let flushBytes = 1 << 20
    private var descriptor: Int32 = -1

    /// Opens (creating with `header` when absent) the journal for appending.
    ///
    /// A fresh journal's header is written to `PATH.new`, synced and renamed into place, so
    /// a kill at any moment leaves either no journal or one with a complete header.
    init(path: String, header: Header, fresh: Bool) throws(MIBatchError) {
        self.path = path
        func failure() -> MIBatchError {
            .cannotCreateOutput(path: path, reason: "cannot write checkpoint: \(String(cString: strerror(errno)))")
        }
        if fresh {
            let staging = path + ".new"
            let json = JSONValue.sortedKeysJSON(header)
            var bytes = Array(Self.magicLine.utf8) + Array(json) + [0x0A]
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

    /// Reads an existing journal.
    ///
    /// - Returns: `nil` when there is no journal; otherwise the finished cells.
    /// - Throws: `.checkpointMismatch` when it belongs to another configuration, input or shard.
    static func load(path: String, expected: Header) throws(MIBatchError) -> [Int: CellRecord]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let magic = Array(magicLine.utf8)
        let legacy = bytes.starts(with: Array(legacyMagicLine.utf8))
        let size = legacy ? legacyEntrySize : entrySize
        guard bytes.count >= magic.count, legacy || Array(bytes[0..<magic.count]) == magic,
              let newline = bytes[magic.count...].firstIndex(of: 0x0A),
              let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[magic.count..<newline])) else {
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
                let bits = read64(bytes, position + 4)
                let status = bytes[position + 12]
                let samples = legacy ? 0 : Int(read32(bytes, position + 13))
                let reason = legacy ? (status == PairStatus.failed.rawValue ? FailureReason.other.rawValue : 0) : bytes[position + 17]
                if cell < expected.cells {
                    cells[cell] = CellRecord(value: Double(bitPattern: bits), status: status, samples: samples, reason: reason, cell: cell)
                }
                position += size
            }
            offset = end
            validEnd = end
        }
        if validEnd < bytes.count { truncate(path, off_t(validEnd)) }   // drop a torn tail before appending
        return cells
    }

    /// Records a finished cell (any thread); written at the next `flush`, or now when
    /// ``flushBytes`` of cells are waiting.
    func record(_ entry: CellRecord) {
        let full = pending.withLock { list in
            Self.append32(&list.bytes, UInt32(entry.cell))
            Self.append64(&list.bytes, entry.value.bitPattern)
            list.bytes.append(entry.status)
            Self.append32(&list.bytes, UInt32(clamping: entry.samples))
            list.bytes.append(entry.reason)
            list.count += 1
            return list.bytes.count >= Self.flushBytes
        }
        if full { flush() }
    }

    /// Appends every recorded cell as one record and fsyncs. Returns false if this or an
    /// earlier write failed.
    @discardableResult
    func flush() -> Bool {
        writer.withLock { allWritten in
            var batch = pending.withLock { list -> (count: Int, bytes: [UInt8]) in
                defer { list = (0, []) }
                return list
            }
            guard batch.count > 0 else { return allWritten }
            // magic | count | entries | checksum of count and entries, written without copying
            // the entries (a torn record fails its checksum either way).
            var head: [UInt8] = []
            Self.append32(&head, Self.recordMagic)
            Self.append32(&head, UInt32(batch.count))
            var tail: [UInt8] = []
            Self.append64(&tail, Self.fnv1a(batch.bytes[...], seed: Self.fnv1a(head[4...])))
            let ok = Self.writeAll(descriptor, &head) && Self.writeAll(descriptor, &batch.bytes) && Self.writeAll(descriptor, &tail)
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
        var hash = seed
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
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
