// Unsafe code: raw atomic storage for the Chase–Lev deque (see WorkStealingPool.swift for
// the safe entry point).
import Atomics

/// A fixed-capacity, lock-free Chase–Lev work-stealing deque of `Int`s.
///
/// One thread, the *owner*, calls ``push(_:)`` and ``pop()`` at the bottom (LIFO);
/// any number of *thieves* call ``steal()`` at the top (FIFO). The owner-only rule is a
/// contract the type system does not check: calling `push`/`pop` from two threads at once
/// is a data race on `bottom` and loses or duplicates items.
///
/// The algorithm and the memory orderings follow Lê, Pop, Cohen and Zappa Nardelli,
/// *Correct and Efficient Work-Stealing for Weak Memory Models* (PPoPP 2013), Fig. 1, with
/// two changes, both strictly stronger than the paper:
/// - the ring buffer never grows: ``push(_:)`` returns `false` when it is full. The pool
///   sizes each deque to the number of tasks dealt to it, so it never fills; and without
///   growth there is no buffer pointer to publish (no `consume` load);
/// - every store to `bottom` is a *release* store (the paper has `fence(release)` +
///   relaxed store in `push` and relaxed stores in `pop`). A thief's acquire load of
///   `bottom` therefore synchronizes with the owner store it reads, whichever it is, so the
///   slot writes of earlier pushes happen-before the thief's slot read without relying on
///   the C11 (pre-C++20) rule that put later same-thread relaxed stores in a release
///   sequence. On x86-64 a release store is a plain `mov`, so this costs nothing there; it
///   also makes the owner→thief edge visible to ThreadSanitizer, which ignores fences.
///
/// The two `seq_cst` fences (in ``pop()`` between the store to `bottom` and the load of
/// `top`, and in ``steal()`` between the load of `top` and the load of `bottom`) are the
/// store→load orderings the algorithm needs so that owner and thief cannot both see the
/// last element as theirs; the tie is then settled by a `seq_cst` CAS on `top`.
///
/// Slots are atomics too (relaxed), as in the paper: a thief may read a slot that the owner
/// is overwriting after wrap-around, but then its CAS on `top` fails and it discards the
/// value, so the stale read is harmless and — being atomic — not undefined behaviour.
///
/// - Complexity: ``push(_:)``, ``pop()`` and ``steal()`` are O(1) and lock-free (a
///   `steal` can fail with ``Steal/abort`` only because another operation made progress).
final class WorkStealingDeque: @unchecked Sendable {
    /// What a ``WorkStealingDeque/steal()`` attempt produced.
    enum Steal: Equatable, Sendable {
        /// Took the item at the top.
        case success(Int)
        /// The deque looked empty.
        case empty
        /// Lost a race (to another thief or to the owner's last-element `pop`); retrying
        /// may succeed.
        case abort
    }

    private typealias Storage = UnsafeAtomic<Int>.Storage

    /// The number of items the deque can hold (a power of two ≥ the requested capacity).
    let capacity: Int
    private let mask: Int
    private let slots: UnsafeMutablePointer<Storage>
    /// One allocation holding `top` and `bottom` 128 bytes apart, so that thieves hammering
    /// `top` do not share a cache line with the owner's `bottom` (nor with other deques).
    private let indexBlock: UnsafeMutableRawPointer
    private let top: UnsafeAtomic<Int>
    private let bottom: UnsafeAtomic<Int>

    private static let indexStride = 128

    /// Creates an empty deque that can hold at least `minimumCapacity` items.
    ///
    /// Not thread-safe; publish the deque to other threads through a happens-before edge
    /// (thread creation does).
    /// - Complexity: O(capacity).
    init(capacity minimumCapacity: Int) {
        precondition(minimumCapacity >= 0, "negative capacity")
        var rounded = 1
        while rounded < minimumCapacity { rounded <<= 1 }
        capacity = rounded
        mask = rounded - 1
        slots = .allocate(capacity: rounded)
        slots.initialize(repeating: Storage(0), count: rounded)
        let stride = Self.indexStride
        indexBlock = .allocate(byteCount: 2 * stride, alignment: stride)
        let topPointer = indexBlock.bindMemory(to: Storage.self, capacity: 1)
        topPointer.initialize(to: Storage(0))
        let bottomPointer = (indexBlock + stride).bindMemory(to: Storage.self, capacity: 1)
        bottomPointer.initialize(to: Storage(0))
        top = UnsafeAtomic(at: topPointer)
        bottom = UnsafeAtomic(at: bottomPointer)
    }

    deinit {
        // `Int` storage is trivial: nothing to dispose of before deallocating.
        slots.deinitialize(count: capacity)
        slots.deallocate()
        indexBlock.deallocate()
    }

    @inline(__always)
    private func slot(_ position: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: slots + (position & mask))
    }

    /// Owner only: pushes `value` at the bottom. Returns `false` (and changes nothing) when
    /// the deque is full.
    ///
    /// Orderings: `top` is loaded *acquire* so that a thief's read of a slot (before its
    /// `seq_cst` CAS that advanced `top`) happens-before our overwrite of that slot after
    /// wrap-around; the slot is written relaxed and then published by the *release* store
    /// of `bottom`, which a thief's acquire load of `bottom` synchronizes with.
    /// - Complexity: O(1), wait-free.
    @discardableResult
    func push(_ value: Int) -> Bool {
        let b = bottom.load(ordering: .relaxed)
        let t = top.load(ordering: .acquiring)
        if b - t >= capacity { return false }
        slot(b).store(value, ordering: .relaxed)
        bottom.store(b + 1, ordering: .releasing)
        return true
    }

    /// Owner only: pops the item at the bottom (the most recently pushed), or `nil` if the
    /// deque is empty or a thief took its last item.
    ///
    /// Orderings: `bottom` is decremented first, then a `seq_cst` fence orders that store
    /// before the load of `top` (store→load), pairing with the fence in ``steal()``: a thief
    /// that read the old `bottom` and the owner that reads the old `top` cannot both miss
    /// each other. When one item is left the owner and thieves race with a `seq_cst` CAS on
    /// `top`; exactly one wins. `bottom` is restored with a release store (see the type's
    /// documentation).
    /// - Complexity: O(1), wait-free.
    func pop() -> Int? {
        let b = bottom.load(ordering: .relaxed) &- 1
        bottom.store(b, ordering: .releasing)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        let t = top.load(ordering: .relaxed)
        if t > b {
            // Empty: undo the decrement.
            bottom.store(b &+ 1, ordering: .releasing)
            return nil
        }
        let value = slot(b).load(ordering: .relaxed)
        if t < b { return value }  // More than one item: no thief can reach slot b.
        // Exactly one item: race the thieves for it.
        let won = top.compareExchange(
            expected: t, desired: t &+ 1,
            successOrdering: .sequentiallyConsistent, failureOrdering: .relaxed
        ).exchanged
        bottom.store(b &+ 1, ordering: .releasing)
        return won ? value : nil
    }

    /// Any thread: tries to take the item at the top (the least recently pushed).
    ///
    /// Orderings: `top` is loaded *acquire* (synchronizing with the CAS of the previous
    /// successful thief), a `seq_cst` fence orders it before the *acquire* load of `bottom`
    /// (pairing with the fence in ``pop()``), and that acquire load synchronizes with the
    /// owner's release store of `bottom`, so the slot read sees the pushed value. The item is
    /// ours only if the `seq_cst` CAS of `top` from `t` to `t + 1` succeeds; if it fails the
    /// slot value may be stale and is discarded.
    /// - Complexity: O(1), lock-free.
    func steal() -> Steal {
        let t = top.load(ordering: .acquiring)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        let b = bottom.load(ordering: .acquiring)
        guard t < b else { return .empty }
        let value = slot(t).load(ordering: .relaxed)
        let won = top.compareExchange(
            expected: t, desired: t &+ 1,
            successOrdering: .sequentiallyConsistent, failureOrdering: .relaxed
        ).exchanged
        return won ? .success(value) : .abort
    }

    /// A snapshot of the number of items; exact only when no other thread is operating on
    /// the deque. Relaxed loads, O(1).
    var approximateCount: Int {
        let b = bottom.load(ordering: .relaxed)
        let t = top.load(ordering: .relaxed)
        return max(0, b - t)
    }
}
