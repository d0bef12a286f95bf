import Foundation
import MIEstimators

/// Status codes stored in `/status` (design.md §5).
public enum PairStatus: UInt8, Sendable {
    /// Not computed (not part of this run or shard; the diagonal of an all-pairs matrix).
    case notComputed = 0
    /// Computed; the value in `/mi` is the estimate.
    case computed = 1
    /// Could not be computed (constant variable, too few samples, ...): `/mi` holds NaN.
    case failed = 2
}

/// A computed MI matrix with its axes and per-pair status.
public struct MIMatrix: Sendable {
    /// Names along the first axis (`/var_i`).
    public var rowNames: [String]
    /// Names along the second axis (`/var_j`).
    public var columnNames: [String]
    /// Row-major MI values in the configured units; NaN where not computed or failed.
    public var values: [Double]
    /// Row-major `PairStatus` raw values.
    public var status: [UInt8]

    /// Value at (i, j).
    public subscript(i: Int, j: Int) -> Double { values[i * columnNames.count + j] }
}

/// One variable of an in-memory input: its name and its samples.
public struct InputVariable: Sendable {
    /// Name used for `/var_i`, `/var_j`.
    public var name: String
    /// n samples × d dimensions.
    public var data: VariableData

    /// Creates a variable.
    public init(name: String, data: VariableData) {
        self.name = name
        self.data = data
    }
}

/// The outcome of computing a matrix: the matrix plus what went wrong where.
public struct RunResult: Sendable {
    /// The matrix.
    public var matrix: MIMatrix
    /// Cells computed and failed in this run.
    public var computedPairs: Int
    public var failedPairs: Int
    /// One line per problem a user should know about (each names the variable or pair).
    public var warnings: [String]
}

/// Writes one cell's estimate into shared result buffers; used by every worker thread.
///
/// Each cell touches only its own slots (and its mirror for a symmetric plan), so results
/// never depend on which thread computed them or when.
struct CellKernel: Sendable {
    let estimator: PairEstimator
    let scale: Double
    let pairs: PairPlan
    let cells: [(row: Int, column: Int)]
    let values: SharedBuffer<Double>
    let status: SharedBuffer<UInt8>
    let reasons: SharedBuffer<String?>

    init(configuration: RunConfiguration, pairs: PairPlan, cells: [(row: Int, column: Int)]) {
        estimator = PairEstimator(configuration)
        scale = configuration.units.fromNats
        self.pairs = pairs
        self.cells = cells
        let size = pairs.rows.count * pairs.columns.count
        values = SharedBuffer(repeating: .nan, count: size)
        status = SharedBuffer(repeating: PairStatus.notComputed.rawValue, count: size)
        reasons = SharedBuffer(repeating: nil, count: cells.count)
    }

    /// Estimates cell `index` from the prepared row and column variables.
    func run(_ index: Int, _ x: PreparedVariable?, _ y: PreparedVariable?) {
        let (r, c) = cells[index]
        var value = Double.nan
        var code = PairStatus.failed
        if case let .ready(a)? = x, case let .ready(b)? = y {
            do {
                value = try estimator.estimate(a, b, variables: (pairs.rows[r], pairs.columns[c])) * scale
                if value.isNaN { reasons[index] = "estimate is NaN" } else { code = .computed }
            } catch {
                reasons[index] = "\(error)"
                value = .nan
            }
        }
        store(index, value: value, status: code.rawValue)
    }

    /// Stores a value (also used when resuming from a checkpoint).
    func store(_ index: Int, value: Double, status code: UInt8) {
        let (r, c) = cells[index]
        let width = pairs.columns.count
        values[r * width + c] = value
        status[r * width + c] = code
        if pairs.isSymmetric {
            values[c * width + r] = value
            status[c * width + r] = code
        }
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
            warnings.append("pair ('\(names(pairs.rows[cells[index].row]))', '\(names(pairs.columns[cells[index].column]))'): \(reason)")
        }
        return (count, warnings)
    }

    /// The matrix with the given axis names.
    func matrix(names: [String]) -> MIMatrix {
        MIMatrix(rowNames: pairs.rows.map { names[$0] }, columnNames: pairs.columns.map { names[$0] },
                 values: values.array, status: status.array)
    }
}

/// Computes matrices from variables already in memory (no HDF5): the library entry point
/// and the engine's reference in tests.
public enum Runner {
    /// The pair plan of `configuration` over variables named `names`: all pairs, or X × Y.
    public static func plan(names: [String], configuration: RunConfiguration) throws(MIBatchError) -> PairPlan {
        switch (configuration.xVariables, configuration.yVariables) {
        case (nil, nil): return .allPairs(names.count)
        case let (x?, y?): return try .rectangular(x: x, y: y, names: names)
        default: throw .invalidOption("--x-vars and --y-vars go together")
        }
    }

    /// Computes every cell of `plan` over `variables`; bit-identical for any `threads`.
    ///
    /// - Complexity: one preparation per variable in the plan plus one estimate per cell.
    public static func compute(_ variables: [InputVariable], plan: PairPlan, configuration: RunConfiguration) -> RunResult {
        let cells = plan.cells
        let kernel = CellKernel(configuration: configuration, pairs: plan, cells: cells)
        let used = Set(plan.rows + plan.columns).sorted()
        let prepared = Preparation.prepare(used, data: { variables[$0].data }, count: variables.count,
                                           estimator: kernel.estimator, configuration: configuration)
        var warnings = Preparation.warnings(used, prepared: prepared) { variables[$0].name }
        WorkerPool.run(threads: configuration.threads, count: cells.count) { index in
            kernel.run(index, prepared[plan.rows[cells[index].row]], prepared[plan.columns[cells[index].column]])
        }
        let failed = kernel.failures(among: Array(cells.indices)) { variables[$0].name }
        warnings += failed.warnings
        return RunResult(matrix: kernel.matrix(names: variables.map(\.name)), computedPairs: cells.count - failed.count,
                         failedPairs: failed.count, warnings: warnings)
    }
}

/// Per-variable preparation: jitter, normalization, estimator structures.
enum Preparation {
    /// Prepares the variables at `indices` in parallel; other slots stay `nil`.
    static func prepare(_ indices: [Int], data: @escaping @Sendable (Int) -> VariableData, count: Int,
                        estimator: PairEstimator, configuration: RunConfiguration) -> [PreparedVariable?] {
        let slots = SharedBuffer<PreparedVariable?>(repeating: nil, count: count)
        WorkerPool.run(threads: configuration.threads, count: indices.count) { position in
            let index = indices[position]
            var values = data(index)
            if let jitter = configuration.jitter, jitter > 0 {
                values = values.jittered(scale: jitter, seed: configuration.seed, variableIndex: UInt64(index))
            }
            slots[index] = estimator.prepare(values)
        }
        return slots.array
    }

    /// One warning per variable that could not be prepared.
    static func warnings(_ indices: [Int], prepared: [PreparedVariable?], name: (Int) -> String) -> [String] {
        indices.compactMap { index in
            guard case let .failed(reason)? = prepared[index] else { return nil }
            return "variable '\(name(index))': \(reason); its pairs are NaN with status 2"
        }
    }
}
