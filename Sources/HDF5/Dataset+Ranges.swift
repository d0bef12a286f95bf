import CHDF5

/// Range reads of 1-D datasets (the `data`, `indices` and `indptr` arrays of a sparse
/// matrix) and string fields of compound datasets (legacy AnnData `obs`/`var` tables).
extension Dataset {
    /// Reads elements `range` of a 1-D integer or float dataset, converted by libhdf5 to
    /// `Int64` (floats are truncated toward zero by libhdf5; values outside `Int64` fail).
    ///
    /// - Throws: `.unsupportedRank` unless 1-D, `.unsupportedType` unless numeric,
    ///   `.library` on a read error (a damaged chunk, a missing filter).
    /// - Complexity: O(range.count) values transferred.
    public func readInt64(_ range: Range<Int>) throws(HDF5Error) -> [Int64] {
        try readRange(range, zero: Int64(0), memoryType: mib_H5T_NATIVE_INT64())
    }

    /// Reads elements `range` of a 1-D numeric dataset converted by libhdf5 to `Double`.
    ///
    /// - Throws: as ``readInt64(_:)``.
    /// - Complexity: O(range.count) values transferred.
    public func readDoubles(_ range: Range<Int>) throws(HDF5Error) -> [Double] {
        try readRange(range, zero: 0.0, memoryType: mib_H5T_NATIVE_DOUBLE())
    }

    private func readRange<T>(_ range: Range<Int>, zero: T, memoryType: hid_t) throws(HDF5Error) -> [T] {
        let dims = shape
        guard dims.count == 1 else {
            throw .unsupportedRank(file: file.path, dataset: path, rank: dims.count, expected: "1")
        }
        guard elementType.isNumeric else {
            throw .unsupportedType(file: file.path, dataset: path, type: elementType.description)
        }
        precondition(range.lowerBound >= 0 && range.upperBound <= dims[0], "range outside dataset")
        var values = [T](repeating: zero, count: range.count)
        guard !range.isEmpty else { return values }
        let fileSpace = try checked(H5Dget_space(handle.id), "get dataspace", file: file.path, object: path)
        defer { H5Sclose(fileSpace) }
        var start: [hsize_t] = [hsize_t(range.lowerBound)]
        var extent: [hsize_t] = [hsize_t(range.count)]
        try checked(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &extent, nil),
                    "select hyperslab", file: file.path, object: path)
        let memorySpace = try checked(H5Screate_simple(1, &extent, nil), "create dataspace", file: file.path, object: path)
        defer { H5Sclose(memorySpace) }
        let status = guarded("reading", file: file.path, object: path) {
            values.withUnsafeMutableBytes { buffer in
                H5Dread(handle.id, memoryType, memorySpace, fileSpace, mib_H5P_DEFAULT(), buffer.baseAddress)
            }
        }
        try checked(status, "read", file: file.path, object: path)
        return values
    }

    /// The member names of a compound dataset, in stored order; empty for other types.
    public var compoundFieldNames: [String] {
        let type = H5Dget_type(handle.id)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_COMPOUND else { return [] }
        return (0..<max(0, H5Tget_nmembers(type))).compactMap { index in
            guard let name = H5Tget_member_name(type, UInt32(index)) else { return nil }
            defer { H5free_memory(name) }
            return String(cString: name)
        }
    }

    /// Reads the string member `field` of every element of a compound dataset (h5py's
    /// `dataset["field"]`), fixed or variable length.
    ///
    /// - Throws: `.unsupportedType` when the dataset is not compound, has no such member or
    ///   the member is not a string; `.library` on a read error.
    /// - Complexity: O(elements) values transferred.
    public func readStrings(field: String) throws(HDF5Error) -> [String] {
        let type = H5Dget_type(handle.id)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_COMPOUND else {
            throw .unsupportedType(file: file.path, dataset: path, type: elementType.description + " (expected a compound type)")
        }
        let index = H5Tget_member_index(type, field)
        guard index >= 0 else {
            _ = takeErrorStack()
            throw .unsupportedType(file: file.path, dataset: path, type: "compound without a field '\(field)'")
        }
        let member = H5Tget_member_type(type, UInt32(index))
        defer { H5Tclose(member) }
        let count = shape.reduce(1, *)
        var compound: hid_t = -1
        defer { if compound >= 0 { H5Tclose(compound) } }
        /// A compound memory type with the one member at offset 0: laid out like the string array.
        func wrap(_ stringType: hid_t) -> hid_t {
            if compound < 0 {
                compound = H5Tcreate(H5T_COMPOUND, H5Tget_size(stringType))
                H5Tinsert(compound, field, 0, stringType)
            }
            return compound
        }
        return try guarded("reading strings", file: file.path, object: path) { () throws(HDF5Error) in
            try StringCodec.read(type: member, count: count, file: file.path, object: path + "[\(field)]") { memoryType, buffer in
                H5Dread(handle.id, wrap(memoryType), mib_H5S_ALL(), mib_H5S_ALL(), mib_H5P_DEFAULT(), buffer)
            } reclaim: { memoryType, buffer in
                let space = H5Dget_space(handle.id)
                defer { H5Sclose(space) }
                return H5Dvlen_reclaim(wrap(memoryType), space, mib_H5P_DEFAULT(), buffer)
            }
        }
    }
}
