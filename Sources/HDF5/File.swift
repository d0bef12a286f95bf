import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open HDF5 file.
///
/// Not thread-safe: use one `File` from one thread at a time (libhdf5 serializes all
/// calls behind one global lock anyway, so keep HDF5 work off compute threads).
public final class File {
    /// How to open an existing file.
    public enum Mode: Sendable { case readOnly, readWrite }

    /// The path the file was opened or created with.
    public let path: String
    let handle: Handle

    private init(path: String, id: hid_t) {
        self.path = path
        self.handle = Handle(id, close: H5Fclose)
    }

    /// Opens an existing HDF5 file.
    ///
    /// - Throws: `.fileNotFound`, `.notHDF5`, or `.library` with HDF5's message (for
    ///   example a permission or file-locking failure).
    public static func open(_ path: String, mode: Mode = .readOnly) throws(HDF5Error) -> File {
        _ = librarySetUp
        guard access(path, F_OK) == 0 else { throw .fileNotFound(path: path) }
        guard access(path, R_OK) == 0 else { throw .permissionDenied(path: path) }
        // H5Fis_hdf5 opens and closes the file too; neither may fall inside a spawn.
        let isHDF5 = ChildProcesses.changingDescriptors {
            guarded("checking the file signature", file: path) { H5Fis_hdf5(path) }
        }
        if isHDF5 == 0 { throw .notHDF5(path: path) }
        if isHDF5 < 0 { _ = takeErrorStack(); throw .notHDF5(path: path) }
        let flags = mode == .readOnly ? mib_H5F_ACC_RDONLY() : mib_H5F_ACC_RDWR()
        let id = ChildProcesses.changingDescriptors {
            let id = guarded("opening the file", file: path) { H5Fopen(path, flags, mib_H5P_DEFAULT()) }
            if id >= 0 { ChildProcesses.markCloseOnExec(file: id) }
            return id
        }
        if id < 0 {
            let message = takeErrorStack()
            if message.contains("unable to lock file") { throw .fileLocked(path: path, message: lockReason(message)) }
            throw .library(operation: "open", file: path, object: "", message: message)
        }
        return File(path: path, id: id)
    }

    /// The part of HDF5's error stack that says why the lock failed (its errno text).
    static func lockReason(_ stack: String) -> String {
        let parts = stack.split(separator: ";").map { $0.trimmingPrefix(" ") }.map(String.init)
        return parts.first { $0.contains("errno") } ?? parts.last ?? stack
    }

    /// Creates a new HDF5 file. With `overwrite == false` an existing file is an error.
    ///
    /// The file tracks link and attribute creation order (netCDF-4 readers expect it). That
    /// also gives the root group a version-2 object header, which is what lets one attribute
    /// exceed 64 KiB: HDF5 moves an attribute too large for the header into dense storage (a
    /// fractal heap) instead of failing, as netCDF-4 does. With `denseAttributes`, every root
    /// attribute is kept in dense storage from the start (`H5Pset_attr_phase_change(0, 0)`,
    /// which needs that version-2 header too). h5py, netCDF-C and h5netcdf read both.
    public static func create(_ path: String, overwrite: Bool = false, denseAttributes: Bool = false) throws(HDF5Error) -> File {
        _ = librarySetUp
        let fcpl = try checked(H5Pcreate(mib_H5P_FILE_CREATE()), "create property list", file: path)
        defer { H5Pclose(fcpl) }
        let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
        try checked(H5Pset_link_creation_order(fcpl, order), "set creation order", file: path)
        try checked(H5Pset_attr_creation_order(fcpl, order), "set creation order", file: path)
        if denseAttributes {
            try checked(H5Pset_attr_phase_change(fcpl, 0, 0), "set dense attribute storage", file: path)
        }
        let flags = overwrite ? mib_H5F_ACC_TRUNC() : mib_H5F_ACC_EXCL()
        let id = try checked(ChildProcesses.changingDescriptors {
            let id = H5Fcreate(path, flags, fcpl, mib_H5P_DEFAULT())
            if id >= 0 { ChildProcesses.markCloseOnExec(file: id) }
            return id
        }, "create", file: path)
        return File(path: path, id: id)
    }

    /// Whether a link named `objectPath` exists (every intermediate group must exist too).
    public func contains(_ objectPath: String) -> Bool {
        var prefix = ""
        for component in objectPath.split(separator: "/") {
            prefix += "/" + component
            let status = H5Lexists(handle.id, prefix, mib_H5P_DEFAULT())
            if status <= 0 { _ = takeErrorStack(); return false }
        }
        return true
    }

    /// Opens the dataset at `objectPath`.
    ///
    /// - Throws: `.objectNotFound` if nothing is there, `.notADataset` for a group or
    ///   named type.
    public func dataset(_ objectPath: String) throws(HDF5Error) -> Dataset {
        _ = librarySetUp
        return try guarded("opening the dataset", file: path, object: objectPath) { () throws(HDF5Error) in try openDataset(objectPath) }
    }

    private func openDataset(_ objectPath: String) throws(HDF5Error) -> Dataset {
        guard contains(objectPath) else { throw .objectNotFound(file: path, object: objectPath) }
        let object = try checked(H5Oopen(handle.id, objectPath, mib_H5P_DEFAULT()), "open object", file: path, object: objectPath)
        let kind = H5Iget_type(object)
        H5Oclose(object)
        guard kind == H5I_DATASET else { throw .notADataset(file: path, object: objectPath) }
        let id = try checked(H5Dopen2(handle.id, objectPath, mib_H5P_DEFAULT()), "open dataset", file: path, object: objectPath)
        return Dataset(file: self, path: objectPath, id: id)
    }

    /// Kind of object found while walking a file.
    public enum ObjectKind: String, Sendable { case group, dataset, namedType = "type", other }

    /// Every object reachable from the root by hard links, as absolute paths in name order.
    public func objects() throws(HDF5Error) -> [(path: String, kind: ObjectKind)] {
        let collector = NameCollector()
        let status = withExtendedLifetime(collector) {
            H5Lvisit(handle.id, H5_INDEX_NAME, H5_ITER_INC, { _, name, info, data in
                guard let name, let info, let data else { return 0 }
                if info.pointee.type == H5L_TYPE_HARD {
                    Unmanaged<NameCollector>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
                }
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        try checked(status, "list objects", file: path)
        return collector.names.map { name in
            let full = "/" + name
            let object = H5Oopen(handle.id, full, mib_H5P_DEFAULT())
            guard object >= 0 else { _ = takeErrorStack(); return (full, .other) }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return (full, .group)
            case H5I_DATASET: return (full, .dataset)
            case H5I_DATATYPE: return (full, .namedType)
            default: return (full, .other)
            }
        }
    }

    /// Creates a group (and any missing parents).
    public func createGroup(_ objectPath: String) throws(HDF5Error) {
        let lcpl = try checked(H5Pcreate(mib_H5P_LINK_CREATE()), "create property list", file: path)
        defer { H5Pclose(lcpl) }
        try checked(H5Pset_create_intermediate_group(lcpl, 1), "set intermediate groups", file: path)
        let id = try checked(H5Gcreate2(handle.id, objectPath, lcpl, mib_H5P_DEFAULT(), mib_H5P_DEFAULT()),
                             "create group", file: path, object: objectPath)
        H5Gclose(id)
    }

    /// Flushes all buffers of this file to disk.
    public func flush() throws(HDF5Error) {
        try checked(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), "flush", file: path)
    }
}

extension File: AttributeHolder {
    var attributeTarget: (id: hid_t, file: String, object: String) { (handle.id, path, "/") }
}
