import Foundation

/// What a finished run reports.
public struct JobSummary: Sendable {
    /// The file written.
    public var output: String
    /// Pairs computed and failed.
    public var computedPairs: Int
    public var failedPairs: Int
    /// Wall time in seconds, from start of reading to the rename of the output.
    public var seconds: Double
    /// Peak resident memory of the process in bytes.
    public var peakMemory: Int
    /// A short human-readable summary (several lines).
    public var text: String
}

/// One complete `mibatch run`: check output, plan, compute, write atomically.
public enum Job {
    /// Resolves the input's variables and the execution plan (no values read).
    public static func plan(_ configuration: RunConfiguration) throws(MIBatchError) -> (InputCatalog, ExecutionPlan) {
        let catalog = try InputCatalog.open(configuration)
        if configuration.estimator == .ksg && catalog.samples <= configuration.k {
            throw .tooFewSamples(file: configuration.input, dataset: catalog.datasets.map(\.path).joined(separator: ", "),
                                 samples: catalog.samples, required: configuration.k + 1)
        }
        let pairs = try Runner.plan(names: catalog.variables.map(\.name), configuration: configuration)
        let plan = try ExecutionPlan.make(catalog: catalog, pairs: pairs, configuration: configuration,
                                          budget: configuration.memory ?? MemorySize.defaultBudget)
        return (catalog, plan)
    }

    /// Runs `configuration` end to end.
    ///
    /// - Parameter warn: called on the calling thread with each warning (one line each).
    /// - Throws: `MIBatchError`; no file is left under the output name when it throws.
    public static func run(_ configuration: RunConfiguration, commandLine: [String],
                           warn: (String) -> Void) throws(MIBatchError) -> JobSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let start = Date()
        try OutputWriter.preflight(configuration)
        let (catalog, plan) = try plan(configuration)
        let engine = Engine(configuration: configuration, catalog: catalog, plan: plan)
        let progress = ProgressReporter(total: engine.totalCells, interval: configuration.progressInterval,
                                        quiet: configuration.quiet) { [engine] in engine.finishedCells }
        let outcome: EngineOutcome
        do { outcome = try engine.run() } catch { progress.finish(); throw error }
        progress.finish()
        outcome.warnings.forEach(warn)
        let provenance = Provenance(commandLine: commandLine, configuration: configuration, datasets: catalog.datasets,
                                    digest: outcome.digest, start: start, end: Date())
        try OutputWriter.write(outcome.matrix, provenance: provenance, to: configuration.output,
                               overwrite: configuration.force)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let peak = MemorySize.peakResident
        let computed = outcome.doneCells - outcome.failedCells
        let text = """
            mibatch: wrote \(configuration.output)
              /mi \(plan.pairs.rows.count) × \(plan.pairs.columns.count): \(computed) pairs computed, \(outcome.failedCells) failed; \
            \(configuration.estimatorLabel), \(configuration.units.rawValue)
              \(catalog.samples) samples, \(String(format: "%.2f", seconds)) s on \(configuration.threads) thread\(configuration.threads == 1 ? "" : "s"), peak memory \(MemorySize.format(peak))
            """
        return JobSummary(output: configuration.output, computedPairs: computed, failedPairs: outcome.failedCells,
                          seconds: seconds, peakMemory: peak, text: text)
    }
}
