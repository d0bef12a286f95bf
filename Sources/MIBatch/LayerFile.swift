import HDF5

/// Writing, reading and checking matrix layers in HDF5 files, for every registered layer
/// alike (``OutputWriter``, ``Merge``, ``ResultFile``).
extension File {
    /// Creates `layer`'s dataset `rows × columns` (``OutputStorage/layout(of:rows:columns:compression:)``),
    /// writes `values` and then the layer's attributes in their order.
    ///
    /// Compressed layers are written through ``HDF5/Dataset/writeShuffledDeflated(_:level:)``
    /// (chunks compressed in parallel); uncompressed ones through libhdf5.
    func writeLayer(_ layer: MatrixLayer, _ values: LayerArray, rows: Int, columns: Int, compression: OutputCompression,
                    context: LayerContext) throws(HDF5Error) -> Dataset {
        precondition(values.element == layer.element && values.count == rows * columns, "\(layer) values do not fit the matrix")
        let layout = OutputStorage.layout(of: layer, rows: rows, columns: columns, compression: compression)
        let dataset = try createDataset(layer.path, type: layer.element.storageType, shape: [rows, columns], layout: layout)
        switch (values, compression) {
        case let (.float64(array), .deflate(level)): try dataset.writeShuffledDeflated(array, level: level)
        case let (.uint8(array), .deflate(level)): try dataset.writeShuffledDeflated(array, level: level)
        case let (.int32(array), .deflate(level)): try dataset.writeShuffledDeflated(array, level: level)
        case let (.float64(array), .none): try dataset.write(array)
        case let (.uint8(array), .none): try dataset.write(array)
        case let (.int32(array), .none): try dataset.write(array.map(Double.init))   // libhdf5 converts back, exactly
        }
        for attribute in layer.spec.attributes {
            switch attribute.resolved(context) {
            case let .string(text)?: try dataset.setAttribute(attribute.name, text)
            case let .double(number)?: try dataset.setAttribute(attribute.name, number)
            case let .doubles(numbers)?: try dataset.setAttribute(attribute.name, numbers)
            case .strings?, .unsupported?: preconditionFailure("layer attributes are strings and float64")
            case nil: break
            }
        }
        return dataset
    }

    /// Whether this file holds exactly the layers of `layers` (no other registered layer)
    /// with exactly their values, each `rows × columns`.
    ///
    /// Each layer is read back one band of chunk rows at a time, so the check holds a band,
    /// not a second copy of the matrix.
    func holds(_ layers: MatrixLayers, rows: Int, columns: Int) throws(HDF5Error) -> Bool {
        let band = OutputStorage.chunkShape(rows: rows, columns: columns)[0]
        for layer in MatrixLayer.all {
            guard contains(layer.path) == layers.contains(layer) else { return false }
            guard let values = layers[layer] else { continue }
            let dataset = try dataset(layer.path)
            guard dataset.shape == [rows, columns], dataset.elementType == layer.element.elementType,
                  values.count == rows * columns else { return false }
            // Shuffled and deflated layers (the default) are compared byte for byte from their
            // raw chunks, inflated on all cores; others through libhdf5's conversion.
            let filters = dataset.filters
            let raw = dataset.chunkShape?[0] == band && filters.count == 2 && filters[0] == "shuffle" && filters[1].hasPrefix("deflate(")
            var start = 0
            while start < rows {
                let end = min(rows, start + band)
                if raw {
                    let bytes = try dataset.readShuffledDeflated(rows: start..<end, elementSize: layer.element.bytes)
                    guard values.matches(bytes: bytes, at: start * columns) else { return false }
                } else {
                    guard values.matches(try dataset.read(rows: start..<end, columns: 0..<columns), at: start * columns) else { return false }
                }
                start = end
            }
        }
        return true
    }
}

extension MatrixLayers {
    /// Every registered layer `file` holds, each checked to be `rows × columns` of its
    /// element type.
    ///
    /// - Throws: `.notAnOutput` when a layer present ``LayerPresence/always`` is missing, or
    ///   a layer has another shape or element type; `.hdf5` when reading fails.
    static func read(from file: File, rows: Int, columns: Int) throws(MIBatchError) -> MatrixLayers {
        var layers = MatrixLayers()
        do {
            for layer in MatrixLayer.all {
                guard file.contains(layer.path) else {
                    if layer.spec.presence.isAlways { throw MIBatchError.notAnOutput(path: file.path, reason: "it has no dataset \(layer.path)") }
                    continue
                }
                let dataset = try file.dataset(layer.path)
                guard dataset.shape == [rows, columns] else {
                    throw MIBatchError.notAnOutput(path: file.path, reason: "\(layer.path) has shape \(dataset.shape) but /var_i and /var_j hold \(rows) and \(columns) names")
                }
                guard dataset.elementType == layer.element.elementType else {
                    throw MIBatchError.notAnOutput(path: file.path, reason: "\(layer.path) holds \(dataset.elementType), not \(layer.element)")
                }
                layers[layer] = try LayerArray.read(dataset, as: layer.element, rows: rows, columns: columns)
            }
        } catch let error as MIBatchError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .notAnOutput(path: file.path, reason: "\(error)")
        }
        return layers
    }
}

extension LayerArray {
    /// The whole 2-D `dataset`, whose file type is `element`.
    static func read(_ dataset: Dataset, as element: LayerElement, rows: Int, columns: Int) throws(HDF5Error) -> LayerArray {
        switch element {
        case .float64: return .float64(try dataset.readAll())
        case .uint8: return .uint8(try dataset.readBytes())
        case .int32:
            // Through `Double` (exact for int32) one band of chunk rows at a time.
            var values: [Int32] = []
            values.reserveCapacity(rows * columns)
            let band = OutputStorage.chunkShape(rows: rows, columns: columns)[0]
            var start = 0
            while start < rows {
                let end = min(rows, start + band)
                values += try dataset.read(rows: start..<end, columns: 0..<columns).map { Int32(exactly: $0) ?? 0 }
                start = end
            }
            return .int32(values)
        }
    }
}
