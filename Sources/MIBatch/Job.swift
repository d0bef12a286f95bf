import Foundation
import MIEstimators
import Synchronization

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

/// An opened input narrowed to the run's variables, and the plan over it.
public struct PreparedRun {
    /// The input, its catalog already narrowed by ``selection``.
    public var source: any InputSource
    /// The execution plan over the selected variables.
    public var plan: ExecutionPlan
    /// What `--genes`, `--min-cells` and `--top-variable` kept.
    public var selection: GeneSelection
}

/// One complete `mibatch run`: check output, plan, compute (resuming from a checkpoint),
/// write atomically.
public enum Job {
    /// Opens the input (its format detected, ``InputFormat``), applies the variable
    /// selection (``GeneSelection``) and resolves the execution plan (values are read only
    /// when `--min-cells` or `--top-variable` needs their statistics).
    public static func prepare(_ configuration: RunConfiguration) throws(MIBatchError) -> PreparedRun {
        let source = try InputFormat.open(configuration, format: configuration.format)
        let budget = configuration.memory ?? MemorySize.defaultBudget
        let selection = try GeneSelection.apply(configuration, to: source, bandBytes: max(1 << 20, budget / 4))
        return PreparedRun(source: source, plan: try plan(configuration, source: source), selection: selection)
    }

    /// ``prepare(_:)`` without the selection record.
    public static func plan(_ configuration: RunConfiguration) throws(MIBatchError) -> (any InputSource, ExecutionPlan) {
        let prepared = try prepare(configuration)
        return (prepared.source, prepared.plan)
    }

    /// The execution plan of `configuration` over an opened `source` (no values read).
    ///
    /// - Throws: `.tooFewSamples` naming the source's file and datasets; option errors.
    public static func plan(_ configuration: RunConfiguration, source: any InputSource) throws(MIBatchError) -> ExecutionPlan {
        let catalog = source.catalog
        if catalog.samples < configuration.minimumSamples {
            throw .tooFewSamples(file: catalog.file, dataset: catalog.datasets.map(\.path).joined(separator: ", "),
                                 samples: catalog.samples, required: configuration.minimumSamples)
        }
        let pairs = try Runner.plan(names: catalog.variables.map(\.name), configuration: configuration)
        var plan = try ExecutionPlan.make(catalog: catalog, pairs: pairs, configuration: configuration,
                                          budget: configuration.memory ?? MemorySize.defaultBudget)
        if let significance = configuration.significance {
            plan.significance = try significance.planDescription(configuration, catalog: catalog)
        }
        return plan
    }

    /// Runs `configuration` end to end.
    ///
    /// Finished pairs are journaled to `OUTPUT.ckpt` every `checkpointInterval` seconds and
    /// on SIGTERM/SIGINT; rerunning the same command resumes from it.
    ///
    /// - Parameter log: called on the calling thread with each notice or warning (one line each).
    /// - Throws: `MIBatchError` (`.interrupted` after a signal); no file is left under the
    ///   output name when it throws.
    public static func run(_ configuration: RunConfiguration, commandLine: [String],
                           log: @escaping (String) -> Void) throws(MIBatchError) -> JobSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let start = Date()
        var configuration = configuration
        let outputPath = configuration.shard.outputPath(for: configuration.output)
        configuration.output = outputPath
        try OutputWriter.preflight(configuration)
        let prepared = try prepare(configuration)
        let (source, plan) = (prepared.source, prepared.plan)
        var screenSummary: (label: String, selected: Int)? = nil
        let catalog = source.catalog
        let tiles = plan.shardTiles(configuration.shard.index - 1, of: configuration.shard.count)
        let engine = try Engine(configuration: configuration, source: source, plan: plan, tiles: tiles)
        if configuration.shard.source == "slurm" {
            log("notice: shard \(configuration.shard) from SLURM array variables; writing \(outputPath)")
        }
        let digest = try engine.scanInput()
        if engine.droppedRows > 0 {
            log("notice: --nan drop-rows: dropped \(engine.droppedRows) of \(catalog.samples) samples holding NaN or infinite values")
        }
        if !configuration.force,
           let existing = try OutputWriter.existingResult(at: outputPath, resultKey: configuration.resultKey,
                                                          digest: digest, shard: configuration.shard.description) {
            log("notice: \(outputPath) already holds this result (same input digest, options and shard); nothing to do")
            return JobSummary(output: outputPath, computedPairs: existing.computed, failedPairs: existing.failed, seconds: 0,
                              peakMemory: MemorySize.peakResident,
                              text: "mibatch: \(outputPath) is already complete (\(existing.computed) pairs computed, \(existing.failed) failed)")
        }

        let header = Checkpoint.Header(resultKey: configuration.resultKey, digest: digest,
                                       shard: configuration.shard.description, cells: plan.cells.count)
        let checkpointPath = Checkpoint.path(for: outputPath)
        let restored = try Checkpoint.load(path: checkpointPath, expected: header)
        if let restored { log("notice: resuming from \(checkpointPath): \(restored.count) of \(engine.totalCells) pairs already done") }
        let checkpoint = try Checkpoint(path: checkpointPath, header: header, fresh: restored == nil)
        engine.onCellsDone = { [checkpoint] entries in checkpoint.record(entries) }
        engine.onNotice = log
        if configuration.screen != nil {
            let screen = try ScreenResult.compute(configuration, source: source, plan: plan)
            log("notice: screen \(screen.label): \(plan.cells.count) pairs in \(String(format: "%.2f", screen.seconds)) s; refining \(screen.selectedCount) of them (\(configuration.screen!.ruleDescription))")
            engine.screen = screen
            screenSummary = (screen.label, screen.selectedCount)
        }

        let trap = SignalTrap { engine.cancellation.cancel() }
        let flusher = Periodic(interval: configuration.checkpointInterval) { [checkpoint] in checkpoint.flush() }
        let progress = ProgressReporter(total: engine.totalCells, interval: configuration.progressInterval,
                                        quiet: configuration.quiet) { [engine] in engine.finishedCells }
        let outcome: EngineOutcome
        do {
            outcome = try engine.run(restored: restored ?? [:])
        } catch {
            progress.finish(); flusher.stop(); trap.release()
            checkpoint.flush()
            throw error
        }
        progress.finish()
        flusher.stop()
        if !checkpoint.flush() { log("warning: could not write checkpoint \(checkpointPath)") }
        trap.release()
        if outcome.cancelled {
            throw .interrupted(signal: trap.signalName ?? "a signal", checkpoint: checkpointPath,
                               done: outcome.doneCells, total: outcome.totalCells)
        }
        outcome.warnings.forEach { log("warning: " + $0) }
        var provenance = Provenance(commandLine: commandLine, configuration: configuration, input: source.provenance,
                                    digest: digest, start: start, end: Date())
        provenance.shard = configuration.shard
        provenance.droppedRows = engine.droppedRows
        provenance.variableSelection = prepared.selection
        provenance.ties = outcome.ties
        if let hint = outcome.ties?.integerHint { log(hint) }
        var matrix = outcome.matrix
        if configuration.estimator.kind == .gcmi || configuration.screen?.estimator == .gcmi {
            provenance.extraAttributes.append(("blas", GCMI.blasDescription))
        }
        if let screenSummary, let settings = configuration.screen {
            matrix.screenEstimator = screenSummary.label
            provenance.screen = "screen: \(screenSummary.label) over every pair; refined by \(configuration.estimatorLabel): \(settings.ruleDescription) (\(screenSummary.selected) of \(plan.cells.count) pairs); status 3 = screened out, /mi_screen holds the screen's values"
        }
        if let settings = configuration.significance {
            matrix.significanceMethod = outcome.significance
            var text = "p-values: " + (outcome.significance ?? "")
            if configuration.shard.count == 1 {
                matrix.addQValues(settings.correction)
                text += "; q-values: " + (matrix.correctionMethod ?? "")
                if let fdr = settings.fdr {
                    matrix.selectEdges(rate: fdr)
                    text += "; /edges: the \(matrix.edges!.count) pairs of q <= \(fdr)"
                }
                if !configuration.outputMatrices { provenance.extraAttributes += matrix.dropMatrices() }
            } else {
                text += "; q-values and /edges are computed by mibatch merge over all shards"
            }
            provenance.significance = text
        }
        try OutputWriter.write(matrix, provenance: provenance, to: outputPath, overwrite: configuration.force)
        checkpoint.remove()
        source.removeScratch()

        let elapsed = clock.now - started
        let seconds = elapsed.seconds
        let peak = MemorySize.peakResident
        let computed = outcome.doneCells - outcome.failedCells - outcome.screenedOut
        let shardText = configuration.shard.count > 1 ? " (shard \(configuration.shard): \(outcome.totalCells) of \(plan.cells.count) pairs)" : ""
        let text = """
            mibatch: wrote \(outputPath)
              /mi \(plan.pairs.rows.count) × \(plan.pairs.columns.count)\(shardText): \(computed) pairs computed, \(outcome.failedCells) failed; \
            \(configuration.estimatorLabel), \(configuration.units.rawValue)\(outcome.screenedOut > 0 ? "; \(outcome.screenedOut) screened out (/mi_screen)" : "")
              ties: \(outcome.ties?.summary ?? "not examined")
              \(catalog.samples) samples, \(String(format: "%.2f", seconds)) s on \(configuration.threads) thread\(configuration.threads == 1 ? "" : "s"), peak memory \(MemorySize.format(peak))
            """
        return JobSummary(output: outputPath, computedPairs: computed, failedPairs: outcome.failedCells,
                          seconds: seconds, peakMemory: peak, text: text)
    }
}

/// Runs a closure every `interval` seconds on its own thread until stopped.
final class Periodic: @unchecked Sendable {
    private let stopSignal = DispatchSemaphore(value: 0)
    private let thread: Thread

    init(interval: Double, _ body: @escaping @Sendable () -> Void) {
        let semaphore = stopSignal
        thread = Thread {
            while semaphore.wait(timeout: .now() + max(0.05, interval)) == .timedOut { body() }
        }
        thread.start()
    }

    /// Stops and waits for the thread to finish.
    func stop() {
        stopSignal.signal()
        while !thread.isFinished { usleep(1000) }
    }
}

/// Turns SIGTERM and SIGINT into a cancellation request while a run computes.
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let received = SignalName()
    private let queue = DispatchQueue(label: "mibatch.signals")

    /// The signal received, if any (`SIGTERM` or `SIGINT`).
    var signalName: String? { received.value.withLock { $0 } }

    init(_ onSignal: @escaping @Sendable () -> Void) {
        for (number, label) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [received] in
                received.value.withLock { if $0 == nil { $0 = label } }
                onSignal()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores default signal handling.
    func release() {
        sources.forEach { $0.cancel() }
        sources.removeAll()
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }
}

/// The first signal received, shared with the signal queue.
final class SignalName: Sendable {
    let value = Mutex<String?>(nil)
}
