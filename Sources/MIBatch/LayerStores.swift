/// One layer's cells while a run computes them: a typed buffer that worker threads write at
/// disjoint indices.
enum LayerBuffer: Sendable {
    /// A float64 layer's cells.
    case float64(SharedBuffer<Double>)
    /// A uint8 layer's cells.
    case uint8(SharedBuffer<UInt8>)
    /// An int32 layer's cells.
    case int32(SharedBuffer<Int32>)

    /// `count` cells of `layer`'s fill value.
    init(filling layer: MatrixLayer, count: Int) {
        switch layer.element {
        case .float64: self = .float64(SharedBuffer(repeating: layer.spec.fill(), count: count))
        case .uint8: self = .uint8(SharedBuffer(repeating: layer.spec.fill(), count: count))
        case .int32: self = .int32(SharedBuffer(repeating: layer.spec.fill(), count: count))
        }
    }

    /// The cell at `index` as bits (``LayerValue/layerBits``).
    subscript(index: Int) -> UInt64 {
        get {
            switch self {
            case let .float64(buffer): return buffer[index].layerBits
            case let .uint8(buffer): return buffer[index].layerBits
            case let .int32(buffer): return buffer[index].layerBits
            }
        }
        nonmutating set {
            switch self {
            case let .float64(buffer): buffer[index] = Double(layerBits: newValue)
            case let .uint8(buffer): buffer[index] = UInt8(layerBits: newValue)
            case let .int32(buffer): buffer[index] = Int32(layerBits: newValue)
            }
        }
    }

    /// The cells moved out into an array; the buffer is empty afterwards.
    func take() -> LayerArray {
        switch self {
        case let .float64(buffer): return .float64(buffer.take())
        case let .uint8(buffer): return .uint8(buffer.take())
        case let .int32(buffer): return .int32(buffer.take())
        }
    }
}

/// The kernel's matrix: one ``LayerBuffer`` per layer the run writes, created once.
///
/// Storing or reading a cell loops over those few layers with no allocation.
struct LayerStores: Sendable {
    /// The layers written, with their buffers and whether a symmetric plan mirrors them.
    private let stores: [(layer: MatrixLayer, buffer: LayerBuffer, mirrored: Bool)]

    /// Buffers of `cells` cells for `layers`.
    init(_ layers: [MatrixLayer], cells: Int) {
        stores = layers.map { ($0, LayerBuffer(filling: $0, count: cells), $0.spec.mirrored) }
    }

    /// The layers held, in registry order.
    var layers: [MatrixLayer] { stores.map(\.layer) }

    /// The typed buffer of `layer`, `nil` when it is not held or `T` is not its element type.
    func buffer<T: LayerValue>(_ layer: MatrixLayer, as type: T.Type = T.self) -> SharedBuffer<T>? {
        switch stores.first(where: { $0.layer == layer })?.buffer {
        case let .float64(buffer)?: return buffer as? SharedBuffer<T>
        case let .uint8(buffer)?: return buffer as? SharedBuffer<T>
        case let .int32(buffer)?: return buffer as? SharedBuffer<T>
        case nil: return nil
        }
    }

    /// Stores `values` at matrix position `offset`, and at `mirror` too for mirrored layers.
    func store(_ values: CellValues, at offset: Int, mirror: Int?) {
        for store in stores {
            let bits = values[bits: store.layer]
            store.buffer[offset] = bits
            if store.mirrored, let mirror { store.buffer[mirror] = bits }
        }
    }

    /// The values at matrix position `offset`; layers not held are at their fill value.
    func values(at offset: Int) -> CellValues {
        var values = CellValues.fill
        for store in stores { values[bits: store.layer] = store.buffer[offset] }
        return values
    }

    /// Every layer's cells moved out (see ``SharedBuffer/take()``): call once, at the end.
    func take() -> MatrixLayers {
        var layers = MatrixLayers()
        for store in stores { layers[store.layer] = store.buffer.take() }
        return layers
    }
}
