import Foundation

/// Runs independent tasks on the work-stealing pool (see ``WorkStealingPool``).
///
/// Tasks must write only to disjoint memory; results therefore never depend on which
/// thread ran which task or in which order.
enum WorkerPool {
    /// Runs `body(0..<count)` on `threads` threads (equal costs) and returns when all have run.
    static func run(threads: Int, count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        if threads <= 1 || count == 1 {
            for index in 0..<count { body(index) }
            return
        }
        _ = WorkStealingPool.run(threads: threads, tasks: (0..<count).map { WorkStealingPool.WorkItem(index: $0, cost: 1) },
                                 body: body)
    }
}

/// A fixed-size buffer that several threads write to at disjoint indices.
final class SharedBuffer<Element>: @unchecked Sendable {
    private(set) var pointer: UnsafeMutableBufferPointer<Element>

    init(repeating value: Element, count: Int) {
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: value)
    }

    deinit {
        _ = pointer.deinitialize()
        pointer.deallocate()
    }

    subscript(index: Int) -> Element {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    var array: [Element] { Array(pointer) }

    /// The elements moved into an array, the buffer freed: it is empty afterwards (for
    /// results handed on once, so they are not held twice).
    func take() -> [Element] {
        let count = pointer.count
        let elements = [Element](unsafeUninitializedCapacity: count) { target, initialized in
            _ = target.moveInitialize(fromContentsOf: pointer)
            initialized = count
        }
        pointer.deallocate()
        pointer = UnsafeMutableBufferPointer(start: nil, count: 0)
        return elements
    }
}
