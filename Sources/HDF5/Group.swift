import CHDF5

/// An open HDF5 group: what AnnData's sparse matrices, `var`/`obs` frames and layers, a 10x
/// `/matrix` and loom's `row_attrs` are stored as.
///
/// Not thread-safe, like ``File``: use it from the thread that uses its file.
public final class Group {
    /// The file this group lives in (kept open as long as the group is).
    public let file: File
    /// Absolute path of the group inside the file.
    public let path: String
    let handle: Handle

    init(file: File, path: String, id: hid_t) {
        self.file = file
        self.path = path
        self.handle = Handle(id, close: H5Gclose)
    }

    /// Names of the group's direct members (links of any kind), in name order.
    ///
    /// - Throws: `.library` when the group cannot be iterated (a damaged file).
    /// - Complexity: O(members).
    public func memberNames() throws(HDF5Error) -> [String] {
        let collector = NameCollector()
        var index: hsize_t = 0
        let status = guarded("listing the group", file: file.path, object: path) {
            withExtendedLifetime(collector) {
                H5Literate(handle.id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, data in
                    if let name, let data {
                        Unmanaged<NameCollector>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                    }
                    return 0
                }, Unmanaged.passUnretained(collector).toOpaque())
            }
        }
        try checked(status, "list group members", file: file.path, object: path)
        return collector.names
    }

    /// The absolute path of member `name`.
    public func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// Names of all attributes (creation order where tracked, else name order).
    public func attributeNames() throws(HDF5Error) -> [String] { try listAttributes() }

    /// Reads one attribute, or `nil` if absent (integers are read as `Double`).
    public func attribute(_ name: String) throws(HDF5Error) -> AttributeValue? { try readAttribute(name) }
}

extension Group: AttributeHolder {
    var attributeTarget: (id: hid_t, file: String, object: String) { (handle.id, file.path, path) }
}

extension File {
    /// The kind of object at `objectPath`, or `nil` when nothing is there (or it cannot be
    /// opened, for example a dangling external link). Never throws; for detection.
    ///
    /// - Complexity: one link walk and one object open.
    public func kind(of objectPath: String) -> ObjectKind? {
        _ = librarySetUp
        guard contains(objectPath) else { return nil }
        return guarded("opening an object", file: path, object: objectPath) {
            let object = H5Oopen(handle.id, objectPath, mib_H5P_DEFAULT())
            guard object >= 0 else { _ = takeErrorStack(); return nil }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            case H5I_DATATYPE: return .namedType
            default: return .other
            }
        }
    }

    /// Opens the group at `objectPath` (`/` is the root group).
    ///
    /// - Throws: `.objectNotFound` if nothing is there, `.library` if it is not a group.
    public func group(_ objectPath: String) throws(HDF5Error) -> Group {
        _ = librarySetUp
        if objectPath != "/" {
            guard let kind = kind(of: objectPath) else { throw .objectNotFound(file: path, object: objectPath) }
            guard kind == .group else {
                throw .library(operation: "open group", file: path, object: objectPath, message: "not a group (it is a \(kind.rawValue))")
            }
        }
        let id = try guarded("opening the group", file: path, object: objectPath) { () throws(HDF5Error) in
            try checked(H5Gopen2(handle.id, objectPath, mib_H5P_DEFAULT()), "open group", file: path, object: objectPath)
        }
        return Group(file: self, path: objectPath, id: id)
    }
}
