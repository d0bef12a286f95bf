import CHDF5

/// Numeric element types mibatch writes.
public enum StorageType: Sendable {
    /// IEEE 754 binary64, little-endian.
    case float64
    /// IEEE 754 binary32, little-endian (values written as `Double` are rounded by libhdf5).
    case float32
    /// Unsigned 8-bit integer.
    case uint8
    /// Signed 16-, 32- and 64-bit integers, little-endian (written `Double`s are converted by libhdf5).
    case int16, int32, int64
    /// Unsigned 16-bit integer, little-endian.
    case uint16

    var fileType: hid_t {
        switch self {
        case .float64: return mib_H5T_IEEE_F64LE()
        case .float32: return mib_H5T_IEEE_F32LE()
        case .uint8: return mib_H5T_STD_U8LE()
        case .int16: return mib_H5T_STD_I16LE()
        case .int32: return mib_H5T_STD_I32LE()
        case .int64: return mib_H5T_STD_I64LE()
        case .uint16: return mib_H5T_STD_U16LE()
        }
    }
}

/// Storage layout and filters for a new dataset.
public struct DatasetLayout: Sendable {
    /// Chunk extent per dimension; `nil` for contiguous storage.
    public var chunks: [Int]?
    /// Byte-shuffle filter before compression (needs chunks).
    public var shuffle: Bool
    /// zlib deflate level 1–9, or `nil` for none (needs chunks).
    public var deflateLevel: Int?
    /// Fill value for `float64` datasets (elements never written read back as this).
    public var fillValue: Double?

    public init(chunks: [Int]? = nil, shuffle: Bool = false, deflateLevel: Int? = nil, fillValue: Double? = nil) {
        self.chunks = chunks
        self.shuffle = shuffle
        self.deflateLevel = deflateLevel
        self.fillValue = fillValue
    }

    /// Contiguous, unfiltered.
    public static let contiguous = DatasetLayout()
}

extension File {
    /// Creates a numeric dataset of the given shape and layout (parents created as needed).
    public func createDataset(_ objectPath: String, type: StorageType, shape: [Int],
                              layout: DatasetLayout = .contiguous) throws(HDF5Error) -> Dataset {
        var dims = shape.map { hsize_t($0) }
        let space = try checked(H5Screate_simple(Int32(dims.count), &dims, nil), "create dataspace", file: path, object: objectPath)
        defer { H5Sclose(space) }
        let dcpl = try checked(H5Pcreate(mib_H5P_DATASET_CREATE()), "create property list", file: path)
        defer { H5Pclose(dcpl) }
        if let chunks = layout.chunks {
            var chunkDims = zip(chunks, shape).map { hsize_t(max(1, min($0, $1))) }
            try checked(H5Pset_chunk(dcpl, Int32(chunkDims.count), &chunkDims), "set chunking", file: path, object: objectPath)
            if layout.shuffle { try checked(H5Pset_shuffle(dcpl), "set shuffle", file: path, object: objectPath) }
            if let level = layout.deflateLevel {
                try checked(H5Pset_deflate(dcpl, UInt32(level)), "set deflate", file: path, object: objectPath)
            }
        }
        if var fill = layout.fillValue, type == .float64 {
            try checked(H5Pset_fill_value(dcpl, mib_H5T_NATIVE_DOUBLE(), &fill), "set fill value", file: path, object: objectPath)
        }
        let lcpl = try checked(H5Pcreate(mib_H5P_LINK_CREATE()), "create property list", file: path)
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let id = try checked(H5Dcreate2(handle.id, objectPath, type.fileType, space, lcpl, dcpl, mib_H5P_DEFAULT()),
                             "create dataset", file: path, object: objectPath)
        return Dataset(file: self, path: objectPath, id: id)
    }

    /// Creates a 1-D dataset of variable-length UTF-8 strings holding `values`.
    public func createStringDataset(_ objectPath: String, values: [String]) throws(HDF5Error) -> Dataset {
        var dims = [hsize_t(values.count)]
        let space = try checked(H5Screate_simple(1, &dims, nil), "create dataspace", file: path, object: objectPath)
        defer { H5Sclose(space) }
        let type = try StringCodec.variableLengthType(file: path)
        defer { H5Tclose(type) }
        let id = try checked(H5Dcreate2(handle.id, objectPath, type, space, mib_H5P_DEFAULT(), mib_H5P_DEFAULT(), mib_H5P_DEFAULT()),
                             "create dataset", file: path, object: objectPath)
        let dataset = Dataset(file: self, path: objectPath, id: id)
        let status = StringCodec.withCStringArray(values) { pointers in
            H5Dwrite(id, type, mib_H5S_ALL(), mib_H5S_ALL(), mib_H5P_DEFAULT(), pointers)
        }
        try checked(status, "write", file: path, object: objectPath)
        return dataset
    }
}
