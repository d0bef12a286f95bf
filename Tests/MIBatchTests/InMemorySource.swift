@testable import MIBatch
import MIEstimators
import Synchronization

/// An input format that is no file at all: samples × positions held in memory, grouped
/// into variables like `--variables`. It shows the engine needs nothing of an input but
/// ``InputSource``, and it records how the engine used it.
final class InMemorySource: InputSource, @unchecked Sendable {
    /// How the engine called the source.
    struct Usage: Sendable {
        /// Full scans, and the variables each retained.
        var scans: [Set<Int>] = []
        /// Each `load` call's variables, in call order.
        var loads: [[Int]] = []
        /// Calls running at once, now and at most (the contract: never more than one).
        var active = 0, maxActive = 0
    }

    private(set) var catalog: InputCatalog
    /// `positions[p]`: the samples of variables-axis position p, in order.
    let positions: [[Double]]
    private let usage = Mutex(Usage())

    /// Keeps the variables at `variables`, in that order.
    func select(_ variables: [Int]) { catalog.variables = variables.map { catalog.variables[$0] } }

    /// Columns as positions; each group becomes a variable (default: one per column, named
    /// by the column). Positions in no group are stored (and digested) but not variables.
    init(columns: [(name: String, values: [Double])], groups: [ColumnGroup]? = nil) {
        positions = columns.map(\.values)
        let samples = columns.first?.values.count ?? 0
        let variables = groups.map { $0.enumerated().map { VariableDescriptor(name: $1.name, dataset: 0, columns: $1.lower..<$1.upper) } }
            ?? columns.enumerated().map { VariableDescriptor(name: $1.name, dataset: 0, columns: $0..<($0 + 1)) }
        catalog = InputCatalog(file: "memory", datasets: [DatasetDescription(path: "/x", shape: [samples, columns.count], dtype: "float64")],
                               variables: variables, samples: samples)
    }

    /// What the engine did so far.
    var used: Usage { usage.withLock { $0 } }

    private func calling<T>(_ record: (inout Usage) -> Void, _ body: () -> T) -> T {
        usage.withLock { record(&$0); $0.active += 1; $0.maxActive = max($0.maxActive, $0.active) }
        defer { usage.withLock { $0.active -= 1 } }
        return body()
    }

    func scan(retaining: Set<Int>, bandBytes: Int) throws(MIBatchError) -> InputScan {
        calling({ $0.scans.append(retaining) }) {
            var owner = [Int?](repeating: nil, count: positions.count)
            for (index, variable) in catalog.variables.enumerated() { for p in variable.columns { owner[p] = index } }
            var scan = InputScan(digest: InputDigest.of(positions: positions), variables: nil,
                                 badSamples: [Bool](repeating: false, count: catalog.samples))
            for row in 0..<catalog.samples {
                for p in positions.indices where !positions[p][row].isFinite {
                    guard let variable = owner[p] else { continue }
                    scan.nonFiniteCount += 1
                    scan.badSamples[row] = true
                    if scan.firstNonFinite == nil {
                        scan.firstNonFinite = NonFiniteValue(dataset: 0, row: row, column: p, variable: variable, value: positions[p][row])
                    }
                }
            }
            if !retaining.isEmpty { scan.variables = values(of: Array(retaining)) }
            return scan
        }
    }

    func load(_ variables: [Int], bandBytes: Int) throws(MIBatchError) -> [Int: VariableData] {
        calling({ $0.loads.append(variables) }) { values(of: variables) }
    }

    private func values(of variables: [Int]) -> [Int: VariableData] {
        var result: [Int: VariableData] = [:]
        for index in variables {
            let columns = catalog.variables[index].columns
            var values = [Double]()
            for row in 0..<catalog.samples { for p in columns { values.append(positions[p][row]) } }
            result[index] = VariableData(count: catalog.samples, dimension: columns.count, values: values)
        }
        return result
    }

    var provenance: InputProvenance {
        InputProvenance(attributes: [("input_file", "memory"), ("input_shape", "\(catalog.samples)x\(positions.count)")],
                        samples: catalog.samples)
    }

    var planDescription: String { "memory (\(catalog.samples) samples × \(positions.count) positions)" }
}
