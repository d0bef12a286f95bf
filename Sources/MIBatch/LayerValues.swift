#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HDF5

/// A Swift type a ``MatrixLayer`` holds: `Double` (float64), `UInt8` (uint8), `Int32` (int32).
///
/// Generic code carries one cell's value of any layer as `UInt64` bits (``layerBits``):
/// the IEEE bit pattern of a `Double`, the zero-extended bit pattern of an integer. The low
/// ``LayerElement/bytes`` bytes of those bits, little-endian, are its checkpoint encoding.
public protocol LayerValue: BitwiseCopyable, Sendable, Equatable {
    /// The layer element type this Swift type is.
    static var element: LayerElement { get }
    /// The value whose ``layerBits`` are `bits` (only the low ``LayerElement/bytes`` bytes count).
    init(layerBits bits: UInt64)
    /// This value as bits.
    var layerBits: UInt64 { get }
    /// Whether `value`, as libhdf5 converts this element to `Double` when reading, is this
    /// value (NaN matches any NaN).
    func isRead(as value: Double) -> Bool
}

extension Double: LayerValue {
    /// float64.
    public static var element: LayerElement { .float64 }
    /// The `Double` with this bit pattern.
    public init(layerBits bits: UInt64) { self.init(bitPattern: bits) }
    /// The IEEE bit pattern.
    public var layerBits: UInt64 { bitPattern }
    /// Same bits, or both NaN.
    public func isRead(as value: Double) -> Bool { bitPattern == value.bitPattern || (isNaN && value.isNaN) }
}

extension UInt8: LayerValue {
    /// uint8.
    public static var element: LayerElement { .uint8 }
    /// The low byte of `bits`.
    public init(layerBits bits: UInt64) { self.init(truncatingIfNeeded: bits) }
    /// Zero-extended.
    public var layerBits: UInt64 { UInt64(self) }
    /// Exactly equal.
    public func isRead(as value: Double) -> Bool { Double(self) == value }
}

extension Int32: LayerValue {
    /// int32.
    public static var element: LayerElement { .int32 }
    /// The low four bytes of `bits`, as two's complement.
    public init(layerBits bits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: bits)) }
    /// The two's-complement bit pattern, zero-extended.
    public var layerBits: UInt64 { UInt64(UInt32(bitPattern: self)) }
    /// Exactly equal.
    public func isRead(as value: Double) -> Bool { Double(self) == value }
}

/// One cell's value in every registered layer, held inline (no allocation): what the
/// kernel computes, a checkpoint entry carries and a resumed run restores.
///
/// A fresh value (``fill``) holds each layer's fill value.
public struct CellValues: Sendable, Equatable {
    /// The most layers ``MatrixLayer/all`` may hold (checked by ``fill``).
    public static let capacity = 8
    private var bits = InlineArray<8, UInt64>(repeating: 0)

    /// Every layer at its fill value.
    public static let fill: CellValues = {
        precondition(MatrixLayer.all.count <= capacity, "CellValues holds at most \(capacity) layers; raise its capacity")
        var values = CellValues(unfilled: ())
        for layer in MatrixLayer.all { values.bits[layer.rawValue] = layer.spec.fillBits }
        return values
    }()

    private init(unfilled: ()) {}

    /// Every layer at its fill value (``fill``).
    public init() { self = Self.fill }

    /// The raw bits of `layer` (see ``LayerValue/layerBits``).
    public subscript(bits layer: MatrixLayer) -> UInt64 {
        get { bits[layer.rawValue] }
        set { bits[layer.rawValue] = newValue }
    }

    /// The value of `layer` as its element type `T`.
    public subscript<T: LayerValue>(layer: MatrixLayer, as type: T.Type) -> T {
        get {
            assert(T.element == layer.element, "\(layer) holds \(layer.element), not \(T.element)")
            return T(layerBits: bits[layer.rawValue])
        }
        set {
            assert(T.element == layer.element, "\(layer) holds \(layer.element), not \(T.element)")
            bits[layer.rawValue] = newValue.layerBits
        }
    }

    /// Equal bits in every registered layer.
    public static func == (a: CellValues, b: CellValues) -> Bool {
        MatrixLayer.all.allSatisfy { a.bits[$0.rawValue] == b.bits[$0.rawValue] }
    }
}

/// The row-major values of one layer over a whole matrix, typed by its element.
public enum LayerArray: Sendable, Equatable {
    /// A float64 layer's cells.
    case float64([Double])
    /// A uint8 layer's cells.
    case uint8([UInt8])
    /// An int32 layer's cells.
    case int32([Int32])

    /// `count` cells of `layer`'s fill value.
    public init(filling layer: MatrixLayer, count: Int) {
        switch layer.element {
        case .float64: self = .float64(.init(repeating: layer.spec.fill(), count: count))
        case .uint8: self = .uint8(.init(repeating: layer.spec.fill(), count: count))
        case .int32: self = .int32(.init(repeating: layer.spec.fill(), count: count))
        }
    }

    /// The element type held.
    public var element: LayerElement {
        switch self {
        case .float64: return .float64
        case .uint8: return .uint8
        case .int32: return .int32
        }
    }

    /// Number of cells.
    public var count: Int {
        switch self {
        case let .float64(values): return values.count
        case let .uint8(values): return values.count
        case let .int32(values): return values.count
        }
    }

    /// The values as `[T]`, or `nil` when `T` is not the element type. O(1) (shares storage).
    public func values<T: LayerValue>(as type: T.Type = T.self) -> [T]? {
        // Checked here, so the reinterpretation is the identity (an `as?` cast of an array
        // may copy it element by element).
        switch self {
        case let .float64(values): return T.self == Double.self ? unsafeBitCast(values, to: [T].self) : nil
        case let .uint8(values): return T.self == UInt8.self ? unsafeBitCast(values, to: [T].self) : nil
        case let .int32(values): return T.self == Int32.self ? unsafeBitCast(values, to: [T].self) : nil
        }
    }

    /// The bits of the cell at `index` (see ``LayerValue/layerBits``).
    public subscript(bits index: Int) -> UInt64 {
        switch self {
        case let .float64(values): return values[index].layerBits
        case let .uint8(values): return values[index].layerBits
        case let .int32(values): return values[index].layerBits
        }
    }

    /// Equal element type and bits in every cell (NaN payloads included).
    public static func == (a: LayerArray, b: LayerArray) -> Bool {
        switch (a, b) {
        case let (.float64(x), .float64(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
        case let (.uint8(x), .uint8(y)): return x == y
        case let (.int32(x), .int32(y)): return x == y
        default: return false
        }
    }

    /// Takes the values of `source` at the cells where `take` holds (one pass, in place).
    ///
    /// - Precondition: same element type and count.
    mutating func copy(from source: LayerArray, where take: (Int) -> Bool) {
        func copy<T>(_ target: inout [T], _ source: [T]) {
            for index in target.indices where take(index) { target[index] = source[index] }
        }
        switch self {
        case var .float64(target):
            guard let values = source.values(as: Double.self) else { break }
            self = .uint8([])   // drop the second reference: `target` is then mutated in place
            copy(&target, values)
            self = .float64(target)
            return
        case var .uint8(target):
            guard let values = source.values(as: UInt8.self) else { break }
            self = .float64([])
            copy(&target, values)
            self = .uint8(target)
            return
        case var .int32(target):
            guard let values = source.values(as: Int32.self) else { break }
            self = .uint8([])
            copy(&target, values)
            self = .int32(target)
            return
        }
        preconditionFailure("merging \(source.element) values into a \(element) layer")
    }

    /// Whether the row-major block of `read` starting at cell `start` (as libhdf5 reads
    /// this layer's dataset into `Double`) holds exactly these values.
    /// Whether `bytes` equal the in-memory bytes of this array's elements from `start` on
    /// (a layer read back as stored; its file types are the little-endian in-memory ones).
    func matches(bytes: [UInt8], at start: Int) -> Bool {
        func same<T>(_ values: [T]) -> Bool {
            let size = MemoryLayout<T>.stride
            guard bytes.count % size == 0, start + bytes.count / size <= values.count else { return false }
            return values.withUnsafeBytes { mine in
                bytes.withUnsafeBytes { theirs in
                    memcmp(mine.baseAddress! + start * size, theirs.baseAddress!, bytes.count) == 0
                }
            }
        }
        if bytes.isEmpty { return true }
        switch self {
        case let .float64(values): return same(values)
        case let .uint8(values): return same(values)
        case let .int32(values): return same(values)
        }
    }

    func matches(_ read: [Double], at start: Int) -> Bool {
        func same<T: LayerValue>(_ values: [T]) -> Bool {
            guard start + read.count <= values.count else { return false }
            return read.indices.allSatisfy { values[start + $0].isRead(as: read[$0]) }
        }
        switch self {
        case let .float64(values): return same(values)
        case let .uint8(values): return same(values)
        case let .int32(values): return same(values)
        }
    }
}

/// The layers of one matrix, by ``MatrixLayer``: the arrays of the layers present.
public struct MatrixLayers: Sendable, Equatable {
    private var arrays: [LayerArray?] = Array(repeating: nil, count: MatrixLayer.all.count)

    /// No layers.
    public init() {}

    /// `layers`, each `count` cells of its fill value.
    public init(filling layers: [MatrixLayer], count: Int) {
        for layer in layers { arrays[layer.rawValue] = LayerArray(filling: layer, count: count) }
    }

    /// The array of `layer`, `nil` when absent. Setting checks the element type.
    public subscript(layer: MatrixLayer) -> LayerArray? {
        get { arrays[layer.rawValue] }
        set {
            precondition(newValue.map { $0.element == layer.element } ?? true, "\(layer) holds \(layer.element) values")
            arrays[layer.rawValue] = newValue
        }
    }

    /// The values of `layer` as `[T]`, `nil` when absent. O(1).
    public func values<T: LayerValue>(_ layer: MatrixLayer, as type: T.Type = T.self) -> [T]? {
        arrays[layer.rawValue]?.values(as: T.self)
    }

    /// Takes `source`'s values of `layer` at the cells where `take` holds, in place.
    ///
    /// - Precondition: `layer` is present and `source` has its element type and cell count.
    mutating func copy(_ layer: MatrixLayer, from source: LayerArray, where take: (Int) -> Bool) {
        precondition(arrays[layer.rawValue]?.count == source.count, "\(layer) values do not fit")
        arrays[layer.rawValue]!.copy(from: source, where: take)
    }

    /// The layers present, in registry order.
    public var present: [MatrixLayer] { MatrixLayer.all.filter { arrays[$0.rawValue] != nil } }

    /// Whether `layer` is present.
    public func contains(_ layer: MatrixLayer) -> Bool { arrays[layer.rawValue] != nil }
}
