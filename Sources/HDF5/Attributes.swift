import CHDF5

/// A value read from an HDF5 attribute.
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case strings([String])
    case double(Double)
    case doubles([Double])
    case unsupported(String)

    public var description: String {
        switch self {
        case let .string(text): return text
        case let .strings(list): return list.joined(separator: ", ")
        case let .double(value): return "\(value)"
        case let .doubles(list): return list.map { "\($0)" }.joined(separator: ", ")
        case let .unsupported(type): return "<\(type)>"
        }
    }
}

/// Something attributes hang on: a file's root group or a dataset.
protocol AttributeHolder {
    var attributeTarget: (id: hid_t, file: String, object: String) { get }
}

extension File {
    /// Writes (replacing any existing) a scalar fixed-length, null-terminated UTF-8 string attribute.
    public func setAttribute(_ name: String, _ value: String) throws(HDF5Error) { try writeStringAttribute(name, value) }
    /// Writes (replacing any existing) a scalar float64 attribute.
    public func setAttribute(_ name: String, _ value: Double) throws(HDF5Error) { try writeDoubleAttribute(name, [value], scalar: true) }
    /// Writes (replacing any existing) a 1-D float64 attribute.
    public func setAttribute(_ name: String, _ values: [Double]) throws(HDF5Error) { try writeDoubleAttribute(name, values, scalar: false) }
    /// Names of all attributes in creation order.
    public func attributeNames() throws(HDF5Error) -> [String] { try listAttributes() }
    /// Reads one attribute, or `nil` if absent.
    public func attribute(_ name: String) throws(HDF5Error) -> AttributeValue? { try readAttribute(name) }
    /// Every attribute's name in creation order, and the values of the string ones.
    ///
    /// - Complexity: one read per attribute.
    public func stringAttributes() throws(HDF5Error) -> (order: [String], values: [String: String]) {
        let order = try attributeNames()
        var values: [String: String] = [:]
        for name in order { if case let .string(value)? = try attribute(name) { values[name] = value } }
        return (order, values)
    }
}

extension Dataset {
    /// Writes (replacing any existing) a scalar fixed-length, null-terminated UTF-8 string attribute.
    public func setAttribute(_ name: String, _ value: String) throws(HDF5Error) { try writeStringAttribute(name, value) }
    /// Writes (replacing any existing) a scalar float64 attribute.
    public func setAttribute(_ name: String, _ value: Double) throws(HDF5Error) { try writeDoubleAttribute(name, [value], scalar: true) }
    /// Writes (replacing any existing) a 1-D float64 attribute.
    public func setAttribute(_ name: String, _ values: [Double]) throws(HDF5Error) { try writeDoubleAttribute(name, values, scalar: false) }
    /// Names of all attributes (creation order where tracked, else name order).
    public func attributeNames() throws(HDF5Error) -> [String] { try listAttributes() }
    /// Reads one attribute, or `nil` if absent.
    public func attribute(_ name: String) throws(HDF5Error) -> AttributeValue? { try readAttribute(name) }
}

extension AttributeHolder {
    func removeIfPresent(_ name: String) {
        let (id, _, _) = attributeTarget
        if H5Aexists(id, name) > 0 { H5Adelete(id, name) } else { _ = takeErrorStack() }
    }

    func writeStringAttribute(_ name: String, _ value: String) throws(HDF5Error) {
        let (id, file, object) = attributeTarget
        removeIfPresent(name)
        let bytes = Array(value.utf8)
        let type = try StringCodec.fixedLengthType(bytes: bytes.count + 1, file: file)
        defer { H5Tclose(type) }
        let space = try checked(H5Screate(H5S_SCALAR), "create dataspace", file: file, object: object)
        defer { H5Sclose(space) }
        let attribute = try checked(H5Acreate2(id, name, type, space, mib_H5P_DEFAULT(), mib_H5P_DEFAULT()),
                                    "create attribute '\(name)'", file: file, object: object)
        defer { H5Aclose(attribute) }
        let status = (bytes + [0]).withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }
        try checked(status, "write attribute '\(name)'", file: file, object: object)
    }

    func writeDoubleAttribute(_ name: String, _ values: [Double], scalar: Bool) throws(HDF5Error) {
        let (id, file, object) = attributeTarget
        removeIfPresent(name)
        var dims = [hsize_t(values.count)]
        let space = try checked(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil),
                                "create dataspace", file: file, object: object)
        defer { H5Sclose(space) }
        let attribute = try checked(H5Acreate2(id, name, mib_H5T_IEEE_F64LE(), space, mib_H5P_DEFAULT(), mib_H5P_DEFAULT()),
                                    "create attribute '\(name)'", file: file, object: object)
        defer { H5Aclose(attribute) }
        let status = values.withUnsafeBytes { H5Awrite(attribute, mib_H5T_NATIVE_DOUBLE(), $0.baseAddress) }
        try checked(status, "write attribute '\(name)'", file: file, object: object)
    }

    func listAttributes() throws(HDF5Error) -> [String] {
        let (id, file, object) = attributeTarget
        let collector = NameCollector()
        var index: hsize_t = 0
        var order = H5_INDEX_CRT_ORDER
        var status = withExtendedLifetime(collector) {
            H5Aiterate2(id, order, H5_ITER_INC, &index, { _, name, _, data in
                if let name, let data { Unmanaged<NameCollector>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name)) }
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        if status < 0 {
            _ = takeErrorStack()
            collector.names = []
            index = 0
            order = H5_INDEX_NAME
            status = withExtendedLifetime(collector) {
                H5Aiterate2(id, order, H5_ITER_INC, &index, { _, name, _, data in
                    if let name, let data { Unmanaged<NameCollector>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name)) }
                    return 0
                }, Unmanaged.passUnretained(collector).toOpaque())
            }
        }
        try checked(status, "list attributes", file: file, object: object)
        return collector.names
    }

    func readAttribute(_ name: String) throws(HDF5Error) -> AttributeValue? {
        let (_, file, object) = attributeTarget
        return try guarded("reading attribute '\(name)'", file: file, object: object) { () throws(HDF5Error) in
            try readUnguardedAttribute(name)
        }
    }

    private func readUnguardedAttribute(_ name: String) throws(HDF5Error) -> AttributeValue? {
        let (id, file, object) = attributeTarget
        guard H5Aexists(id, name) > 0 else { _ = takeErrorStack(); return nil }
        let attribute = try checked(H5Aopen(id, name, mib_H5P_DEFAULT()), "open attribute '\(name)'", file: file, object: object)
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
        let element = ElementType(typeID: type)
        switch element {
        case .string:
            let strings = try StringCodec.read(type: type, count: count, file: file, object: object) { memoryType, buffer in
                H5Aread(attribute, memoryType, buffer)
            } reclaim: { memoryType, buffer in
                H5Dvlen_reclaim(memoryType, space, mib_H5P_DEFAULT(), buffer)
            }
            return isScalar ? .string(strings.first ?? "") : .strings(strings)
        case .float, .integer:
            var values = [Double](repeating: 0, count: count)
            let status = values.withUnsafeMutableBytes { H5Aread(attribute, mib_H5T_NATIVE_DOUBLE(), $0.baseAddress) }
            try checked(status, "read attribute '\(name)'", file: file, object: object)
            return isScalar ? .double(values.first ?? .nan) : .doubles(values)
        case .other:
            return .unsupported(element.description)
        }
    }
}

/// Accumulates names from HDF5 iteration callbacks.
final class NameCollector {
    var names: [String] = []
}
