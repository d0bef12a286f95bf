import Foundation
import HDF5
@testable import MIBatch
import MIEstimators

/// Runs the engine's real path (HDF5 input → catalog → plan → `Engine.run`) on columns held
/// in memory: they are written as the samples × variables dataset `/x` (names in `/names`)
/// of a temporary file, removed again before returning. Or, for any ``InputSource``
/// (``InMemorySource``), the same plan and engine without a file.
enum EngineHarness {
    /// The outcome of `configuration` (its input, dataset and names are replaced) over `columns`.
    static func run(_ columns: [(name: String, values: [Double])], configuration: RunConfiguration) throws -> EngineOutcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mibatch-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("in.h5").path
        let samples = columns.first?.values.count ?? 0
        var values = [Double](repeating: 0, count: samples * columns.count)
        for (j, column) in columns.enumerated() {
            for i in 0..<samples { values[i * columns.count + j] = column.values[i] }
        }
        do {
            let file = try File.create(path)
            try file.createDataset("/x", type: .float64, shape: [samples, columns.count]).write(values)
            _ = try file.createStringDataset("/names", values: columns.map(\.name))
        }
        var configuration = configuration
        configuration.input = path
        configuration.dataset = "/x"
        configuration.names = "/names"
        configuration.output = dir.appendingPathComponent("unused.h5").path
        let (source, plan) = try Job.plan(configuration)
        return try Engine(configuration: configuration, source: source, plan: plan).run()
    }

    /// The outcome of `configuration` over `source` (any input format): the plan and the
    /// engine `mibatch run` uses, without the HDF5 input file.
    static func run(_ source: any InputSource, configuration: RunConfiguration) throws -> EngineOutcome {
        let plan = try Job.plan(configuration, source: source)
        return try Engine(configuration: configuration, source: source, plan: plan).run()
    }

    /// `columns` restricted to the samples at `rows`.
    static func selecting(_ columns: [(name: String, values: [Double])], rows: [Int]) -> [(name: String, values: [Double])] {
        columns.map { column in (column.name, rows.map { column.values[$0] }) }
    }
}
