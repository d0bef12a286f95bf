import Atomics
import Testing

#if canImport(MIBatch)
@testable import MIBatch
#else
@testable import Scheduler
#endif

extension SchedulerTests {
    /// Expectations are checked on the test's thread only; worker threads record failures
    /// in atomics.
    @Suite("Chase–Lev deque")
    struct DequeTests {
        @Test("owner pops LIFO, thieves steal FIFO, single-threaded")
        func lifoPopFifoSteal() {
            let deque = WorkStealingDeque(capacity: 8)
            for value in 1...5 { #expect(deque.push(value)) }
            #expect(deque.approximateCount == 5)
            #expect(deque.pop() == 5)
            #expect(deque.steal() == .success(1))
            #expect(deque.pop() == 4)
            #expect(deque.steal() == .success(2))
            #expect(deque.pop() == 3)  // the last item goes through the CAS path
            #expect(deque.pop() == nil)
            #expect(deque.steal() == .empty)
            #expect(deque.approximateCount == 0)
            // Usable again after being emptied by both ends.
            #expect(deque.push(9))
            #expect(deque.steal() == .success(9))
            #expect(deque.pop() == nil)
        }

        @Test("capacity rounds up to a power of two; push fails when full; ring wraps")
        func capacityAndWrapAround() {
            let deque = WorkStealingDeque(capacity: 3)
            #expect(deque.capacity == 4)
            for value in 0..<4 { #expect(deque.push(value)) }
            #expect(!deque.push(99))
            #expect(deque.approximateCount == 4)
            // Walk the ring several times around: steal one, push one.
            var next = 4
            for expected in 0..<40 {
                #expect(deque.steal() == .success(expected))
                #expect(deque.push(next))
                #expect(!deque.push(-1))
                next += 1
            }
            var popped: [Int] = []
            while let value = deque.pop() { popped.append(value) }
            #expect(popped == [43, 42, 41, 40])
            #expect(WorkStealingDeque(capacity: 0).capacity == 1)
        }

        @Test("single item: exactly one of owner and thief gets it, many rounds",
              arguments: [1, 3])
        func lastItemRace(thieves: Int) {
            let rounds = 10_000
            let deque = WorkStealingDeque(capacity: 2)
            let obtained = RunCounts(rounds)
            let round = ManagedAtomic(-1)
            let finished = ManagedAtomic(0)
            let failedPushes = ManagedAtomic(0)
            WorkStealingThreads.runJoined(count: thieves + 1, stackSize: 1 << 20) { id in
                if id == 0 {
                    for r in 0..<rounds {
                        if !deque.push(r) { failedPushes.wrappingIncrement(ordering: .relaxed) }
                        round.store(r, ordering: .releasing)
                        if let value = deque.pop() { obtained.hit(value) }
                        // Wait until the item is gone (a thief may hold it).
                        while deque.approximateCount > 0 {}
                    }
                    finished.store(1, ordering: .releasing)
                } else {
                    while finished.load(ordering: .acquiring) == 0 {
                        if case .success(let value) = deque.steal() { obtained.hit(value) }
                    }
                }
            }
            #expect(failedPushes.load(ordering: .relaxed) == 0)
            #expect(obtained.mismatches(expected: 1).isEmpty)
            #expect(obtained.total == rounds)
        }

        @Test("owner push/pop vs several thieves: every item obtained exactly once",
              arguments: [1, 3, 7])
        func concurrentStress(thieves: Int) {
            let items = 200_000
            let deque = WorkStealingDeque(capacity: 64)  // small: forces wrap-around and full pushes
            let obtained = RunCounts(items)
            let stolen = ManagedAtomic(0)
            let done = ManagedAtomic(false)
            let nonEmptyAfterDrain = ManagedAtomic(0)
            WorkStealingThreads.runJoined(count: thieves + 1, stackSize: 1 << 20) { id in
                if id == 0 {
                    var random = WorkStealingPool.victimGenerator(seed: 7)
                    for value in 0..<items {
                        while !deque.push(value) {
                            if let got = deque.pop() { obtained.hit(got) }
                        }
                        if random.next() % 3 == 0, let got = deque.pop() { obtained.hit(got) }
                    }
                    while let got = deque.pop() { obtained.hit(got) }
                    done.store(true, ordering: .releasing)
                } else {
                    while true {
                        switch deque.steal() {
                        case .success(let got):
                            obtained.hit(got)
                            stolen.wrappingIncrement(ordering: .relaxed)
                        case .abort:
                            continue
                        case .empty:
                            if done.load(ordering: .acquiring) {
                                // The owner drained the deque and pushes no more.
                                if deque.steal() != .empty {
                                    nonEmptyAfterDrain.wrappingIncrement(ordering: .relaxed)
                                }
                                return
                            }
                        }
                    }
                }
            }
            let wrong = obtained.mismatches(expected: 1)
            #expect(wrong.isEmpty, "items not obtained exactly once: \(wrong.prefix(10))")
            #expect(obtained.total == items)
            #expect(nonEmptyAfterDrain.load(ordering: .relaxed) == 0)
            #expect(stolen.load(ordering: .relaxed) > 0)
        }
    }
}
