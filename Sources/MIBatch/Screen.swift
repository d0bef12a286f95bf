import MIEstimators

/// Screen, then refine (`--screen`, `--refine-*`): a fast estimator over every pair, the
/// run's estimator only on the pairs a rule keeps.
///
/// The screen runs first, over every pair of the plan (also in a shard: rules that rank
/// pairs need all of them, and a screen costs a small fraction of the refinement), in memory
/// and without a checkpoint (it is recomputed, with the same bits, when a run resumes). The
/// rule then marks the cells to refine; the run's engine computes only those. The output
/// keeps both: `/mi` holds the refined estimates (NaN elsewhere), `/mi_screen` the screen's
/// estimate of every pair, and `/status` is 3 (screened out) where the pair was not refined.
public struct ScreenSettings: Codable, Equatable, Sendable {
    /// The screening estimator (gcmi or binned) with its settings.
    public var estimator: EstimatorKind
    /// Refine the N pairs of largest screen value (`--refine-top N`).
    public var top: Int? = nil
    /// Refine this fraction of the pairs, those of largest screen value (`--refine-top P%`).
    public var topFraction: Double? = nil
    /// Refine each variable's N partners of largest screen value (`--refine-per-variable N`).
    public var perVariable: Int? = nil
    /// Refine the pairs whose screen value is at least this, in the run's units (`--refine-threshold`).
    public var threshold: Double? = nil

    /// A screen with `estimator` and no rule yet.
    public init(estimator: EstimatorKind) {
        self.estimator = estimator
    }

    /// The screening estimator with its default settings.
    public var choice: EstimatorChoice { EstimatorChoice(estimator) }

    /// Whether some rule is set.
    public var hasRule: Bool { top != nil || topFraction != nil || perVariable != nil || threshold != nil }

    /// The rule in words, for provenance and `mibatch plan`.
    public var ruleDescription: String {
        var parts: [String] = []
        if let top { parts.append("the \(top) pairs of largest screen value") }
        if let topFraction { parts.append("the top \(Self.percent(topFraction)) of pairs by screen value") }
        if let perVariable { parts.append("each variable's \(perVariable) partners of largest screen value") }
        if let threshold { parts.append("pairs of screen value ≥ \(threshold)") }
        return parts.joined(separator: ", or ")
    }

    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }

    /// The first problem with the settings, or `nil`.
    public func problem(refining refine: EstimatorKind) -> String? {
        guard estimator == .gcmi || estimator == .binned else {
            return "--screen takes gcmi or binned (fast estimators); got \(estimator.rawValue)"
        }
        if estimator == refine { return "--screen \(estimator.rawValue) with --refine \(refine.rawValue) would compute every kept pair twice; refine with ksg or mine" }
        guard hasRule else { return "--screen needs a rule: --refine-top N, --refine-top P%, --refine-per-variable N or --refine-threshold X" }
        if let top, top < 1 { return "--refine-top must be at least 1 (got \(top))" }
        if let topFraction, !(topFraction > 0 && topFraction <= 1) { return "--refine-top P% needs 0 < P ≤ 100" }
        if let perVariable, perVariable < 1 { return "--refine-per-variable must be at least 1 (got \(perVariable))" }
        if let threshold, !threshold.isFinite { return "--refine-threshold must be a finite number" }
        return nil
    }
}

/// The screen of a run: its estimate of every pair and the cells to refine.
struct ScreenResult: Sendable {
    /// The screen's estimate of every matrix position (row-major, run units; NaN where it failed).
    var values: [Double]
    /// Per cell index of the plan: whether the run's estimator refines it.
    var selected: [Bool]
    /// Cells selected.
    var selectedCount: Int
    /// The screen estimator's label.
    var label: String
    /// How long the screen took, in seconds.
    var seconds: Double

    /// Runs the screen of `configuration` over every tile of `plan`'s pairs and applies its rule.
    ///
    /// - Complexity: one run of the screening estimator over all pairs, then
    ///   O(cells·log N) for a top-N rule.
    static func compute(_ configuration: RunConfiguration, source: any InputSource, plan: ExecutionPlan) throws(MIBatchError) -> ScreenResult {
        let settings = configuration.screen!
        let clock = ContinuousClock(), started = clock.now
        var screening = configuration
        screening.estimator = settings.choice
        screening.screen = nil
        screening.significance = nil
        screening.shard = .whole
        let screenPlan = try ExecutionPlan.make(catalog: source.catalog, pairs: plan.pairs, configuration: screening,
                                                budget: configuration.memory ?? MemorySize.defaultBudget)
        let engine = try Engine(configuration: screening, source: source, plan: screenPlan)
        let outcome = try engine.run()
        let values = outcome.matrix.layers.values(.mi, as: Double.self)!
        let status = outcome.matrix.layers.values(.status, as: UInt8.self)!
        let selected = select(settings, values: values, status: status, plan: plan)
        let elapsed = clock.now - started
        return ScreenResult(values: values, selected: selected, selectedCount: selected.reduce(0) { $0 + ($1 ? 1 : 0) },
                            label: screening.estimatorLabel,
                            seconds: elapsed.seconds)
    }

    /// The cells the rule keeps. Cells the screen could not estimate are kept (the run's
    /// estimator then says why they fail). Ties at a top-N cut are broken by cell index.
    static func select(_ settings: ScreenSettings, values: [Double], status: [UInt8], plan: ExecutionPlan) -> [Bool] {
        let width = plan.pairs.columns.count
        var selected = [Bool](repeating: false, count: plan.cells.count)
        var overall = settings.top
        if let fraction = settings.topFraction { overall = max(overall ?? 0, Int((fraction * Double(plan.cells.count)).rounded(.up))) }
        var best = overall.map { BoundedBest(capacity: $0) }
        var rowBest = settings.perVariable.map { n in (0..<plan.pairs.rows.count).map { _ in BoundedBest(capacity: n) } }
        var columnBest = settings.perVariable.map { n in (0..<plan.pairs.columns.count).map { _ in BoundedBest(capacity: n) } }
        plan.cells.forEachCell { index, r, c in
            let value = values[r * width + c]
            if status[r * width + c] != PairStatus.computed.rawValue || value.isNaN {
                selected[index] = true
                return
            }
            if let threshold = settings.threshold, value >= threshold { selected[index] = true }
            best?.offer(value, index)
            rowBest?[r].offer(value, index)
            if plan.pairs.isSymmetric { rowBest?[c].offer(value, index) } else { columnBest?[c].offer(value, index) }
        }
        for index in best?.indices ?? [] { selected[index] = true }
        for list in rowBest ?? [] { for index in list.indices { selected[index] = true } }
        for list in columnBest ?? [] { for index in list.indices { selected[index] = true } }
        return selected
    }
}

/// The `capacity` largest (value, index) offered, ties to the smaller index: a binary min-heap.
struct BoundedBest {
    let capacity: Int
    private var heap: [(value: Double, index: Int)] = []

    init(capacity: Int) { self.capacity = capacity }

    /// a ranks below b: smaller value, or equal value and larger index.
    private static func below(_ a: (value: Double, index: Int), _ b: (value: Double, index: Int)) -> Bool {
        a.value != b.value ? a.value < b.value : a.index > b.index
    }

    mutating func offer(_ value: Double, _ index: Int) {
        let entry = (value: value, index: index)
        if heap.count < capacity {
            heap.append(entry)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.below(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if capacity > 0, Self.below(heap[0], entry) {
            heap[0] = entry
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var lowest = parent
                if left < heap.count, Self.below(heap[left], heap[lowest]) { lowest = left }
                if right < heap.count, Self.below(heap[right], heap[lowest]) { lowest = right }
                if lowest == parent { break }
                heap.swapAt(parent, lowest)
                parent = lowest
            }
        }
    }

    /// The indices kept (any order).
    var indices: [Int] { heap.map(\.index) }
}
