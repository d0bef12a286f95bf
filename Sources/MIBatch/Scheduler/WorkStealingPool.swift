#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MIEstimators

/// A work-stealing thread pool for a known, fixed list of independent tasks.
///
/// ``run(threads:tasks:isCancelled:body:)`` starts one worker thread per thread requested
/// (capped at the number of tasks), each owning a lock-free Chase–Lev deque
/// (``WorkStealingDeque``). Tasks are sorted by descending estimated cost and dealt
/// round-robin, so every worker starts with one of the biggest tasks and runs its own
/// tasks biggest first (it pops from the bottom, where the biggest were pushed last). A
/// worker whose deque is empty steals from the top of other deques — the cheapest tasks
/// of its victim, which keeps the tail of the run fine-grained — starting at a victim drawn
/// from its own seeded generator and sweeping all others once. When every task has been
/// claimed, idle workers exit; `run` joins them and returns.
///
/// **Determinism.** The pool decides only *which thread* runs a task and *when*; it
/// guarantees each task's body runs exactly once (or, after cancellation, at most once and
/// reported exactly). Bodies must write only to memory no other task touches (e.g. their own
/// slot of a preallocated buffer) and must not combine results in completion order (no
/// shared floating-point accumulators). Under that contract the output is bit-identical for
/// any thread count and any interleaving; reductions, if any, belong after `run` returns, in
/// index order. Everything the bodies wrote happens-before `run` returns (threads are
/// joined), so the caller may read it without further synchronization.
///
/// **Cancellation.** `isCancelled` is polled before each task is taken. Once it returns
/// `true`, every worker finishes the task it is running (tasks are not interrupted) and
/// exits; `run` returns within the longest running task plus ~1 ms. The returned
/// ``Outcome/completed`` set is exact: a task is in it if and only if its body returned.
package enum WorkStealingPool {
    /// The set of task indices whose body returned, as a bitmap.
    package struct CompletedTasks: Sendable, Equatable {
        /// Bit `i % 64` of word `i / 64` is set if task `i` completed.
        package let words: [UInt64]
        /// The number of completed tasks. O(1).
        package let count: Int

        /// Wraps bitmap words.
        package init(words: [UInt64]) {
            self.words = words
            count = words.reduce(0) { $0 + $1.nonzeroBitCount }
        }

        /// Whether the task with index `index` completed. O(1).
        package func contains(_ index: Int) -> Bool {
            guard index >= 0, index >> 6 < words.count else { return false }
            return words[index >> 6] & (UInt64(1) << UInt64(index & 63)) != 0
        }

        /// The completed indices in ascending order. O(words + count).
        package var indices: [Int] {
            var result: [Int] = []
            result.reserveCapacity(count)
            for (w, word) in words.enumerated() {
                var rest = word
                while rest != 0 {
                    result.append(w * 64 + rest.trailingZeroBitCount)
                    rest &= rest - 1
                }
            }
            return result
        }
    }

    /// What a run did.
    package struct Outcome: Sendable {
        /// Indices of the tasks whose body returned.
        package var completed: CompletedTasks
        /// Whether some tasks did not run because of cancellation
        /// (`completed.count < tasks.count`).
        package var cancelled: Bool
        /// Tasks executed by each worker (index = worker); sums to `completed.count`.
        package var executedPerWorker: [Int]
        /// Of those, tasks each worker obtained by stealing.
        package var stolenPerWorker: [Int]
    }

    /// Stack size of worker threads (the estimators recurse over k-d trees).
    static let stackSize = 8 << 20

    /// Runs `body(task.index)` for every task on `threads` worker threads with work
    /// stealing, most expensive tasks first, and returns when all have run or, after
    /// `isCancelled()` returned `true`, when the running ones have finished.
    ///
    /// - Parameters:
    ///   - threads: worker threads to use (values < 1 mean 1; capped at `tasks.count`).
    ///     May exceed the number of cores.
    ///   - tasks: indices (≥ 0, unique) with estimated costs (not NaN).
    ///   - isCancelled: polled by each worker before it takes a task; must be thread-safe
    ///     and cheap (e.g. a relaxed atomic load). Once `true` it should stay `true`.
    ///   - body: the work; called exactly once per index (if not cancelled), concurrently
    ///     from several threads, and must write only to memory disjoint from other tasks'.
    /// - Returns: the completed set (exact even after cancellation) and statistics.
    /// - Complexity: O(n log n) to sort and deal, then O(1) scheduler work per task
    ///   (one deque pop or a few steal attempts, one relaxed decrement, one relaxed atomic
    ///   OR); memory O(n) for the deques plus n bits.
    package static func run(
        threads: Int,
        tasks: [WorkItem],
        isCancelled: @escaping @Sendable () -> Bool = { false },
        body: @escaping @Sendable (Int) -> Void
    ) -> Outcome {
        run(threads: threads, tasks: tasks, placement: .roundRobin, isCancelled: isCancelled, body: body)
    }

    /// ``run(threads:tasks:isCancelled:body:)`` with a choice of initial placement (tests use
    /// `.allOnWorker` to force stealing) and of the victim-selection seed.
    /// - Complexity: as ``run(threads:tasks:isCancelled:body:)``.
    static func run(
        threads: Int,
        tasks: [WorkItem],
        placement: Placement,
        seed: UInt64 = 0x9E37_79B9_7F4A_7C15,
        isCancelled: @escaping @Sendable () -> Bool = { false },
        body: @escaping @Sendable (Int) -> Void
    ) -> Outcome {
        guard !tasks.isEmpty else {
            return Outcome(completed: CompletedTasks(words: []), cancelled: false,
                           executedPerWorker: [], stolenPerWorker: [])
        }
        let indexBound = validate(tasks)
        let workers = max(1, min(threads, tasks.count))
        let lists = deal(tasks, workers: workers, placement: placement)
        let deques = lists.map { list in
            let deque = WorkStealingDeque(capacity: list.count)
            // Cheapest first, so the most expensive ends up at the bottom and is popped first.
            for task in list.reversed() { deque.push(task.index) }
            return deque
        }
        let state = WorkStealingRunState(deques: deques, taskCount: tasks.count, indexBound: indexBound)
        WorkStealingThreads.runJoined(count: workers, stackSize: stackSize) { worker in
            workerLoop(worker: worker, state: state, seed: seed, isCancelled: isCancelled, body: body)
        }
        let completed = CompletedTasks(words: state.completedWords())
        let statistics = state.allStatistics()
        return Outcome(
            completed: completed,
            cancelled: completed.count < tasks.count,
            executedPerWorker: statistics.map(\.executed),
            stolenPerWorker: statistics.map(\.stolen)
        )
    }

    /// Checks the preconditions on `tasks` and returns one more than the largest index.
    /// - Complexity: O(n + max index / 64).
    private static func validate(_ tasks: [WorkItem]) -> Int {
        var largest = 0
        for task in tasks {
            precondition(task.index >= 0, "WorkStealingPool: negative task index \(task.index)")
            precondition(!task.cost.isNaN, "WorkStealingPool: NaN cost for task \(task.index)")
            largest = max(largest, task.index)
        }
        var seen = [UInt64](repeating: 0, count: largest / 64 + 1)
        for task in tasks {
            let bit = UInt64(1) << UInt64(task.index & 63)
            precondition(seen[task.index >> 6] & bit == 0, "WorkStealingPool: duplicate task index \(task.index)")
            seen[task.index >> 6] |= bit
        }
        return largest + 1
    }

    /// One worker: pop own deque, else steal, else exit if everything is claimed, else back
    /// off; poll cancellation before taking each task.
    private static func workerLoop(
        worker: Int, state: WorkStealingRunState, seed: UInt64,
        isCancelled: @Sendable () -> Bool, body: @Sendable (Int) -> Void
    ) {
        var random = victimGenerator(seed: seed &+ UInt64(worker) &* 0xD1B5_4A32_D192_ED03)
        let own = state.deques[worker]
        var executed = 0
        var stolen = 0
        var idleRounds = 0
        while !isCancelled() {
            var task = own.pop()
            if task == nil, let theft = steal(worker: worker, state: state, random: &random) {
                task = theft
                stolen += 1
            }
            if let index = task {
                state.claimed()
                body(index)
                state.markCompleted(index)
                executed += 1
                idleRounds = 0
                continue
            }
            if state.allClaimed { break }
            backOff(idleRounds)
            idleRounds += 1
        }
        state.updateStatistics(worker) {
            $0.executed = executed
            $0.stolen = stolen
        }
    }

    /// One sweep over all other deques starting at a random victim; a sweep in which some
    /// steal aborted (lost a race, so work may remain) is repeated at once. Returns `nil`
    /// when a whole sweep found every other deque empty.
    private static func steal(worker: Int, state: WorkStealingRunState, random: inout SeededGenerator) -> Int? {
        let count = state.deques.count
        guard count > 1 else { return nil }
        while true {
            let start = Int(random.next() % UInt64(count))
            var contended = false
            for offset in 0..<count {
                let victim = (start + offset) % count
                if victim == worker { continue }
                switch state.deques[victim].steal() {
                case .success(let index): return index
                case .abort: contended = true
                case .empty: break
                }
            }
            if !contended { return nil }
        }
    }

    /// Idle back-off while other workers still hold unclaimed tasks that could not be
    /// stolen this round: yield a few times, then sleep 10 µs doubling to 1 ms, so that
    /// idle workers (e.g. 8 threads on 2 cores) do not steal CPU from busy ones.
    private static func backOff(_ round: Int) {
        if round < 4 {
            sched_yield()
        } else {
            let micros = min(1_000, 10 << min(round - 4, 7))
            usleep(useconds_t(micros))
        }
    }
}

extension WorkStealingPool {
    /// The seeded generator for victim selection: plain SplitMix64 started at `seed`.
    static func victimGenerator(seed: UInt64) -> SeededGenerator {
        SeededGenerator(splitMix64State: seed)
    }
}
