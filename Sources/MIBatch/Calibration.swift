import Foundation
import MIEstimators

/// The projected time and output size of a run (`mibatch plan`), from a short calibration
/// on the run's own data and machine.
///
/// The calibration reads the variables of the run's first two blocks (all of them for gcmi,
/// a few for slow estimators), prepares them, and runs the engine's own tile runner on their
/// pairs with the run's threads. It journals their estimates into a scratch checkpoint, and
/// writes a sample matrix of them (up to 1,024 x 1,024, the run's layers, compression and
/// chunks) through the output writer into a scratch file beside the output, reading it back
/// and syncing it as a run does. The projection scales each part by what the run does more
/// of: reads by input bytes, preparation by variables, estimation by the plan's cost units
/// (the estimator's cost model), the journal by cells, writing by output cells, plus the
/// set-up the plan command itself took (opening the input, the catalog, the plan). The page
/// cache's state is not modelled.
public struct Projection: Sendable {
    /// Seconds of the whole run: ``setup`` + ``scan`` + ``prepare`` + ``estimate`` +
    /// ``journal`` + ``write``.
    public var seconds: Double { setup + scan + prepare + estimate + journal + write }
    /// Opening the input, reading its catalog and making the plan (as `mibatch plan` took).
    public var setup: Double = 0
    /// Reading, digesting and checking the input.
    public var scan: Double
    /// Preparing every variable (normalization, ranks, search structures).
    public var prepare: Double
    /// Estimating every pair (with `--screen`: the screen over every pair, then the refined pairs).
    public var estimate: Double
    /// The checkpoint journal's share of the estimation threads' time.
    public var journal: Double = 0
    /// Collecting, compressing, writing, verifying and syncing the output.
    public var write: Double
    /// Bytes of the output's matrices before compression.
    public var outputBytes: Int
    /// The expected bytes after compression (from the calibration's own values).
    public var compressedBytes: Int
    /// Seconds of each shard, with `--shards`.
    public var shardSeconds: [Double] = []
    /// What was measured, in words.
    public var basis: String

    /// Calibrates on `source` (narrowing it to the calibration variables: call last) and
    /// projects `plan` run with `configuration`; `setup` is the seconds the caller took to
    /// open the input and make the plan (a run does the same).
    ///
    /// - Complexity: about a second of measurement.
    public static func measure(_ configuration: RunConfiguration, source: any InputSource, plan: ExecutionPlan,
                               shards: Int?, setup: Double = 0) throws(MIBatchError) -> Projection {
        let catalog = source.catalog
        let clock = ContinuousClock()
        func seconds(_ body: () throws(MIBatchError) -> Void) throws(MIBatchError) -> Double {
            let start = clock.now
            try body()
            return (clock.now - start).seconds
        }
        let variables = Array(Set(plan.pairs.rows + plan.pairs.columns)).sorted()
        // The run's first block (the variables of its first tile): for gcmi all of it, so the
        // calibration's products have the run's shape; for cell-by-cell estimators a few of them.
        let count = switch configuration.estimator.kind {
        case .gcmi: 640
        case .mine: 4
        case .ksg, .binned: 32
        }
        // Rows from the run's first block, columns from its second: a full off-diagonal tile
        // as most of the run's tiles are (for gcmi the whole blocks, so the calibration's
        // products have the run's shapes).
        let rows = Array((plan.blocks.first ?? []).prefix(count))
        let columns = plan.blocks.count > 1 ? Array(plan.blocks[1].prefix(count)) : []
        let sample = rows + columns
        var raw: [Int: VariableData] = [:]
        let readTime = try seconds { () throws(MIBatchError) in raw = try source.load(sample, bandBytes: plan.bandBytes) }
        let sampleBytes = sample.reduce(0) { $0 + catalog.variables[$1].dimension } * catalog.samples * 8
        let scan = readTime * Double(catalog.totalBytes) / Double(max(sampleBytes, 1))

        // Estimation (and preparation) for the run's estimator and, with --screen, the screen's.
        func calibrate(_ run: RunConfiguration) throws(MIBatchError) -> (prepare: Double, perCost: Double, values: [Double]) {
            var run = run
            run.significance = nil
            run.screen = nil
            run.shard = .whole
            let pairs = PairPlan(rows: sample, columns: sample, isSymmetric: true)
            // One tile: every (row, column) pair of the sample, or every pair of the rows when
            // the run has a single block.
            var small = try ExecutionPlan.make(catalog: catalog, pairs: pairs, configuration: run, budget: max(plan.memory.budget, 1 << 30))
            var members: [Int] = []
            small.cells.forEachCell { index, r, c in
                if columns.isEmpty || (r < rows.count && c >= rows.count) { members.append(index) }
            }
            small.blocks = [sample]
            small.tiles = [Tile(index: 0, blocks: (0, 0), cells: TileCells(members), cost: members.reduce(0) { $0 + small.cellCost($1) })]
            let kernel = CellKernel(configuration: run, pairs: pairs, cells: small.cells)
            var prepared: [Int: PreparedVariable?] = [:]
            let prepareTime = try seconds { () throws(MIBatchError) in
                for v in sample { prepared[v] = kernel.prepare(raw[v]!, variable: v, whole: true) }
            }
            let runner = TileRunner(kernel: kernel, plan: small, threads: run.threads, cancellation: CancellationFlag(),
                                    onCellsDone: { _ in }, done: { _ in })
            let lookup = prepared
            // A first pass warms up (BLAS buffers, page faults, the digamma table); the second is timed.
            runner.run(Array(small.tiles[0].cells.prefix(64)), lookup: lookup)
            let estimateTime = try seconds { () throws(MIBatchError) in
                for tile in small.tiles { runner.run(Array(tile.cells), lookup: lookup) }
            }
            let values = kernel.takeMatrix(names: catalog.variables.map(\.name)).layers.values(.mi, as: Double.self) ?? []
            return (prepareTime / Double(max(sample.count, 1)), estimateTime / max(small.totalCost, 1e-300), values)
        }
        let main = try calibrate(configuration)
        let threads = Double(max(configuration.threads, 1))
        var prepare = main.prepare * Double(variables.count) / threads
        var estimate = main.perCost * plan.totalCost
        var basis = "calibrated on \(sample.count) variables"
        if let screen = configuration.screen {
            var screening = configuration
            screening.estimator = screen.choice
            let fast = try calibrate(screening)
            let screenPlan = try ExecutionPlan.make(catalog: catalog, pairs: plan.pairs, configuration: screening, budget: plan.memory.budget)
            prepare += fast.prepare * Double(variables.count) / threads
            let kept = Self.keptFraction(screen, cells: plan.cells.count, variables: variables.count)
            estimate = fast.perCost * screenPlan.totalCost + main.perCost * plan.totalCost * kept
            basis += String(format: "; refining at most %.3g%% of pairs", 100 * kept)
        }

        // Output: the matrices of every present layer, through the writer, from a sample.
        let cells = plan.pairs.rows.count * plan.pairs.columns.count
        let present = MatrixLayer.all.filter { $0.isPresent(in: configuration) }
        let outputBytes = cells * present.reduce(0) { $0 + $1.element.bytes }
        let sampled = Self.writeSample(main.values, layers: present, configuration: configuration, cells: cells,
                                       samples: catalog.samples)
        let journal = Self.journalSeconds(main.values, cells: plan.cells.count, configuration: configuration) / threads
        let write = sampled.seconds * Double(cells) / Double(max(sampled.cells, 1))
        var projection = Projection(setup: setup, scan: scan, prepare: prepare, estimate: estimate, journal: journal, write: write,
                                    outputBytes: outputBytes,
                                    compressedBytes: Int(Double(sampled.bytes) * Double(cells) / Double(max(sampled.cells, 1))),
                                    basis: basis)
        if let shards, shards > 1 {
            projection.shardSeconds = (0..<shards).map { shard in
                let tiles = plan.shardTiles(shard, of: shards)
                let share = plan.totalCost > 0 ? tiles.reduce(0) { $0 + plan.tiles[$1].cost } / plan.totalCost : 0
                // Every shard scans all input and (with --screen) screens every pair.
                return setup + scan + prepare + (estimate + journal + write) * share
            }
        }
        return projection
    }

    /// The largest share of pairs the screen's rules can keep (all for a threshold: unknown
    /// until the screen runs).
    static func keptFraction(_ screen: ScreenSettings, cells: Int, variables: Int) -> Double {
        if screen.threshold != nil { return 1 }
        var kept = 0.0
        if let top = screen.top { kept += Double(top) }
        if let fraction = screen.topFraction { kept += fraction * Double(cells) }
        if let n = screen.perVariable { kept += Double(n * variables) }
        return min(1, kept / Double(max(cells, 1)))
    }

    /// Seconds, cells and file bytes of writing a sample of the output: a square matrix of up
    /// to 2^20 cells (all of a smaller run's) holding `values` cycled in `/mi` and the other
    /// layers as a finished run holds them, written, verified and synced by ``OutputWriter``
    /// into a scratch file beside the output, then removed. Includes taking the matrix out
    /// of the kernel's buffers (one copy of every layer).
    static func writeSample(_ values: [Double], layers: [MatrixLayer], configuration: RunConfiguration, cells: Int,
                            samples: Int) -> (seconds: Double, cells: Int, bytes: Int) {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty, cells > 0 else { return (0, 1, 0) }
        let side = max(1, Int(Double(min(cells, 1 << 20)).squareRoot()))
        let count = side * side
        let stores = LayerStores(layers, cells: count)
        if let mi = stores.buffer(.mi, as: Double.self) { for i in 0..<count { mi[i] = finite[i % finite.count] } }
        if let status = stores.buffer(.status, as: UInt8.self) { for i in 0..<count { status[i] = PairStatus.computed.rawValue } }
        if let used = stores.buffer(.samples, as: Int32.self) { for i in 0..<count { used[i] = Int32(clamping: samples) } }
        let path = scratchPath(configuration, suffix: "tmp")
        defer { unlink(path) }
        let names = (0..<side).map { "v\($0)" }
        let clock = ContinuousClock(), start = clock.now
        let matrix = MIMatrix(rowNames: names, columnNames: names, layers: stores.take())
        do {
            try OutputWriter.writeFile(matrix, attributes: [], units: configuration.units.rawValue, estimator: "calibration",
                                       compression: configuration.compression, at: path)
            try OutputWriter.verify(matrix, at: path)
        } catch {
            return (0, 1, 0)
        }
        OutputWriter.syncFile(path)
        let seconds = (clock.now - start).seconds
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return (seconds, count, bytes ?? 0)
    }

    /// A scratch file of the calibration where the run writes its output and journal (their
    /// disk); without an output (`plan` without -o), in the current directory.
    static func scratchPath(_ configuration: RunConfiguration, suffix: String) -> String {
        let directory = configuration.output.isEmpty ? "."
            : URL(fileURLWithPath: configuration.output).deletingLastPathComponent().path
        return directory + "/.mibatch-calibration.\(ProcessInfo.processInfo.processIdentifier).\(suffix)"
    }

    /// Seconds of journaling `cells` cells: `values` recorded 16,384 at a time (a panel's
    /// worth) into a scratch checkpoint beside the output (as the run's), flushed and synced,
    /// scaled by cells.
    static func journalSeconds(_ values: [Double], cells: Int, configuration: RunConfiguration) -> Double {
        let count = min(max(values.count, 1), 1 << 18)
        let path = scratchPath(configuration, suffix: "ckpt")
        defer { unlink(path); unlink(path + ".new") }
        let header = Checkpoint.Header(resultKey: "calibration", digest: "", shard: "whole", cells: count)
        guard let journal = try? Checkpoint(path: path, header: header, fresh: true) else { return 0 }
        var records: [CellRecord] = []
        records.reserveCapacity(16_384)
        let clock = ContinuousClock(), start = clock.now
        for index in 0..<count {
            var entry = CellValues.fill
            entry[.mi, as: Double.self] = values.isEmpty ? 0 : values[index % values.count]
            entry[.status, as: UInt8.self] = PairStatus.computed.rawValue
            records.append(CellRecord(values: entry, cell: index))
            if records.count == 16_384 || index == count - 1 {
                journal.record(records)
                records.removeAll(keepingCapacity: true)
            }
        }
        journal.flush()
        let seconds = (clock.now - start).seconds
        journal.remove()
        return seconds * Double(cells) / Double(count)
    }

    /// `1m05s`, `42.0 s`.
    public static func format(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, total / 60 % 60)
    }

    /// The lines `mibatch plan` prints.
    public var lines: [String] {
        var lines = ["projected time: \(Self.format(seconds)) (set-up \(Self.format(setup)), read \(Self.format(scan)), "
            + "prepare \(Self.format(prepare)), estimate \(Self.format(estimate)), journal \(Self.format(journal)), "
            + "write \(Self.format(write)); \(basis))",
            "output: \(MemorySize.format(outputBytes)) of matrices, about \(MemorySize.format(compressedBytes)) compressed"]
        for (i, s) in shardSeconds.enumerated() { lines.append("  shard \(i + 1)/\(shardSeconds.count): projected \(Self.format(s))") }
        return lines
    }
}
