import CHDF5

/// An open HDF5 dataset.
public final class Dataset {
    /// The file this dataset lives in (kept open as long as the dataset is).
    public let file: File
    /// Absolute path of the dataset inside the file.
    public let path: String
    let handle: Handle

    init(file: File, path: String, id: hid_t) {
        self.file = file
        self.path = path
        self.handle = Handle(id, close: H5Dclose)
    }

    /// The extent of each dimension, slowest-varying first (row-major, as h5py shows it).
    public var shape: [Int] {
        let space = H5Dget_space(handle.id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank > 0 else { return [] }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// The element type stored in the file.
    public var elementType: ElementType {
        let type = H5Dget_type(handle.id)
        defer { H5Tclose(type) }
        return ElementType(typeID: type)
    }

    /// The chunk shape, or `nil` for contiguous or compact storage.
    public var chunkShape: [Int]? {
        let plist = H5Dget_create_plist(handle.id)
        defer { H5Pclose(plist) }
        guard H5Pget_layout(plist) == H5D_CHUNKED else { return nil }
        let rank = shape.count
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Pget_chunk(plist, Int32(rank), &dims)
        return dims.prefix(rank).map { Int($0) }
    }

    /// Names of the filters in the dataset's pipeline (for example `shuffle`, `deflate(4)`).
    public var filters: [String] {
        let plist = H5Dget_create_plist(handle.id)
        defer { H5Pclose(plist) }
        let count = H5Pget_nfilters(plist)
        guard count > 0 else { return [] }
        return (0..<count).map { index in
            var flags: UInt32 = 0
            var elements = 8
            var values = [UInt32](repeating: 0, count: 8)
            var name = [CChar](repeating: 0, count: 64)
            var config: UInt32 = 0
            let filter = H5Pget_filter2(plist, UInt32(index), &flags, &elements, &values, 64, &name, &config)
            switch filter {
            case H5Z_FILTER_DEFLATE: return "deflate(\(elements > 0 ? values[0] : 0))"
            case H5Z_FILTER_SHUFFLE: return "shuffle"
            case H5Z_FILTER_FLETCHER32: return "fletcher32"
            case H5Z_FILTER_SZIP: return "szip"
            case H5Z_FILTER_NBIT: return "nbit"
            case H5Z_FILTER_SCALEOFFSET: return "scaleoffset"
            default:
                let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return text.isEmpty ? "filter \(filter)" : text
            }
        }
    }

    /// Reads the block `rows × columns` of a 2-D numeric dataset, converted to `Double`
    /// by libhdf5, row-major (`result[r * columns.count + c]`).
    ///
    /// - Complexity: O(rows.count × columns.count) values transferred.
    public func read(rows: Range<Int>, columns: Range<Int>) throws(HDF5Error) -> [Double] {
        let dims = shape
        guard dims.count == 2 else {
            throw .unsupportedRank(file: file.path, dataset: path, rank: dims.count, expected: "2")
        }
        guard elementType.isNumeric else {
            throw .unsupportedType(file: file.path, dataset: path, type: elementType.description)
        }
        precondition(rows.lowerBound >= 0 && rows.upperBound <= dims[0], "row range outside dataset")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= dims[1], "column range outside dataset")
        let count = rows.count * columns.count
        guard count > 0 else { return [] }
        let fileSpace = try checked(H5Dget_space(handle.id), "get dataspace", file: file.path, object: path)
        defer { H5Sclose(fileSpace) }
        var start: [hsize_t] = [hsize_t(rows.lowerBound), hsize_t(columns.lowerBound)]
        var extent: [hsize_t] = [hsize_t(rows.count), hsize_t(columns.count)]
        try checked(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &extent, nil),
                    "select hyperslab", file: file.path, object: path)
        let memorySpace = try checked(H5Screate_simple(2, &extent, nil), "create dataspace", file: file.path, object: path)
        defer { H5Sclose(memorySpace) }
        var values = [Double](repeating: 0, count: count)
        let status = guarded("reading", file: file.path, object: path) {
            values.withUnsafeMutableBytes { buffer in
                H5Dread(handle.id, mib_H5T_NATIVE_DOUBLE(), memorySpace, fileSpace, mib_H5P_DEFAULT(), buffer.baseAddress)
            }
        }
        try checked(status, "read", file: file.path, object: path)
        return values
    }

    /// Reads every element of a numeric dataset of any rank as `Double`, row-major.
    public func readAll() throws(HDF5Error) -> [Double] {
        guard elementType.isNumeric else {
            throw .unsupportedType(file: file.path, dataset: path, type: elementType.description)
        }
        return try readWhole(0.0, memoryType: mib_H5T_NATIVE_DOUBLE())
    }

    /// Reads every element of an unsigned 8-bit dataset.
    public func readBytes() throws(HDF5Error) -> [UInt8] {
        try readWhole(UInt8(0), memoryType: mib_H5T_NATIVE_UINT8())
    }

    /// Reads the whole dataset converted by libhdf5 to `memoryType` (whose C type is `T`).
    private func readWhole<T>(_ zero: T, memoryType: hid_t) throws(HDF5Error) -> [T] {
        let count = shape.reduce(1, *)
        var values = [T](repeating: zero, count: count)
        guard count > 0 else { return values }
        let status = guarded("reading", file: file.path, object: path) {
            values.withUnsafeMutableBytes { buffer in
                H5Dread(handle.id, memoryType, mib_H5S_ALL(), mib_H5S_ALL(), mib_H5P_DEFAULT(), buffer.baseAddress)
            }
        }
        try checked(status, "read", file: file.path, object: path)
        return values
    }

    /// Reads a dataset of strings (fixed or variable length) of any rank, row-major.
    public func readStrings() throws(HDF5Error) -> [String] {
        let type = H5Dget_type(handle.id)
        defer { H5Tclose(type) }
        let count = shape.reduce(1, *)
        return try guarded("reading strings", file: file.path, object: path) { () throws(HDF5Error) in
            try readStrings(type: type, count: count)
        }
    }

    private func readStrings(type: hid_t, count: Int) throws(HDF5Error) -> [String] {
        try StringCodec.read(type: type, count: count, file: file.path, object: path) { memType, buffer in
            H5Dread(handle.id, memType, mib_H5S_ALL(), mib_H5S_ALL(), mib_H5P_DEFAULT(), buffer)
        } reclaim: { memType, buffer in
            let space = H5Dget_space(handle.id)
            defer { H5Sclose(space) }
            return H5Dvlen_reclaim(memType, space, mib_H5P_DEFAULT(), buffer)
        }
    }

    /// Overwrites the whole dataset with `values` (row-major, `shape.reduce(1, *)` elements).
    public func write(_ values: [Double]) throws(HDF5Error) {
        precondition(values.count == shape.reduce(1, *), "value count does not match dataset shape")
        let status = values.withUnsafeBytes { buffer in
            H5Dwrite(handle.id, mib_H5T_NATIVE_DOUBLE(), mib_H5S_ALL(), mib_H5S_ALL(), mib_H5P_DEFAULT(), buffer.baseAddress)
        }
        try checked(status, "write", file: file.path, object: path)
    }

    /// Overwrites the whole dataset with bytes (for `uint8` datasets).
    public func write(_ values: [UInt8]) throws(HDF5Error) {
        precondition(values.count == shape.reduce(1, *), "value count does not match dataset shape")
        let status = values.withUnsafeBytes { buffer in
            H5Dwrite(handle.id, mib_H5T_NATIVE_UINT8(), mib_H5S_ALL(), mib_H5S_ALL(), mib_H5P_DEFAULT(), buffer.baseAddress)
        }
        try checked(status, "write", file: file.path, object: path)
    }

    /// Marks this (1-D) dataset as a dimension scale named `name` (HDF5 DS / netCDF-4 dimension).
    public func makeDimensionScale(name: String) throws(HDF5Error) {
        try checked(H5DSset_scale(handle.id, name), "make dimension scale", file: file.path, object: path)
    }

    /// Attaches dimension scale `scale` to dimension `dimension` of this dataset.
    public func attach(scale: Dataset, toDimension dimension: Int) throws(HDF5Error) {
        try checked(H5DSattach_scale(handle.id, scale.handle.id, UInt32(dimension)),
                    "attach dimension scale", file: file.path, object: path)
    }

    /// Name of the dimension scale attached to `dimension`, if any.
    public func attachedScaleName(dimension: Int) -> String? {
        final class Box { var name: String? }
        let box = Box()
        var index: Int32 = 0
        let status = withExtendedLifetime(box) {
            H5DSiterate_scales(handle.id, UInt32(dimension), &index, { _, _, scale, data in
                guard let data else { return 1 }
                var buffer = [CChar](repeating: 0, count: 256)
                let length = H5Iget_name(scale, &buffer, 256)
                if length > 0 {
                    Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().name =
                        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
                return 1
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        if status < 0 { _ = takeErrorStack() }
        return box.name
    }
}

extension Dataset: AttributeHolder {
    var attributeTarget: (id: hid_t, file: String, object: String) { (handle.id, file.path, path) }
}
