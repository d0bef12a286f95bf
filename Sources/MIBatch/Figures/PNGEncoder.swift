/// Writes 8-bit RGB PNG images in pure Swift.
///
/// Compression: each scanline takes the filter (None, Sub or Up) that leaves the most zero
/// bytes, then one fixed-Huffman deflate block codes byte runs as distance-1 matches (up to
/// 258 bytes each). Figures are mostly flat colour, so this gets within a small factor of
/// zlib with no library; the stream is plain RFC 1950/1951, read by every decoder.
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

    /// A zlib stream (RFC 1950) holding `data` in one fixed-Huffman deflate block.
    static func zlibStream(_ data: [UInt8]) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1) // final block
        bits.write(1, count: 2) // fixed Huffman codes
        var index = 0
        while index < data.count {
            let byte = data[index]
            bits.writeLiteral(Int(byte))
            index += 1
            var run = 0
            while index + run < data.count && data[index + run] == byte { run += 1 }
            while run >= 3 {
                let length = min(run, 258)
                bits.writeMatch(length: length)
                index += length
                run -= length
            }
        }
        bits.writeLiteral(256) // end of block
        return [0x78, 0x01] + bits.finish() + bigEndian(adler32(data))
    }

    /// Packs deflate bits least-significant first.
    struct BitWriter {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var used = 0

        mutating func write(_ value: Int, count: Int) {
            buffer |= UInt32(value) << UInt32(used)
            used += count
            while used >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                used -= 8
            }
        }

        /// A Huffman code, most significant bit first.
        mutating func writeCode(_ code: Int, length: Int) {
            var reversed = 0
            for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            write(reversed, count: length)
        }

        /// Literal/length symbol 0…287 with the fixed code lengths of RFC 1951 §3.2.6.
        mutating func writeLiteral(_ symbol: Int) {
            switch symbol {
            case 0...143: writeCode(0x30 + symbol, length: 8)
            case 144...255: writeCode(0x190 + symbol - 144, length: 9)
            case 256...279: writeCode(symbol - 256, length: 7)
            default: writeCode(0xC0 + symbol - 280, length: 8)
            }
        }

        static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]

        /// A match of `length` (3…258) at distance 1 (distance code 0, no extra bits).
        mutating func writeMatch(length: Int) {
            let code = Self.lengthBase.lastIndex { $0 <= length }!
            writeLiteral(257 + code)
            if Self.lengthExtra[code] > 0 { write(length - Self.lengthBase[code], count: Self.lengthExtra[code]) }
            writeCode(0, length: 5)
        }

        mutating func finish() -> [UInt8] {
            if used > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            buffer = 0
            used = 0
            return bytes
        }
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typed = Array(type.utf8) + data
        png += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// CRC-32 (ISO 3309, as PNG uses it).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// Adler-32 (RFC 1950).
    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < data.count {
            let end = min(index + 5552, data.count)
            for byte in data[index..<end] { a += UInt32(byte); b += a }
            a %= 65521
            b %= 65521
            index = end
        }
        return (b << 16) | a
    }
}
