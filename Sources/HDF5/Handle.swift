import CHDF5

/// Owns one HDF5 identifier and closes it exactly once, when the last reference goes.
///
/// Closing the last identifier of a file closes its descriptor, so every close runs
/// outside ``ChildProcesses/spawning(_:)``.
final class Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = ChildProcesses.changingDescriptors { close(id) } }
}
