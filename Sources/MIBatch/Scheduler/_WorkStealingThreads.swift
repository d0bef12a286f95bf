// Unsafe code: raw POSIX threads, and per-run shared state behind raw pointers.
import Atomics
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `count` POSIX threads running `body(0)`, …, `body(count - 1)` and joins them all.
///
/// Plain pthreads (rather than `Foundation.Thread` + a `DispatchGroup`) because
/// `pthread_create` / `pthread_join` are happens-before edges that ThreadSanitizer
/// understands: everything before the call happens-before each body, and everything each
/// body did happens-before the return.
/// - Complexity: O(count) thread creations; returns when the slowest body returns.
enum WorkStealingThreads {
    private final class Start {
        let index: Int
        let body: @Sendable (Int) -> Void
        init(index: Int, body: @escaping @Sendable (Int) -> Void) {
            self.index = index
            self.body = body
        }
        func run() { body(index) }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, each on its own thread with a stack of
    /// `stackSize` bytes, and returns once all have returned.
    static func runJoined(count: Int, stackSize: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        var handles: [pthread_t] = []
        handles.reserveCapacity(count)
        for index in 0..<count {
            let context = Unmanaged.passRetained(Start(index: index, body: body)).toOpaque()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setstacksize(&attributes, stackSize)
            #if os(Linux)
            var handle = pthread_t()
            let status = pthread_create(&handle, &attributes, { raw in
                Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, context)
            #else
            var optionalHandle: pthread_t?
            let status = pthread_create(&optionalHandle, &attributes, { raw in
                Unmanaged<Start>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, context)
            let handle = optionalHandle!
            #endif
            pthread_attr_destroy(&attributes)
            precondition(status == 0, "pthread_create failed with \(status)")
            handles.append(handle)
        }
        for handle in handles {
            let status = pthread_join(handle, nil)
            precondition(status == 0, "pthread_join failed with \(status)")
        }
    }
}

/// The state one ``WorkStealingPool`` run shares between its workers: deques, the count of
/// tasks not yet claimed, the completion bitmap, and per-worker statistics.
///
/// Everything mutable is either atomic or written by exactly one worker at its own index
/// and read only after the threads are joined.
final class WorkStealingRunState: @unchecked Sendable {
    typealias WordStorage = UnsafeAtomic<UInt64>.Storage

    /// What one worker did (written only by that worker).
    struct WorkerStatistics: Sendable {
        var executed = 0
        var stolen = 0
    }

    let deques: [WorkStealingDeque]
    /// Tasks still sitting in some deque. Decremented (relaxed) by the worker that claimed
    /// one; 0 means every task is claimed, so a worker that finds nothing to steal can exit.
    private let unclaimed: UnsafeAtomic<Int>
    /// Bit `i` is set after the task with index `i` returned.
    private let words: UnsafeMutablePointer<WordStorage>
    let wordCount: Int
    private let statistics: UnsafeMutablePointer<WorkerStatistics>

    /// Creates the state for `deques.count` workers, `taskCount` tasks already pushed and
    /// task indices in `0..<indexBound`. Publish to the workers via thread creation.
    init(deques: [WorkStealingDeque], taskCount: Int, indexBound: Int) {
        self.deques = deques
        unclaimed = .create(taskCount)
        wordCount = (indexBound + 63) / 64
        words = .allocate(capacity: max(1, wordCount))
        words.initialize(repeating: WordStorage(0), count: max(1, wordCount))
        statistics = .allocate(capacity: deques.count)
        statistics.initialize(repeating: WorkerStatistics(), count: deques.count)
    }

    deinit {
        unclaimed.destroy()
        words.deinitialize(count: max(1, wordCount))
        words.deallocate()
        statistics.deinitialize(count: deques.count)
        statistics.deallocate()
    }

    /// Records that a task was taken from a deque. Relaxed: the count only decides when idle
    /// workers may exit, and the join (not this counter) publishes the tasks' results.
    @inline(__always)
    func claimed() { unclaimed.wrappingDecrement(ordering: .relaxed) }

    /// Whether every task has been taken from the deques (some may still be running).
    @inline(__always)
    var allClaimed: Bool { unclaimed.load(ordering: .relaxed) == 0 }

    /// Sets the bit of task `index`; traps if it was already set (a task ran twice).
    /// Relaxed atomic OR: different workers set bits of the same word.
    @inline(__always)
    func markCompleted(_ index: Int) {
        let bit = UInt64(1) << UInt64(index & 63)
        let old = UnsafeAtomic<UInt64>(at: words + (index >> 6))
            .loadThenBitwiseOr(with: bit, ordering: .relaxed)
        precondition(old & bit == 0, "WorkStealingPool: task \(index) ran twice")
    }

    /// Worker `worker`'s statistics; only that worker may call this while the run is going.
    @inline(__always)
    func updateStatistics(_ worker: Int, _ update: (inout WorkerStatistics) -> Void) {
        update(&statistics[worker])
    }

    /// After the join: the completion bitmap's words.
    func completedWords() -> [UInt64] {
        (0..<wordCount).map { UnsafeAtomic<UInt64>(at: words + $0).load(ordering: .relaxed) }
    }

    /// After the join: every worker's statistics.
    func allStatistics() -> [WorkerStatistics] {
        Array(UnsafeBufferPointer(start: statistics, count: deques.count))
    }
}
