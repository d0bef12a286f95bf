import CZlib

/// Writes 8-bit RGB PNG images.
///
/// Compression: each scanline takes the filter (None, Sub or Up) that leaves the most zero
/// bytes, then zlib deflates the filtered image at its best level.
public enum PNGEncoder {
    /// The PNG file of a `width × height` image; `rgb` holds 3 bytes per pixel, row-major.
    public static func encode(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0 && rgb.count == width * height * 3, "RGB buffer does not match the size")
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0] // 8 bits per channel, truecolour, deflate, adaptive filters, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlibStream(filtered(width: width, height: height, rgb: rgb)), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// Scanlines, each prefixed by its filter type.
    static func filtered(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        let stride = width * 3
        var output: [UInt8] = []
        output.reserveCapacity((stride + 1) * height)
        var candidates = [[UInt8]](repeating: [UInt8](repeating: 0, count: stride), count: 3)
        for row in 0..<height {
            let start = row * stride
            for index in 0..<stride {
                let value = rgb[start + index]
                candidates[0][index] = value
                candidates[1][index] = value &- (index >= 3 ? rgb[start + index - 3] : 0)
                candidates[2][index] = value &- (row > 0 ? rgb[start - stride + index] : 0)
            }
            let zeros = candidates.map { $0.reduce(0) { $1 == 0 ? $0 + 1 : $0 } }
            let best = zeros.indices.max { zeros[$0] < zeros[$1] || (zeros[$0] == zeros[$1] && $0 > $1) }!
            output.append(UInt8(best))
            output += candidates[best]
        }
        return output
    }

    /// A zlib stream (RFC 1950) of `data`: zlib's `compress2` at the best compression level.
    ///
    /// zlib fails only when it cannot allocate its state (a few hundred KiB), which Swift
    /// treats as fatal everywhere else too.
    static func zlibStream(_ data: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(data.count))
        var stream = [UInt8](repeating: 0, count: Int(length))
        let status = compress2(&stream, &length, data, uLong(data.count), Z_BEST_COMPRESSION)
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        stream.removeSubrange(Int(length)...)
        return stream
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typed = Array(type.utf8) + data
        png += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// CRC-32 (ISO 3309, as PNG uses it), zlib's.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        UInt32(truncatingIfNeeded: CZlib.crc32(0, data, uInt(data.count)))
    }
}
