import Foundation
import Synchronization

/// Runs `count` independent tasks on `threads` OS threads; each thread claims the next
/// task index from one atomic counter until none are left.
///
/// Tasks must write only to disjoint memory; results therefore never depend on which
/// thread ran which task or in which order.
enum WorkerPool {
    /// Runs `body(0..<count)` on `threads` threads and returns when all have finished.
    ///
    /// - Complexity: one atomic increment per task.
    static func run(threads: Int, count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        let next = Counter()
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                while true {
                    let index = next.value.add(1, ordering: .relaxed).oldValue
                    if index >= count { break }
                    body(index)
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}

/// A fixed-size buffer that several threads write to at disjoint indices.
final class SharedBuffer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<Element>

    init(repeating value: Element, count: Int) {
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: value)
    }

    deinit { pointer.deallocate() }

    subscript(index: Int) -> Element {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    var array: [Element] { Array(pointer) }
}
