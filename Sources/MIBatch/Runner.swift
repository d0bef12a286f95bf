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

/// The outcome of computing a matrix: the matrix plus what went wrong where.
public struct RunResult: Sendable {
    /// The matrix.
    public var matrix: MIMatrix
    /// Pairs computed.
    public var computedPairs: Int
    /// Pairs marked failed.
    public var failedPairs: Int
    /// One line per problem a user should know about (each names the variable or pair).
    public var warnings: [String]
}

/// Prepares variables once and estimates every planned pair on a pool of threads.
public enum Runner {
    /// The pair plan of `configuration` over `input`: all pairs, or X-set × Y-set.
    public static func plan(_ input: LoadedInput, configuration: RunConfiguration) throws(MIBatchError) -> PairPlan {
        let names = input.variables.map(\.name)
        switch (configuration.xVariables, configuration.yVariables) {
        case (nil, nil): return .allPairs(names.count)
        case let (x?, y?): return try .rectangular(x: x, y: y, names: names)
        default: throw .invalidOption("--x-vars and --y-vars go together")
        }
    }

    /// Computes the matrix of `plan` over `input` under `configuration`.
    ///
    /// Per-variable work (jitter, normalization, sorting, search structures) runs once per
    /// variable; pairs then run in parallel. The result is bit-identical for any `threads`.
    /// - Complexity: one preparation per variable in the plan plus one estimate per cell.
    public static func compute(_ input: LoadedInput, plan: PairPlan, configuration: RunConfiguration) -> RunResult {
        let estimator = PairEstimator(configuration)
        let used = Set(plan.rows + plan.columns).sorted()
        let prepared = prepareAll(input.variables, indices: used, estimator: estimator, configuration: configuration)
        var warnings: [String] = []
        for index in used {
            if case let .failed(reason)? = prepared[index] {
                warnings.append("variable '\(input.variables[index].name)': \(reason); its pairs are NaN with status 2")
            }
        }

        let cells = plan.cells
        let width = plan.columns.count
        let values = SharedBuffer<Double>(repeating: .nan, count: plan.rows.count * width)
        let status = SharedBuffer<UInt8>(repeating: PairStatus.notComputed.rawValue, count: plan.rows.count * width)
        let reasons = SharedBuffer<String?>(repeating: nil, count: cells.count)
        let scale = configuration.units.fromNats
        WorkerPool.run(threads: configuration.threads, count: cells.count) { index in
            let (r, c) = cells[index]
            var value = Double.nan
            var code = PairStatus.failed
            if case let .ready(x)? = prepared[plan.rows[r]], case let .ready(y)? = prepared[plan.columns[c]] {
                do {
                    value = try estimator.estimate(x, y) * scale
                    if value.isNaN { reasons[index] = "estimate is NaN" } else { code = .computed }
                } catch {
                    reasons[index] = "\(error)"
                    value = .nan
                }
            }
            values[r * width + c] = value
            status[r * width + c] = code.rawValue
            if plan.isSymmetric {
                values[c * width + r] = value
                status[c * width + r] = code.rawValue
            }
        }
        let statusArray = status.array
        var failed = 0
        var reported = Set<String>()
        for (index, cell) in cells.enumerated() where statusArray[cell.row * width + cell.column] == PairStatus.failed.rawValue {
            failed += 1
            guard let reason = reasons[index], reported.insert(reason).inserted else { continue }
            let a = input.variables[plan.rows[cell.row]].name, b = input.variables[plan.columns[cell.column]].name
            warnings.append("pair ('\(a)', '\(b)'): \(reason)")
        }
        let matrix = MIMatrix(rowNames: plan.rows.map { input.variables[$0].name },
                              columnNames: plan.columns.map { input.variables[$0].name },
                              values: values.array, status: statusArray)
        return RunResult(matrix: matrix, computedPairs: cells.count - failed, failedPairs: failed, warnings: warnings)
    }

    /// Jitters, normalizes and prepares the variables at `indices` (in parallel; each
    /// independent of the others). Other slots stay `nil`.
    static func prepareAll(_ variables: [InputVariable], indices: [Int], estimator: PairEstimator,
                           configuration: RunConfiguration) -> [PreparedVariable?] {
        let slots = SharedBuffer<PreparedVariable?>(repeating: nil, count: variables.count)
        WorkerPool.run(threads: configuration.threads, count: indices.count) { position in
            let index = indices[position]
            var data = variables[index].data
            if let jitter = configuration.jitter, jitter > 0 {
                data = data.jittered(scale: jitter, seed: configuration.seed, variableIndex: UInt64(index))
            }
            slots[index] = estimator.prepare(data)
        }
        return slots.array
    }
}
