import HDF5

/// How the matrix layers (`/mi`, `/status`, ...) are compressed (`--compression LEVEL|none`, design.md §5).
///
/// Every layer's dataset is always chunked in square tiles (``OutputStorage/chunkShape(rows:columns:)``);
/// this chooses the filters. Recorded in the configuration JSON and in the `compression`
/// root attribute; it never changes the values, so it is not part of the result key.
public enum OutputCompression: Equatable, Sendable, Codable, CustomStringConvertible {
    /// No filters (still chunked).
    case none
    /// Byte shuffle, then zlib deflate at `level` (0–9; 0 stores the chunk uncompressed
    /// inside a deflate stream).
    case deflate(level: Int)

    /// The default: shuffle + deflate level 1. Full-precision MI values are mostly
    /// incompressible mantissa bits: on a 10,000 × 10,000 matrix level 4 wrote a file 0.6%
    /// smaller than level 1 in 40% more time (samples/benchmarks/RESULTS.md); NaN-filled
    /// shards compress to almost nothing at any level.
    public static let `default` = OutputCompression.deflate(level: 1)

    /// Parses `none` or a level `0`…`9`.
    public init?(argument: String) {
        if argument.lowercased() == "none" { self = .none; return }
        guard let level = Int(argument), (0...9).contains(level) else { return nil }
        self = .deflate(level: level)
    }

    /// `none` or `shuffle + deflate(L)` (the filter names `mibatch inspect` shows).
    public var description: String {
        switch self {
        case .none: return "none"
        case let .deflate(level): return "shuffle + deflate(\(level))"
        }
    }

    /// Encoded as the JSON number LEVEL or the string "none".
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encode("none")
        case let .deflate(level): try container.encode(level)
        }
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let level = try? container.decode(Int.self), let value = OutputCompression(argument: String(level)) {
            self = value
        } else if let text = try? container.decode(String.self), let value = OutputCompression(argument: text) {
            self = value
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "compression must be 0-9 or \"none\"")
        }
    }
}

/// The storage layout of the output's matrix layers.
public enum OutputStorage {
    /// Largest chunk in bytes of `/mi` (float64): 1 MiB.
    public static let maximumChunkBytes = 1 << 20

    /// Side of the square chunks of every layer: the largest square tile of float64
    /// within ``maximumChunkBytes`` (362 × 362 × 8 = 1,048,352 bytes).
    public static let tileSide: Int = {
        var side = 1
        while (side + 1) * (side + 1) * 8 <= maximumChunkBytes { side += 1 }
        return side
    }()

    /// The chunk shape of a `rows × columns` matrix: square tiles of ``tileSide``, clipped
    /// to the matrix (a 2 × 5000 information-plane matrix gets 2 × 362 chunks).
    public static func chunkShape(rows: Int, columns: Int) -> [Int] {
        [max(1, min(rows, tileSide)), max(1, min(columns, tileSide))]
    }

    /// The HDF5 layout of `layer`'s dataset: square chunks, the filters of `compression`,
    /// the layer's HDF5 fill value (``LayerSpec/fileFillValue``: NaN for `/mi`).
    static func layout(of layer: MatrixLayer, rows: Int, columns: Int, compression: OutputCompression) -> DatasetLayout {
        let chunks = chunkShape(rows: rows, columns: columns)
        let fill = layer.spec.fileFillValue
        switch compression {
        case .none:
            return DatasetLayout(chunks: chunks, shuffle: false, deflateLevel: nil, fillValue: fill)
        case let .deflate(level):
            return DatasetLayout(chunks: chunks, shuffle: true, deflateLevel: level, fillValue: fill)
        }
    }
}
