import Dispatch

/// A read-only buffer handed to worker threads (the caller keeps it alive and unchanged
/// while they run).
struct SharedBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Double>
    init(_ buffer: UnsafeBufferPointer<Double>) { self.buffer = buffer }
}

/// `(0..<count).map(transform)` computed on every core; results in index order whatever
/// order the work ran in (each slot written by one iteration only).
func parallelMap<T>(count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
    defer { slots.deinitialize(count: count); slots.deallocate() }
    let box = SlotBox(slots)
    DispatchQueue.concurrentPerform(iterations: count) { index in box.pointer[index] = transform(index) }
    return (0..<count).map { slots[$0]! }
}

private struct SlotBox<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T?>
    init(_ pointer: UnsafeMutablePointer<T?>) { self.pointer = pointer }
}
