import Foundation
import MIEstimators
import Synchronization

/// Writes one cell's estimate into shared result buffers; used by every worker thread.
///
/// The buffers are one per ``MatrixLayer`` the run writes (``LayerStores``); a cell's values
/// in all of them are computed in ``run(_:_:_:)`` and stored together. Each cell touches only
/// its own slots (and its mirror for a symmetric plan), so results never depend on which
/// thread computed them or when.
struct CellKernel: Sendable {
    let estimator: PairEstimator
    let scale: Double
    let pairs: PairPlan
    let cells: CellList
    /// The matrix: one typed buffer per layer present in this run.
    let layers: LayerStores
    /// The `/status` buffer of ``layers`` (to count done and failed cells).
    let status: SharedBuffer<UInt8>
    /// `FailureReason` raw value per cell index (carried by checkpoints).
    let reasonCodes: SharedBuffer<UInt8>
    /// The failure text of each failed cell that has one (few cells fail, so a sparse map).
    let reasons: SparseTexts
    let minimumSamples: Int
    let jitter: Double?
    let seed: UInt64
    /// Declared categorical (`--discrete`), by input position (empty: none).
    let discrete: [Bool]
    /// What preparation found about each variable's ties (`VariableTies` raw value + 1; 0
    /// until the variable is prepared whole), by input position.
    let tieKinds: SharedBuffer<UInt8>
    /// P-values (`--permutations`), `nil` without.
    let significance: SignificanceState?

    init(configuration: RunConfiguration, pairs: PairPlan, cells: CellList, discrete: [Bool] = []) {
        estimator = PairEstimator(configuration)
        scale = configuration.units.fromNats
        self.pairs = pairs
        self.cells = cells
        let size = pairs.rows.count * pairs.columns.count
        layers = LayerStores(MatrixLayer.all.filter { $0.isPresent(in: configuration) }, cells: size)
        status = layers.buffer(.status)!
        reasonCodes = SharedBuffer(repeating: FailureReason.none.rawValue, count: cells.count)
        reasons = SparseTexts()
        minimumSamples = configuration.minimumSamples
        jitter = configuration.jitter
        seed = configuration.seed
        self.discrete = discrete
        let variables = max(discrete.count, (pairs.rows.max() ?? -1) + 1, (pairs.columns.max() ?? -1) + 1)
        tieKinds = SharedBuffer(repeating: 0, count: variables)
        significance = configuration.significance.map { SignificanceState($0, pairwise: configuration.nan == .pairwise) }
    }

    /// Variables prepared whole in this run, counted by what their ties were.
    func tieCounts() -> [VariableTies: Int] {
        var counts: [VariableTies: Int] = [:]
        for code in tieKinds.array where code != 0 {
            counts[VariableTies(rawValue: code - 1) ?? .continuous, default: 0] += 1
        }
        return counts
    }

    /// Estimates cell `index` from the prepared row and column variables.
    func run(_ index: Int, _ x: PreparedVariable?, _ y: PreparedVariable?) {
        let (r, c) = cells[index]
        let variables = (pairs.rows[r], pairs.columns[c])
        var value = Double.nan
        var code = PairStatus.failed
        var used = 0
        var reason = FailureReason.none
        var pValue = Double.nan
        var pairSamples = significance?.samples ?? 0
        func estimate(_ a: PreparedVariable?, _ b: PreparedVariable?) {
            switch (a, b) {
            case let (.ready(p)?, .ready(q)?):
                do {
                    let nats = try estimator.estimate(p, q, variables: variables)
                    value = nats * scale
                    if value.isNaN { reason = .estimateNaN; reasons[index] = "estimate is NaN" } else { code = .computed }
                    if let significance, code == .computed {
                        pValue = significance.pValue(observed: nats, p, q, count: pairSamples, variables: variables, estimator: estimator)
                    }
                } catch {
                    reason = FailureReason(error)
                    reasons[index] = "\(error)"
                    value = .nan
                }
            case let (.failed(text, why)?, _), let (_, .failed(text, why)?):
                reason = why
                if reasons[index] == nil, why == .tooFewSamples { reasons[index] = text }
            default:
                reason = .other
            }
        }
        if case let .pairwise(p)? = x, case let .pairwise(q)? = y {
            if p.finite == nil && q.finite == nil {
                used = p.raw.count
                pairSamples = used
                estimate(p.whole, q.whole)
            } else {
                // Only the rows finite in both; normalization and jitter see only those.
                let rows = (0..<p.raw.count).filter { (p.finite?[$0] ?? true) && (q.finite?[$0] ?? true) }
                used = rows.count
                pairSamples = used
                if rows.count < minimumSamples {
                    estimate(.failed("too few samples: \(rows.count) rows finite in both variables, at least \(minimumSamples) required",
                                     .tooFewSamples), nil)
                } else {
                    estimate(prepare(p.raw.selecting(rows: rows), variable: variables.0),
                             prepare(q.raw.selecting(rows: rows), variable: variables.1))
                }
            }
        } else {
            estimate(x, y)
        }
        var cell = CellValues.fill
        cell[.mi, as: Double.self] = value
        cell[.status, as: UInt8.self] = code.rawValue
        cell[.samples, as: Int32.self] = Int32(clamping: used)
        cell[.pvalue, as: Double.self] = pValue
        store(index, cell, reason: code == .failed ? reason : .none)
    }

    /// Jitter (when configured) and the estimator's preparation of one variable's samples.
    /// `whole`: the variable's full column (not a pair's subset), whose tie profile is recorded.
    func prepare(_ data: VariableData, variable: Int, whole: Bool = false) -> PreparedVariable {
        var values = data
        if let jitter, jitter > 0 { values = values.jittered(scale: jitter, seed: seed, variableIndex: UInt64(variable)) }
        let (prepared, ties) = estimator.prepare(values, variable: variable,
                                                 discrete: variable < discrete.count && discrete[variable])
        if whole { tieKinds[variable] = ties.rawValue + 1 }
        return prepared
    }

    /// Stores cell `index`'s values in every layer of the run (also used when resuming from
    /// a checkpoint); layers the run does not write are ignored.
    func store(_ index: Int, _ values: CellValues, reason: FailureReason = .none) {
        let (r, c) = cells[index]
        let width = pairs.columns.count
        layers.store(values, at: r * width + c, mirror: pairs.isSymmetric ? c * width + r : nil)
        reasonCodes[index] = reason.rawValue
    }

    /// The journal record of cell `index` (its values in every layer and its failure reason).
    func record(_ index: Int) -> CellRecord {
        let (r, c) = cells[index]
        return CellRecord(values: layers.values(at: r * pairs.columns.count + c), reason: reasonCodes[index], cell: index)
    }

    /// Counts and describes the failed cells among `indices` (one warning per distinct reason).
    func failures(among indices: [Int], names: (Int) -> String) -> (count: Int, warnings: [String]) {
        var count = 0
        var warnings: [String] = []
        var reported = Set<String>()
        let width = pairs.columns.count
        for index in indices where status[cells[index].row * width + cells[index].column] == PairStatus.failed.rawValue {
            count += 1
            guard let reason = reasons[index], reported.insert(reason).inserted else { continue }
            if reported.count > 20 { continue }
            warnings.append("pair ('\(names(pairs.rows[cells[index].row]))', '\(names(pairs.columns[cells[index].column]))'): \(reason)")
        }
        return (count, warnings)
    }

    /// Failed cells among `indices` counted by reason label.
    func reasonCounts(among indices: [Int]) -> [String: Int] {
        var counts: [String: Int] = [:]
        let width = pairs.columns.count
        for index in indices where status[cells[index].row * width + cells[index].column] == PairStatus.failed.rawValue {
            let reason = FailureReason(rawValue: reasonCodes[index]) ?? .other
            counts[(reason == .none ? .other : reason).label, default: 0] += 1
        }
        return counts
    }

    /// The matrix with the given axis names; failure reasons counted over `indices`
    /// (default: every cell).
    ///
    /// Every layer's values are moved out of the kernel, not copied (a matrix is not held
    /// twice while it is written): call it once, after the last cell.
    func takeMatrix(names: [String], reasonsAmong indices: [Int]? = nil) -> MIMatrix {
        let reasons = reasonCounts(among: indices ?? Array(cells.indices))
        return MIMatrix(rowNames: pairs.rows.map { names[$0] }, columnNames: pairs.columns.map { names[$0] },
                        layers: layers.take(), failureReasons: reasons)
    }
}

/// Texts for a few of many indices, written by several threads: 16 bytes a cell would
/// be a megabyte per 65,536 cells of mostly `nil`.
final class SparseTexts: Sendable {
    private let texts = Mutex<[Int: String]>([:])

    subscript(index: Int) -> String? {
        get { texts.withLock { $0[index] } }
        set { texts.withLock { $0[index] = newValue } }
    }
}

/// Per-variable preparation: jitter, normalization, estimator structures.
enum Preparation {
    /// Prepares the variables at `indices` in parallel; other slots stay `nil`.
    ///
    /// With `--nan pairwise`, a variable holding non-finite samples is kept raw (prepared per
    /// pair later); other variables are prepared whole and keep their raw values too.
    static func prepare(_ indices: [Int], data: @escaping @Sendable (Int) -> VariableData, count: Int,
                        kernel: CellKernel, configuration: RunConfiguration) -> [PreparedVariable?] {
        let slots = SharedBuffer<PreparedVariable?>(repeating: nil, count: count)
        WorkerPool.run(threads: configuration.threads, count: indices.count) { position in
            let index = indices[position]
            let values = data(index)
            if configuration.nan == .pairwise {
                let mask = PairwiseVariable.finiteMask(values)
                let whole = mask == nil ? kernel.prepare(values, variable: index, whole: true) : nil
                slots[index] = .pairwise(PairwiseVariable(raw: values, finite: mask, whole: whole))
            } else {
                slots[index] = kernel.prepare(values, variable: index, whole: true)
            }
        }
        return slots.array
    }

    /// One warning per variable that could not be prepared.
    static func warnings(_ indices: [Int], prepared: [PreparedVariable?], name: (Int) -> String) -> [String] {
        indices.compactMap { index in
            let failure: String
            switch prepared[index] {
            case let .failed(reason, _)?: failure = reason
            case let .pairwise(variable)?:
                guard case let .failed(reason, _)? = variable.whole else { return nil }
                failure = reason
            default: return nil
            }
            let reason = failure
            return "variable '\(name(index))': \(reason); its pairs are NaN with status 2"
        }
    }
}
