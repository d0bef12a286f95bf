import Atomics
import Foundation

/// One atomic counter per task index, so a task that ran twice — even concurrently — is
/// seen as a count of 2.
final class RunCounts: Sendable {
    let counters: [ManagedAtomic<Int>]

    init(_ count: Int) { counters = (0..<count).map { _ in ManagedAtomic(0) } }

    func hit(_ index: Int) { counters[index].wrappingIncrement(ordering: .relaxed) }

    subscript(index: Int) -> Int { counters[index].load(ordering: .relaxed) }

    /// Indices whose count is not `expected`.
    func mismatches(expected: Int) -> [Int] {
        counters.indices.filter { self[$0] != expected }
    }

    var total: Int { counters.reduce(0) { $0 + $1.load(ordering: .relaxed) } }
}

/// A cancellation flag for tests.
final class TestFlag: Sendable {
    private let value = ManagedAtomic(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// Spins (does not sleep) for about `microseconds`, like a compute-bound task.
func busyWait(microseconds: Int) {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: .microseconds(microseconds))
    var x: UInt64 = 1
    while clock.now < end {
        for _ in 0..<64 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
    }
    blackHole(x)
}

@inline(never)
func blackHole(_ value: UInt64) {
    if value == 42 { print("", terminator: "") }
}

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
