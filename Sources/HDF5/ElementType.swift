import CHDF5

/// The element type of a dataset or attribute, as far as mibatch cares.
public enum ElementType: Equatable, Sendable, CustomStringConvertible {
    /// IEEE floating point of `bytes` bytes (2, 4, 8).
    case float(bytes: Int)
    /// Two's-complement integer.
    case integer(bytes: Int, signed: Bool)
    /// Text; `variableLength` for HDF5 variable-length strings.
    case string(variableLength: Bool)
    /// Anything else (compound, enum, array, opaque, reference, ...), named by its class.
    case other(String)

    /// Whether values of this type convert to `Double` losslessly enough to analyse
    /// (floats and integers; 64-bit integers above 2⁵³ round).
    public var isNumeric: Bool {
        switch self {
        case .float, .integer: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .float(bytes): return "float\(bytes * 8)"
        case let .integer(bytes, signed): return "\(signed ? "int" : "uint")\(bytes * 8)"
        case let .string(variable): return variable ? "string (variable length)" : "string (fixed length)"
        case let .other(name): return name
        }
    }

    init(typeID: hid_t) {
        let size = H5Tget_size(typeID)
        switch H5Tget_class(typeID) {
        case H5T_FLOAT: self = .float(bytes: size)
        case H5T_INTEGER: self = .integer(bytes: size, signed: H5Tget_sign(typeID) != H5T_SGN_NONE)
        case H5T_STRING: self = .string(variableLength: H5Tis_variable_str(typeID) > 0)
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ENUM: self = .other("enum")
        case H5T_ARRAY: self = .other("array")
        case H5T_VLEN: self = .other("variable-length sequence")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_BITFIELD: self = .other("bitfield")
        case H5T_TIME: self = .other("time")
        default: self = .other("unknown")
        }
    }
}
