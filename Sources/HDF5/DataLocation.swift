import CHDF5

/// Where a dataset's values physically come from, as far as other files are concerned.
///
/// HDF5 lets a path reach into another file (external links) and lets a dataset's values
/// live in other files (virtual datasets, external raw storage). A missing source file of a
/// virtual dataset silently reads as fill values, so callers refuse these unless asked.
public enum ExternalData: Equatable, Sendable, CustomStringConvertible {
    /// A component of the path is an external link to `target` (`file:/object`).
    case externalLink(component: String, target: String)
    /// The dataset is virtual (a VDS) mapping values from `sources` (file names as stored).
    case virtualDataset(sources: [String])
    /// The dataset's raw values are stored in external files (`H5Pset_external`).
    case externalStorage(files: [String])

    /// One phrase naming the kind of indirection and where it points.
    public var description: String {
        switch self {
        case let .externalLink(component, target):
            return "'\(component)' is an external link to \(target)"
        case let .virtualDataset(sources):
            return "it is a virtual dataset mapping data from \(sources.isEmpty ? "other files" : sources.joined(separator: ", "))"
        case let .externalStorage(files):
            return "its values are stored in external file(s) \(files.joined(separator: ", "))"
        }
    }
}

extension File {
    /// The first external link met while walking `objectPath` from the root, if any.
    ///
    /// Only the links are inspected (nothing is opened through them).
    public func externalLink(on objectPath: String) -> ExternalData? {
        var prefix = ""
        for component in objectPath.split(separator: "/") {
            prefix += "/" + component
            guard H5Lexists(handle.id, prefix, mib_H5P_DEFAULT()) > 0 else { _ = takeErrorStack(); return nil }
            var info = H5L_info_t()
            guard H5Lget_info(handle.id, prefix, &info, mib_H5P_DEFAULT()) >= 0 else { _ = takeErrorStack(); return nil }
            if info.type == H5L_TYPE_EXTERNAL {
                return .externalLink(component: prefix, target: externalTarget(prefix, size: info.u.val_size))
            }
        }
        return nil
    }

    /// `file:/object` of the external link at `linkPath`.
    private func externalTarget(_ linkPath: String, size: Int) -> String {
        var buffer = [UInt8](repeating: 0, count: max(size, 1) + 1)
        guard H5Lget_val(handle.id, linkPath, &buffer, buffer.count, mib_H5P_DEFAULT()) >= 0 else {
            _ = takeErrorStack()
            return "another file"
        }
        var flags: UInt32 = 0
        var fileName: UnsafePointer<CChar>? = nil
        var objectName: UnsafePointer<CChar>? = nil
        let status = buffer.withUnsafeBytes { raw in
            H5Lunpack_elink_val(raw.baseAddress, raw.count, &flags, &fileName, &objectName)
        }
        guard status >= 0, let fileName, let objectName else { _ = takeErrorStack(); return "another file" }
        return "\(String(cString: fileName)):\(String(cString: objectName))"
    }
}

extension Dataset {
    /// Bytes allocated for the values in the file, and the bytes the shape and element type
    /// need, for contiguous storage; `nil` for other layouts or when nothing is allocated yet
    /// (the dataset then reads as its fill value).
    public var contiguousStorage: (allocated: Int, needed: Int)? {
        let plist = H5Dget_create_plist(handle.id)
        guard plist >= 0 else { _ = takeErrorStack(); return nil }
        defer { H5Pclose(plist) }
        guard H5Pget_layout(plist) == H5D_CONTIGUOUS, H5Pget_external_count(plist) == 0 else { return nil }
        let allocated = Int(H5Dget_storage_size(handle.id))
        guard allocated > 0 else { return nil }
        let type = H5Dget_type(handle.id)
        defer { H5Tclose(type) }
        let (needed, overflow) = shape.reduce(1, *).multipliedReportingOverflow(by: H5Tget_size(type))
        return (allocated, overflow ? Int.max : needed)
    }

    /// Whether the dataset's values come from other files (virtual dataset or external
    /// raw storage); `nil` when they are stored in this file.
    public var externalData: ExternalData? {
        let plist = H5Dget_create_plist(handle.id)
        guard plist >= 0 else { _ = takeErrorStack(); return nil }
        defer { H5Pclose(plist) }
        if H5Pget_layout(plist) == H5D_VIRTUAL {
            var count = 0
            if H5Pget_virtual_count(plist, &count) < 0 { _ = takeErrorStack(); count = 0 }
            var sources: [String] = []
            for index in 0..<count {
                var name = [CChar](repeating: 0, count: 1024)
                if H5Pget_virtual_filename(plist, index, &name, name.count) >= 0 {
                    let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    if !sources.contains(text) { sources.append(text) }
                } else {
                    _ = takeErrorStack()
                }
            }
            return .virtualDataset(sources: sources)
        }
        let external = H5Pget_external_count(plist)
        if external > 0 {
            let files = (0..<UInt32(external)).map { index -> String in
                var name = [CChar](repeating: 0, count: 1024)
                var offset: off_t = 0
                var size: hsize_t = 0
                guard H5Pget_external(plist, index, name.count, &name, &offset, &size) >= 0 else {
                    _ = takeErrorStack()
                    return "?"
                }
                return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            return .externalStorage(files: files)
        }
        return nil
    }
}
