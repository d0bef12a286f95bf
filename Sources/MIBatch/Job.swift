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
    /// A short human-readable summary (several lines).
    public var text: String
}

/// One complete `mibatch run`: check output, load, compute, write atomically.
public enum Job {
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
        let input = try InputLoader.load(configuration)
        if configuration.estimator == .ksg && input.samples <= configuration.k {
            throw .tooFewSamples(file: configuration.input, dataset: input.datasets.map(\.path).joined(separator: ", "),
                                 samples: input.samples, required: configuration.k + 1)
        }
        let plan = try Runner.plan(input, configuration: configuration)
        let result = Runner.compute(input, plan: plan, configuration: configuration)
        result.warnings.forEach(warn)
        let provenance = Provenance(commandLine: commandLine, configuration: configuration, input: input,
                                    start: start, end: Date())
        try OutputWriter.write(result.matrix, provenance: provenance, to: configuration.output,
                               overwrite: configuration.force)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let text = """
            mibatch: wrote \(configuration.output)
              /mi \(plan.rows.count) × \(plan.columns.count): \(result.computedPairs) pairs computed, \(result.failedPairs) failed; \
            \(configuration.estimatorLabel), \(configuration.units.rawValue)
              \(input.samples) samples, \(String(format: "%.2f", seconds)) s on \(configuration.threads) thread\(configuration.threads == 1 ? "" : "s")
            """
        return JobSummary(output: configuration.output, computedPairs: result.computedPairs,
                          failedPairs: result.failedPairs, seconds: seconds, text: text)
    }
}
