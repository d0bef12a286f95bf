import CZlib
import Foundation
import MIEstimators

/// The projected time and output size of a run (`mibatch plan`), from a short calibration
/// on the run's own data and machine.
///
/// The calibration reads a run of consecutive variables (up to 256, or fewer for slow
/// estimators), prepares them, and runs the engine's own tile runner on their pairs with the
/// run's threads; it deflates and inflates their shuffled estimates as the writer does. The
/// projection scales each part by what the run does more of: reads by input bytes,
/// preparation by variables, estimation by the plan's cost units (the estimator's cost
/// model), writing by output bytes. Checkpointing and the page cache's state are not
/// modelled.
public struct Projection: Sendable {
    /// Seconds of the whole run: ``scan`` + ``prepare`` + ``estimate`` + ``write``.
    public var seconds: Double { scan + prepare + estimate + write }
    /// Reading, digesting and checking the input.
    public var scan: Double
    /// Preparing every variable (normalization, ranks, search structures).
    public var prepare: Double
    /// Estimating every pair (with `--screen`: the screen over every pair, then the refined pairs).
    public var estimate: Double
    /// Compressing, writing and verifying the output.
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
    /// projects `plan` run with `configuration`.
    ///
    /// - Complexity: about a second of measurement.
    public static func measure(_ configuration: RunConfiguration, source: any InputSource, plan: ExecutionPlan,
                               shards: Int?) throws(MIBatchError) -> Projection {
        let catalog = source.catalog
        let clock = ContinuousClock()
        func seconds(_ body: () throws(MIBatchError) -> Void) throws(MIBatchError) -> Double {
            let start = clock.now
            try body()
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
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

        // Output: the matrices of every present layer, deflated as the writer does.
        let cells = plan.pairs.rows.count * plan.pairs.columns.count
        let layerBytes = MatrixLayer.all.filter { $0.isPresent(in: configuration) }.reduce(0) { $0 + $1.element.bytes }
        let outputBytes = cells * layerBytes
        let (ratio, deflateRate, inflateRate) = Self.compression(main.values, configuration.compression)
        let write = Double(outputBytes) / deflateRate / threads + Double(outputBytes) / inflateRate
        var projection = Projection(scan: scan, prepare: prepare, estimate: estimate, write: write, outputBytes: outputBytes,
                                    compressedBytes: Int(Double(outputBytes) * ratio), basis: basis)
        if let shards, shards > 1 {
            projection.shardSeconds = (0..<shards).map { shard in
                let tiles = plan.shardTiles(shard, of: shards)
                let share = plan.totalCost > 0 ? tiles.reduce(0) { $0 + plan.tiles[$1].cost } / plan.totalCost : 0
                // Every shard scans all input and (with --screen) screens every pair.
                return scan + prepare + estimate * share + write * share
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

    /// Compressed/uncompressed ratio and deflate and inflate rates (bytes per second, one
    /// thread) of `values` byte-shuffled and deflated at the run's level.
    static func compression(_ values: [Double], _ compression: OutputCompression) -> (Double, Double, Double) {
        guard case let .deflate(level) = compression, !values.isEmpty else { return (1, 2e9, 4e9) }
        // A few copies make the sample at least 1 MiB, as big as a chunk.
        var sample = values
        while sample.count < 1 << 17 { sample += values }
        let n = sample.count, width = 8
        var shuffled = [UInt8](repeating: 0, count: n * width)
        sample.withUnsafeBytes { raw in
            for i in 0..<n { for b in 0..<width { shuffled[b * n + i] = raw[i * width + b] } }
        }
        var bound = compressBound(uLong(shuffled.count))
        var packed = [UInt8](repeating: 0, count: Int(bound))
        let clock = ContinuousClock()
        let start = clock.now
        _ = compress2(&packed, &bound, shuffled, uLong(shuffled.count), Int32(level))
        let middle = clock.now
        var length = uLong(shuffled.count)
        var unpacked = [UInt8](repeating: 0, count: shuffled.count)
        _ = uncompress(&unpacked, &length, packed, bound)
        let end = clock.now
        func s(_ d: Duration) -> Double { max(1e-6, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) }
        return (Double(bound) / Double(shuffled.count), Double(shuffled.count) / s(middle - start), Double(shuffled.count) / s(end - middle))
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
        var lines = ["projected time: \(Self.format(seconds)) (read \(Self.format(scan)), prepare \(Self.format(prepare)), "
            + "estimate \(Self.format(estimate)), write \(Self.format(write)); \(basis))",
            "output: \(MemorySize.format(outputBytes)) of matrices, about \(MemorySize.format(compressedBytes)) compressed"]
        for (i, s) in shardSeconds.enumerated() { lines.append("  shard \(i + 1)/\(shardSeconds.count): projected \(Self.format(s))") }
        return lines
    }
}
