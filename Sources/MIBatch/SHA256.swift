import Crypto

/// SHA-256 (FIPS 180-4), streaming, with the digest as lowercase hex: the input content
/// digest in provenance (two outputs computed from different data never carry the same
/// digest). swift-crypto's `SHA256` does the hashing; this keeps the interface the digest
/// is defined by (bytes in, 64 hex digits out).
///
/// - Complexity: O(bytes).
struct SHA256Hasher {
    private var hash = SHA256()

    /// Feeds bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hash.update(bufferPointer: bytes)
    }

    /// Feeds the ASCII bytes of a hex digest (or any bytes).
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the bytes of a string's UTF-8 encoding.
    mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes and returns the digest as 64 lowercase hex digits.
    func finalize() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in hash.finalize() {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
