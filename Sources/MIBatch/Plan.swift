import Foundation

/// A unit of work: every planned cell whose row variable lies in one block and whose
/// column variable lies in another (or the same). Tiles are what shards, checkpoints and
/// the loader's reuse order are built from.
public struct Tile: Sendable, Equatable {
    /// Position in ``ExecutionPlan/tiles`` (also the tile's identity in shards and checkpoints).
    public var index: Int
    /// The two blocks (indices into ``ExecutionPlan/blocks``), `first <= second`.
    public var blocks: (first: Int, second: Int)
    /// Indices into ``ExecutionPlan/cells``, ascending.
    public var cells: TileCells
    /// Estimated cost in arbitrary units (see ``ExecutionPlan/cellCost(_:)``).
    public var cost: Double

    public static func == (a: Tile, b: Tile) -> Bool {
        a.index == b.index && a.blocks == b.blocks && a.cells == b.cells && a.cost == b.cost
    }
}

/// The cells of a tile: ascending indices into ``ExecutionPlan/cells``, stored as runs of
/// consecutive indices (a tile's cells of one matrix row are consecutive), so a plan's tiles
/// take a few bytes per row of a block instead of 8 bytes a cell.
public struct TileCells: RandomAccessCollection, Equatable, Sendable {
    /// Maximal runs of consecutive indices, ascending.
    private var runs: [Range<Int>] = []
    /// Cells before each run, and the count at the end.
    private var before: [Int] = [0]

    /// No cells.
    public init() {}

    /// The cells `indices` (ascending).
    public init(_ indices: some Sequence<Int>) {
        for index in indices { append(index) }
    }

    /// Adds `index`, which must be above every index held.
    public mutating func append(_ index: Int) {
        if let last = runs.last {
            precondition(index >= last.upperBound, "tile cells are appended in ascending order")
            if index == last.upperBound {
                runs[runs.count - 1] = last.lowerBound..<index + 1
                before[before.count - 1] += 1
                return
            }
        }
        runs.append(index..<index + 1)
        before.append(before[before.count - 1] + 1)
    }

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of cells.
    public var endIndex: Int { before[before.count - 1] }

    /// Walks the runs (no search per element).
    public func makeIterator() -> FlattenSequence<[Range<Int>]>.Iterator { runs.joined().makeIterator() }

    /// The `position`-th cell index.
    ///
    /// - Complexity: O(log runs).
    public subscript(position: Int) -> Int {
        precondition(position >= 0 && position < endIndex, "tile cell position out of range")
        var low = 0, high = runs.count   // the run holding `position`: before[low] <= position < before[low + 1]
        while high - low > 1 {
            let middle = (low + high) / 2
            if before[middle] <= position { low = middle } else { high = middle }
        }
        return runs[low].lowerBound + (position - before[low])
    }
}

/// The deterministic execution plan of a run: pairs → cells → blocks → tiles, with a
/// memory estimate. Every shard of one configuration computes the same plan.
public struct ExecutionPlan: Sendable {
    /// Which pairs the matrix holds.
    public var pairs: PairPlan
    /// The cells to estimate, as (row, column) positions in the output matrix.
    public var cells: CellList
    /// Groups of variable indices (contiguous in input order) loaded together.
    public var blocks: [[Int]]
    /// Tiles in plan order (the order of shards and checkpoints): all tiles of the lowest
    /// block first. A streamed run executes them in panels (``BlockCache/executionOrder(_:residentBlocks:)``).
    public var tiles: [Tile]
    /// Memory the run is expected to need.
    public var memory: MemoryEstimate
    /// Whether the whole input is held in memory (read once) or blocks are loaded on demand.
    public var holdsAllInput: Bool
    /// How many blocks may be resident at once (all of them when `holdsAllInput`).
    public var residentBlocks: Int
    /// Bytes per read call of the input reader.
    public var bandBytes: Int
    /// Reads per stored input byte if the plan streams straight from the input (1 when it
    /// holds all input): the scan plus every load (``ReadEstimate``).
    public var readsPerByte: Double = 1
    /// The column scratch the run streams through, when streaming straight from the input
    /// would read each byte more than ``ReadEstimate/scratchThreshold`` times.
    public var scratch: ScratchPlan? = nil
    /// Where the p-values come from and what they cost (`--permutations`), for `mibatch plan`.
    public var significance: String? = nil
    /// Upper bound of a block's prepared bytes (fixed, so tiles never depend on the machine).
    public static let blockBytesLimit = 8 << 20
    /// Samples n and per-variable dimensions (for the cost model).
    let samples: Int
    let dimensions: [Int]
    /// The run's estimator (its cost model).
    let estimator: PairEstimator

    /// Plans `pairs` over `catalog` under `configuration` and a memory budget in bytes.
    ///
    /// - Throws: `.invalidOption` when the budget cannot hold the matrix plus two variables.
    /// - Complexity: O(cells + p).
    public static func make(catalog: InputCatalog, pairs: PairPlan, configuration: RunConfiguration,
                            budget: Int) throws(MIBatchError) -> ExecutionPlan {
        let used = Set(pairs.rows + pairs.columns).sorted()
        let estimator = PairEstimator(configuration)
        let model = MemoryModel(samples: catalog.samples, threads: configuration.threads, estimator: estimator,
                                keepsRaw: configuration.nan == .pairwise,
                                bandBytes: max(1 << 20, min(8 << 20, budget / 16)))
        // /mi and /status; with --permutations /pvalue and /qvalue too.
        // With --screen, /mi_screen (8 B) and, while the screen runs, its own /mi and /status (9 B).
        let matrixBytes = pairs.rows.count * pairs.columns.count * ((configuration.significance == nil ? 9 : 25) + (configuration.screen == nil ? 0 : 17))
        // GCMI's panel route packs a batch of tiles at once (``Engine/panelBatchBytes``) and
        // keeps ~40 bytes of bookkeeping per cell of the batch (its cell list, the cells by
        // product, their journal records).
        let panelBytes = configuration.estimator.kind != .gcmi ? 0
            : min(Engine.panelBatchBytes, used.count * catalog.samples * 8) + min(Engine.panelBatchCells, pairs.cells.count) * 40
        let fixed = model.baseline + matrixBytes + model.scratch + panelBytes
        let variableBytes = used.map { model.variableBytes(dimension: catalog.variables[$0].dimension) }
        let allBytes = variableBytes.reduce(0, +)
        let largest = variableBytes.max() ?? 0
        let available = budget - fixed
        guard available >= 3 * largest else {
            let needed = fixed + 3 * largest
            throw .invalidOption("--memory \(MemorySize.format(budget)) is too small for this run: it needs at least \(MemorySize.format(needed)) (matrix \(MemorySize.format(matrixBytes)), largest variable \(MemorySize.format(largest)) prepared)")
        }
        let holdsAll = allBytes <= available
        // Logical blocks depend only on the input and the estimator, never on the budget or
        // the machine, so every shard of a configuration derives the same tiles: at most
        // `blockBytesLimit` prepared bytes and about a sixteenth of the variables each.
        let countBlock = max(1, (used.count + 15) / 16)
        var blocks: [[Int]] = []
        var current: [Int] = []
        var currentBytes = 0
        for (position, variable) in used.enumerated() {
            let bytes = variableBytes[position]
            if !current.isEmpty && (currentBytes + bytes > ExecutionPlan.blockBytesLimit || current.count >= countBlock) {
                blocks.append(current)
                current = []
                currentBytes = 0
            }
            current.append(variable)
            currentBytes += bytes
        }
        if !current.isEmpty { blocks.append(current) }
        let blockBytes = blocks.map { $0.reduce(0) { $0 + model.variableBytes(dimension: catalog.variables[$1].dimension) } }
        let largestBlock = blockBytes.max() ?? 0
        // A streamed block's raw values exist while it is read and prepared (two blocks: the
        // one being prepared and the read ahead); where the prepared form is smaller than the
        // raw values (binned: cell ids), the difference is not in `largestBlock`.
        let transient = holdsAll ? 0 : 2 * (blocks.map { members in
            members.reduce(0) { total, v in
                let d = catalog.variables[v].dimension
                return total + max(0, catalog.samples * 8 * d - model.variableBytes(dimension: d))
            }
        }.max() ?? 0)
        guard holdsAll || available - transient >= 3 * largestBlock else {
            throw .invalidOption("--memory \(MemorySize.format(budget)) is too small for this run: it needs at least \(MemorySize.format(fixed + transient + 3 * largestBlock)) (matrix \(MemorySize.format(matrixBytes)), three blocks of \(MemorySize.format(largestBlock))\(transient > 0 ? ", \(MemorySize.format(transient)) of values being prepared" : ""))")
        }
        var blockOf = [Int](repeating: -1, count: catalog.variables.count)
        for (b, members) in blocks.enumerated() { for v in members { blockOf[v] = b } }

        let cells = pairs.cells
        var plan = ExecutionPlan(pairs: pairs, cells: cells, blocks: blocks, tiles: [],
                                 memory: MemoryEstimate(budget: budget, fixed: fixed, matrix: matrixBytes, input: allBytes, resident: allBytes),
                                 holdsAllInput: holdsAll, residentBlocks: blocks.count, bandBytes: model.bandBytes, samples: catalog.samples,
                                 dimensions: catalog.variables.map(\.dimension), estimator: estimator)
        // One walk over the cells, each appended to its tile and its cost added in index order
        // (so each tile's cost is the sum over its ascending cells); costs cached by d_x + d_y.
        let blockCount = blocks.count
        var tileCells = [TileCells](repeating: TileCells(), count: blockCount * blockCount)
        var tileCost = [Double](repeating: 0, count: blockCount * blockCount)
        var costByDimensions: [Double] = []
        let dimensions = plan.dimensions, rowVariables = pairs.rows, columnVariables = pairs.columns
        cells.forEachCell { index, r, c in
            let a = blockOf[rowVariables[r]], b = blockOf[columnVariables[c]]
            let key = min(a, b) * blockCount + max(a, b)
            tileCells[key].append(index)
            let d = dimensions[rowVariables[r]] + dimensions[columnVariables[c]]
            while costByDimensions.count <= d { costByDimensions.append(.nan) }
            if costByDimensions[d].isNaN { costByDimensions[d] = estimator.cost(samples: catalog.samples, dimensions: d) }
            tileCost[key] += costByDimensions[d]
        }
        plan.tiles = tileCells.indices.filter { !tileCells[$0].isEmpty }.enumerated().map { position, key in
            Tile(index: position, blocks: (key / blockCount, key % blockCount), cells: tileCells[key], cost: tileCost[key])
        }
        if !holdsAll {
            plan.memory.fixed += transient
            plan.stream(catalog: catalog, available: available - transient, largestBlock: largestBlock, variables: used,
                        scratchPath: (configuration.output.isEmpty ? "OUTPUT" : configuration.output) + ".scratch")
        }
        return plan
    }

    /// Chooses how a streamed plan reads: the resident blocks, the read estimate and,
    /// above ``ReadEstimate/scratchThreshold`` reads per byte, a column scratch of
    /// `variables` — in memory when it fits `available` beside three blocks of
    /// `largestBlock` (fewer blocks then stay resident), otherwise in a file at `scratchPath`.
    ///
    /// - Complexity: O(tiles × residentBlocks · log tiles) (``BlockCache/loads(order:blockCount:residentBlocks:)``).
    mutating func stream(catalog: InputCatalog, available: Int, largestBlock: Int, variables: [Int], scratchPath: String) {
        func resident(_ bytes: Int) -> Int { max(3, bytes / max(1, largestBlock)) }
        residentBlocks = resident(available)
        var loads = BlockCache.loads(order: BlockCache.executionOrder(tiles, residentBlocks: residentBlocks),
                                     blockCount: blocks.count, residentBlocks: residentBlocks)
        readsPerByte = ReadEstimate.readsPerByte(blocks: blocks, loads: loads, catalog: catalog)
        if readsPerByte > ReadEstimate.scratchThreshold {
            let bytes = ReadEstimate.scratchBytes(variables, catalog: catalog)
            let inMemory = available - bytes >= 3 * largestBlock
            if inMemory {
                residentBlocks = resident(available - bytes)
                loads = BlockCache.loads(order: BlockCache.executionOrder(tiles, residentBlocks: residentBlocks),
                                         blockCount: blocks.count, residentBlocks: residentBlocks)
                memory.scratch = bytes
            }
            let loadBytes = blocks.indices.reduce(0) { $0 + loads[$1] * ReadEstimate.scratchBytes(blocks[$1], catalog: catalog) }
            scratch = ScratchPlan(variables: variables, bytes: bytes, path: inMemory ? nil : scratchPath, loadBytes: loadBytes)
        }
        memory.resident = min(memory.input, residentBlocks * largestBlock)
    }

    /// Estimated relative cost of one cell: the estimator's cost model
    /// (``MutualInformationEstimator/cost(samples:dimensions:)``) at n samples and d_x + d_y.
    public func cellCost(_ cell: Int) -> Double {
        let (r, c) = cells[cell]
        return estimator.cost(samples: samples, dimensions: dimensions[pairs.rows[r]] + dimensions[pairs.columns[c]])
    }

    /// Total estimated cost.
    public var totalCost: Double { tiles.reduce(0) { $0 + $1.cost } }

    /// The tiles of shard `index` (0-based) of `count`: a deterministic longest-processing-
    /// time assignment (tiles by decreasing cost, ties by index, each to the least-loaded
    /// shard, ties to the lowest shard), returned in execution order.
    ///
    /// - Complexity: O(tiles · log tiles + tiles · count).
    public func shardTiles(_ index: Int, of count: Int) -> [Int] {
        precondition(count >= 1 && index >= 0 && index < count)
        let order = tiles.indices.sorted { tiles[$0].cost > tiles[$1].cost || (tiles[$0].cost == tiles[$1].cost && $0 < $1) }
        var load = [Double](repeating: 0, count: count)
        var owner = [Int](repeating: 0, count: tiles.count)
        for tile in order {
            var best = 0
            for s in 1..<count where load[s] < load[best] { best = s }
            owner[tile] = best
            load[best] += tiles[tile].cost
        }
        return tiles.indices.filter { owner[$0] == index }
    }
}

/// Expected memory of a run, in bytes.
public struct MemoryEstimate: Sendable, Equatable {
    /// The limit the plan was made for.
    public var budget: Int
    /// Process baseline + result matrix + per-thread scratch.
    public var fixed: Int
    /// The result matrix and status (9 bytes a cell).
    public var matrix: Int
    /// All used variables, prepared.
    public var input: Int
    /// At most this much prepared input is resident at once.
    public var resident: Int
    /// The column scratch, when it is held in memory (``ExecutionPlan/scratch``).
    public var scratch: Int = 0

    /// Expected peak.
    public var peak: Int { fixed + resident + scratch }
}

/// Bytes per variable and per run, by estimator (calibrated against measured peak RSS).
struct MemoryModel {
    var samples: Int
    var threads: Int
    var estimator: PairEstimator
    /// `--nan pairwise` keeps each variable's raw values next to the prepared ones.
    var keepsRaw: Bool
    /// Bytes per read call (the band and HDF5's conversion buffer are both this size).
    var bandBytes: Int

    /// Binary, libraries and runtime.
    var baseline: Int { 40 << 20 }
    /// Per-thread estimator scratch plus read bands.
    var scratch: Int { threads * samples * 96 + 2 * bandBytes }

    /// Raw values, normalized copy and search structures of one variable.
    func variableBytes(dimension d: Int) -> Int {
        estimator.preparedBytes(samples: samples, dimension: d) + (keepsRaw ? samples * 8 * d : 0)
    }
}
