import Atomics
import Foundation
import Testing

#if canImport(MIBatch)
@testable import MIBatch
#else
@testable import Scheduler
#endif

/// All scheduler tests, run one at a time: several start 8–16 threads on a 2-core machine
/// and the cancellation test measures time.
@Suite("Scheduler", .serialized)
struct SchedulerTests {}

extension SchedulerTests {
    @Suite("Work-stealing pool")
    struct PoolTests {
        /// Runs `tasks` and checks the exactly-once contract.
        private func runAndCheck(threads: Int, tasks: [WorkStealingPool.WorkItem],
                                 work: @escaping @Sendable (Int) -> Void = { _ in })
            -> WorkStealingPool.Outcome
        {
            let bound = (tasks.map(\.index).max() ?? -1) + 1
            let counts = RunCounts(bound)
            let outcome = WorkStealingPool.run(threads: threads, tasks: tasks) { index in
                counts.hit(index)
                work(index)
            }
            let expected = Set(tasks.map(\.index))
            let wrong = (0..<bound).filter { counts[$0] != (expected.contains($0) ? 1 : 0) }
            #expect(wrong.isEmpty, "tasks not run exactly once: \(wrong.prefix(10))")
            #expect(outcome.completed.count == tasks.count)
            #expect(Set(outcome.completed.indices) == expected)
            #expect(!outcome.cancelled)
            #expect(outcome.executedPerWorker.reduce(0, +) == tasks.count)
            #expect(outcome.executedPerWorker.count == (tasks.isEmpty ? 0 : max(1, min(threads, tasks.count))))
            return outcome
        }

        @Test("100k tiny tasks run exactly once", arguments: [1, 2, 3, 8, 16])
        func manyTinyTasks(threads: Int) {
            let tasks = (0..<100_000).map { WorkStealingPool.WorkItem(index: $0, cost: Double($0 % 7)) }
            _ = runAndCheck(threads: threads, tasks: tasks)
        }

        @Test("a few huge tasks among many tiny ones run exactly once", arguments: [1, 2, 3, 8, 16])
        func fewHugeAmongTiny(threads: Int) {
            let huge: Set<Int> = [0, 1, 2, 1_000, 2_999]
            let tasks = (0..<3_000).map {
                WorkStealingPool.WorkItem(index: $0, cost: huge.contains($0) ? 1_000 : 1)
            }
            _ = runAndCheck(threads: threads, tasks: tasks) { index in
                busyWait(microseconds: huge.contains(index) ? 20_000 : 5)
            }
        }

        @Test("zero tasks")
        func zeroTasks() {
            let outcome = runAndCheck(threads: 8, tasks: [])
            #expect(outcome.completed.count == 0)
            #expect(outcome.completed.indices.isEmpty)
            #expect(outcome.executedPerWorker.isEmpty)
        }

        @Test("one task on eight threads")
        func oneTaskEightThreads() {
            let outcome = runAndCheck(threads: 8, tasks: [.init(index: 0, cost: 1)])
            #expect(outcome.executedPerWorker == [1])
        }

        @Test("sparse, unsorted indices and threads < 1")
        func sparseIndices() {
            let tasks = [5_000, 3, 64, 63, 127, 128, 0].map { WorkStealingPool.WorkItem(index: $0, cost: 0) }
            _ = runAndCheck(threads: 0, tasks: tasks)
            _ = runAndCheck(threads: 3, tasks: tasks)
        }

        @Test("one worker runs tasks in descending cost, ties by index")
        func biggestFirst() {
            let costs: [Double] = [3, 9, 1, 9, 0, 5, 3, 7]
            let tasks = costs.enumerated().map { WorkStealingPool.WorkItem(index: $0.offset, cost: $0.element) }
            let order = OrderRecorder()
            _ = runAndCheck(threads: 1, tasks: tasks) { order.append($0) }
            #expect(order.values == [1, 3, 7, 5, 0, 6, 2, 4])
        }

        @Test("round-robin deal gives each worker one of the biggest tasks first")
        func dealRoundRobin() {
            let tasks = (0..<10).map { WorkStealingPool.WorkItem(index: $0, cost: Double($0)) }
            let lists = WorkStealingPool.deal(tasks, workers: 3, placement: .roundRobin)
            #expect(lists.map { $0.map(\.index) } == [[9, 6, 3, 0], [8, 5, 2], [7, 4, 1]])
            let single = WorkStealingPool.deal(tasks, workers: 3, placement: .allOnWorker(2))
            #expect(single[0].isEmpty && single[1].isEmpty && single[2].count == 10)
        }

        @Test("idle workers steal: all tasks start on worker 0, the others run some",
              arguments: [2, 4, 8])
        func stealingHappens(threads: Int) {
            let count = 400
            let tasks = (0..<count).map { WorkStealingPool.WorkItem(index: $0, cost: Double(count - $0)) }
            // Task 0 is the most expensive, so worker 0 runs it first; it holds worker 0
            // until some other task has finished (only a thief can run one meanwhile), or
            // 10 s pass — then the assertions below fail instead of the test hanging.
            let othersDone = ManagedAtomic(0)
            let counts = RunCounts(count)
            let outcome = WorkStealingPool.run(threads: threads, tasks: tasks, placement: .allOnWorker(0)) { index in
                counts.hit(index)
                if index == 0 {
                    let start = ContinuousClock.now
                    while othersDone.load(ordering: .relaxed) == 0 && seconds(since: start) < 10 {
                        sched_yield()
                    }
                } else {
                    busyWait(microseconds: 50)
                    othersDone.wrappingIncrement(ordering: .relaxed)
                }
            }
            #expect(counts.mismatches(expected: 1).isEmpty)
            #expect(outcome.completed.count == count)
            let thieves = outcome.executedPerWorker.dropFirst().reduce(0, +)
            #expect(thieves > 0, "workers 1… ran nothing: \(outcome.executedPerWorker)")
            // Everything workers 1… ran was stolen; worker 0 stole nothing from empty deques.
            #expect(outcome.stolenPerWorker.dropFirst().reduce(0, +) == thieves)
            #expect(outcome.stolenPerWorker[0] == 0)
        }

        @Test("cancellation: run returns promptly and the completed set is exact",
              arguments: [1, 2, 8])
        func cancellation(threads: Int) {
            let count = 20_000
            let tasks = (0..<count).map { WorkStealingPool.WorkItem(index: $0, cost: 1) }
            let counts = RunCounts(count)
            let flag = TestFlag()
            let finished = ManagedAtomic(0)
            let cancelledAt = ManagedAtomic<Int>(0)  // ContinuousClock offset, ns
            let origin = ContinuousClock.now
            let outcome = WorkStealingPool.run(threads: threads, tasks: tasks, isCancelled: { flag.isSet }) { index in
                counts.hit(index)
                busyWait(microseconds: 200)  // 20k × 200 µs = 4 s of work if not cancelled
                if finished.wrappingIncrementThenLoad(ordering: .relaxed) == 100 {
                    cancelledAt.store(Int(seconds(since: origin) * 1e9), ordering: .relaxed)
                    flag.set()
                }
            }
            let returnedAt = seconds(since: origin)
            let latency = returnedAt - Double(cancelledAt.load(ordering: .relaxed)) / 1e9
            #expect(outcome.cancelled)
            #expect(outcome.completed.count >= 100)
            #expect(outcome.completed.count < count)
            // Accurate: completed ⇔ ran, and nothing ran twice.
            let wrong = (0..<count).filter { counts[$0] != (outcome.completed.contains($0) ? 1 : 0) }
            #expect(wrong.isEmpty, "completed set disagrees with what ran: \(wrong.prefix(10))")
            #expect(outcome.executedPerWorker.reduce(0, +) == outcome.completed.count)
            // Each worker finishes at most its current 200 µs task (plus ≤ 1 ms back-off).
            #expect(latency < 0.5, "returned \(latency) s after cancellation")
        }

        @Test("cancellation from another thread while tasks are long")
        func cancellationFromOutside() {
            let count = 10_000
            let tasks = (0..<count).map { WorkStealingPool.WorkItem(index: $0, cost: Double($0)) }
            let counts = RunCounts(count)
            let flag = TestFlag()
            let started = ManagedAtomic(0)
            let returned = TestFlag()
            let box = OutcomeBox()
            let runner = Thread {
                let outcome = WorkStealingPool.run(threads: 8, tasks: tasks, isCancelled: { flag.isSet }) { index in
                    counts.hit(index)
                    started.wrappingIncrement(ordering: .relaxed)
                    busyWait(microseconds: 1_000)  // 10 s in all on 2 cores if not cancelled
                }
                box.set(outcome)
                returned.set()
            }
            runner.start()
            while started.load(ordering: .relaxed) < 20 { usleep(1_000) }
            let cancelTime = ContinuousClock.now
            flag.set()
            while !returned.isSet && seconds(since: cancelTime) < 10 { usleep(500) }
            let latency = seconds(since: cancelTime)
            #expect(returned.isSet)
            #expect(latency < 0.5, "returned \(latency) s after cancellation")
            guard let outcome = box.get() else { return }
            #expect(outcome.cancelled)
            let wrong = (0..<count).filter { counts[$0] != (outcome.completed.contains($0) ? 1 : 0) }
            #expect(wrong.isEmpty, "completed set disagrees with what ran: \(wrong.prefix(10))")
        }

        @Test("cancelled before the start: nothing runs")
        func cancelledUpFront() {
            let tasks = (0..<1_000).map { WorkStealingPool.WorkItem(index: $0, cost: 1) }
            let counts = RunCounts(1_000)
            let outcome = WorkStealingPool.run(threads: 4, tasks: tasks, isCancelled: { true }) { counts.hit($0) }
            #expect(outcome.completed.count == 0)
            #expect(outcome.cancelled)
            #expect(counts.total == 0)
        }

        @Test("plain writes to disjoint slots are visible after run and identical for any thread count")
        func disjointWritesDeterministic() {
            // Under ThreadSanitizer this also checks that `run` returning happens-after
            // every body (the slots are plain memory, not atomics).
            let count = 5_000
            let tasks = (0..<count).map { WorkStealingPool.WorkItem(index: $0, cost: Double(($0 * 7919) % 101)) }
            func compute(threads: Int) -> [UInt64] {
                let slots = PlainSlots(count)
                let outcome = WorkStealingPool.run(threads: threads, tasks: tasks) { index in
                    var x = 0.0
                    for k in 1...(index % 50 + 1) { x += 1.0 / Double(k * (index + 1)) }
                    slots.pointer[index] = x.bitPattern
                }
                #expect(outcome.completed.count == count)
                return Array(slots.pointer)
            }
            let reference = compute(threads: 1)
            for threads in [2, 7, 16] {
                #expect(compute(threads: threads) == reference, "threads \(threads)")
            }
        }

        @Test("CompletedTasks bitmap")
        func completedBitmap() {
            let set = WorkStealingPool.CompletedTasks(words: [0b1011, 0, 1 << 63])
            #expect(set.count == 4)
            #expect(set.indices == [0, 1, 3, 191])
            #expect(set.contains(3) && !set.contains(2) && set.contains(191))
            #expect(!set.contains(-1) && !set.contains(192) && !set.contains(10_000))
        }
    }
}

/// Records task indices in execution order (single-threaded use in `biggestFirst`, but
/// locked so it is safe anyway).
final class OrderRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int] = []
    func append(_ value: Int) { lock.withLock { storage.append(value) } }
    var values: [Int] { lock.withLock { storage } }
}

/// A preallocated buffer written at disjoint indices by the tasks (the engine's pattern).
final class PlainSlots: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<UInt64>
    init(_ count: Int) {
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0)
    }
    deinit { pointer.deallocate() }
}

/// Hands an outcome from the runner thread to the test.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: WorkStealingPool.Outcome?
    func set(_ value: WorkStealingPool.Outcome) { lock.withLock { outcome = value } }
    func get() -> WorkStealingPool.Outcome? { lock.withLock { outcome } }
}
