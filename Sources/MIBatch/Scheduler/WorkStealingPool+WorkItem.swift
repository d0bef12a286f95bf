extension WorkStealingPool {
    /// One task for ``WorkStealingPool/run(threads:tasks:isCancelled:body:)``: the index
    /// passed to the body and an estimate of its cost.
    ///
    /// Only the *relative* order of costs matters (tasks are started most expensive
    /// first); any unit works (estimated flops, n·log n, seconds).
    package struct WorkItem: Sendable, Hashable {
        /// The value passed to the body; must be ≥ 0 and unique within one run (it is also
        /// the key of ``CompletedTasks``).
        package var index: Int
        /// Estimated cost; must not be NaN. Larger runs earlier.
        package var cost: Double

        /// Creates a task.
        package init(index: Int, cost: Double) {
            self.index = index
            self.cost = cost
        }
    }

    /// Where the sorted tasks are placed before the workers start.
    enum Placement: Sendable, Equatable {
        /// Dealt round-robin over the workers in descending cost (the normal mode).
        case roundRobin
        /// All on one worker's deque, so that the others get work only by stealing (a test
        /// hook: it makes stealing observable).
        case allOnWorker(Int)
    }

    /// Sorts `tasks` by descending cost (ties: ascending index, so the order is a pure
    /// function of the input) and deals them to `workers` lists.
    ///
    /// Each returned list is in descending cost order, i.e. the order in which its owner
    /// should run them. With `.roundRobin`, list `w` gets sorted positions `w`, `w + W`,
    /// `w + 2W`, … so every worker starts with one of the `W` biggest tasks.
    /// - Complexity: O(n log n) for n tasks.
    static func deal(_ tasks: [WorkItem], workers: Int, placement: Placement) -> [[WorkItem]] {
        precondition(workers >= 1, "need at least one worker")
        let sorted = tasks.sorted { lhs, rhs in
            lhs.cost != rhs.cost ? lhs.cost > rhs.cost : lhs.index < rhs.index
        }
        var lists = Array(repeating: [WorkItem](), count: workers)
        switch placement {
        case .roundRobin:
            for w in 0..<workers { lists[w].reserveCapacity(sorted.count / workers + 1) }
            for (rank, task) in sorted.enumerated() { lists[rank % workers].append(task) }
        case .allOnWorker(let owner):
            precondition((0..<workers).contains(owner), "no such worker")
            lists[owner] = sorted
        }
        return lists
    }
}
