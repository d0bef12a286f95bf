// Internal: each sample's rank in its variable's sorted values, in as few bytes as n needs.
//
// An all-pairs run holds every variable prepared (sorted values, 8 bytes a sample, plus the
// ranks), so the rank width sets most of the difference between the prepared input and the
// raw input: 2 bytes up to n = 65,536 (1.25 × the raw input), 3 bytes up to 16,777,216
// (1.375 ×), 4 bytes above. Ranks are read only while a pair's grid is built (twice per
// sample), never in the search loops, so the width costs no measurable time.

/// Ranks 0 ..< n packed little-endian in `width` bytes each.
struct _PackedRanks: Sendable {
    /// Bytes per rank: 2, 3 or 4.
    let width: Int
    let bytes: [UInt8]

    /// The narrowest width that holds ranks below `count`.
    static func width(forCount count: Int) -> Int {
        count <= 1 << 16 ? 2 : count <= 1 << 24 ? 3 : 4
    }

    /// Packs `ranks` (each in 0 ..< 2^(8·width)).
    init(_ ranks: [Int32], width: Int) {
        precondition((2...4).contains(width), "_PackedRanks: width must be 2, 3 or 4")
        self.width = width
        var out = [UInt8](repeating: 0, count: ranks.count * width)
        for (i, r) in ranks.enumerated() {
            precondition(r >= 0 && (width == 4 || Int(r) < 1 << (8 * width)), "_PackedRanks: rank \(r) does not fit \(width) bytes")
            let v = UInt32(bitPattern: r)
            for b in 0..<width { out[i * width + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) }
        }
        bytes = out
    }

    /// Number of ranks.
    var count: Int { bytes.count / width }

    /// Rank of sample `i` (decoded by the same readers the kernel uses).
    subscript(i: Int) -> Int {
        precondition(i >= 0 && i < count, "_PackedRanks: index \(i) outside 0..<\(count)")
        return withUnsafeBytes { base in
            switch width {
            case 2: return _Ranks16(base: base)[i]
            case 3: return _Ranks24(base: base)[i]
            default: return _Ranks32(base: base)[i]
            }
        }
    }

    /// Runs `body` with the packed bytes (read them with the reader for ``width``).
    func withUnsafeBytes<R>(_ body: (UnsafeRawPointer) -> R) -> R {
        bytes.withUnsafeBytes { body($0.baseAddress!) }
    }
}

/// Reads sample i's rank from packed storage (specialised per width in the kernel).
protocol _RankReader {
    subscript(i: Int) -> Int { get }
}

struct _Ranks16: _RankReader {
    let base: UnsafeRawPointer
    @inline(__always) subscript(i: Int) -> Int { Int(base.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self).littleEndian) }
}

struct _Ranks24: _RankReader {
    let base: UnsafeRawPointer
    @inline(__always) subscript(i: Int) -> Int {
        let low = Int(base.loadUnaligned(fromByteOffset: 3 &* i, as: UInt16.self).littleEndian)
        return low | Int(base.load(fromByteOffset: 3 &* i &+ 2, as: UInt8.self)) << 16
    }
}

struct _Ranks32: _RankReader {
    let base: UnsafeRawPointer
    @inline(__always) subscript(i: Int) -> Int { Int(base.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self).littleEndian) }
}
