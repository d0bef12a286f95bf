import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing HDF5 strings (fixed and variable length, UTF-8).
enum StringCodec {
    /// A new variable-length UTF-8 string type (caller closes it).
    static func variableLengthType(file: String) throws(HDF5Error) -> hid_t {
        let type = try checked(H5Tcopy(mib_H5T_C_S1()), "copy string type", file: file)
        H5Tset_size(type, mib_H5T_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    /// A fixed-length, null-terminated UTF-8 type of `bytes` bytes (caller closes it).
    static func fixedLengthType(bytes: Int, file: String) throws(HDF5Error) -> hid_t {
        let type = try checked(H5Tcopy(mib_H5T_C_S1()), "copy string type", file: file)
        H5Tset_size(type, max(bytes, 1))
        H5Tset_strpad(type, H5T_STR_NULLTERM)
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    /// Calls `body` with a C array of C strings that stays valid for the call.
    static func withCStringArray<R>(_ values: [String], _ body: (UnsafeRawPointer) -> R) -> R {
        let duplicates = values.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        return duplicates.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
    }

    /// Reads `count` strings stored with file type `type` via `read(memoryType, buffer)`.
    static func read(type: hid_t, count: Int, file: String, object: String,
                     read: (hid_t, UnsafeMutableRawPointer) -> herr_t,
                     reclaim: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws(HDF5Error) -> [String] {
        guard H5Tget_class(type) == H5T_STRING else {
            throw .unsupportedType(file: file, dataset: object, type: ElementType(typeID: type).description + " (expected strings)")
        }
        guard count > 0 else { return [] }
        if H5Tis_variable_str(type) > 0 {
            let memoryType = try variableLengthType(file: file)
            defer { H5Tclose(memoryType) }
            // libhdf5 converts no string between ASCII and UTF-8: read in the stored set
            // (h5py stores `bytes` as ASCII, `str` as UTF-8).
            H5Tset_cset(memoryType, H5Tget_cset(type))
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
            try checked(status, "read strings", file: file, object: object)
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { reclaim(memoryType, $0.baseAddress!) }
            return strings
        }
        let size = H5Tget_size(type)
        let memoryType = try fixedLengthType(bytes: size, file: file)
        defer { H5Tclose(memoryType) }
        H5Tset_strpad(memoryType, H5Tget_strpad(type))
        H5Tset_cset(memoryType, H5Tget_cset(type))
        var bytes = [UInt8](repeating: 0, count: size * count)
        let status = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
        try checked(status, "read strings", file: file, object: object)
        return (0..<count).map { index in
            let slice = bytes[(index * size)..<((index + 1) * size)]
            var text = slice.prefix { $0 != 0 }
            while let last = text.last, last == 0x20, H5Tget_strpad(type) == H5T_STR_SPACEPAD { text = text.dropLast() }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
