import Foundation
import MIEstimators
import Synchronization

/// A flag a signal handler or caller sets to stop a run between cells.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    /// Creates an unset flag.
    public init() {}
    /// Requests cancellation.
    public func cancel() { flag.store(true, ordering: .relaxed) }
    /// Whether cancellation was requested.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// What the engine produced.
public struct EngineOutcome: Sendable {
    /// The matrix: computed, restored and failed cells filled; others NaN / status 0.
    public var matrix: MIMatrix
    /// `sha256:` digest of the whole input (storage order).
    public var digest: String
    /// Cells of this run's tiles that are done (computed or failed), including restored ones.
    public var doneCells: Int
    /// Cells of this run's tiles in all.
    public var totalCells: Int
    /// Failed cells among the done ones.
    public var failedCells: Int
    /// Warnings (variables that could not be prepared, failed pairs).
    public var warnings: [String]
    /// Whether the run stopped early because of cancellation.
    public var cancelled: Bool
    /// What the variables prepared in this run were, and what was done about their ties.
    public var ties: TieReport? = nil
    /// How the p-values were computed (`--permutations`), for `/pvalue`'s `method`.
    public var significance: String? = nil
    /// Cells of this run's tiles screened out (`--screen`; status 3, among the done ones).
    public var screenedOut: Int = 0
}

/// Executes tiles of an execution plan against an input source.
///
/// The source (``InputSource``) is only used on one serial I/O queue, so HDF5 stays off the
/// worker pool that computes; the engine knows nothing of the input's format. When the
/// plan holds all input, the one scan that digests and checks the input also keeps the
/// values (each byte read once). Otherwise blocks are loaded on demand, tiles run in panels
/// of lower blocks that stay resident (``BlockCache``), and the next tile's missing block is
/// read ahead while the current tile computes. When the plan chose a column scratch (``ExecutionPlan/scratch``) and the
/// source can make one (``ColumnScratchSource``), the scan writes it and loads read it.
public final class Engine: @unchecked Sendable {
    let configuration: RunConfiguration
    let source: any InputSource
    let catalog: InputCatalog
    let plan: ExecutionPlan
    let tileIndices: [Int]
    let kernel: CellKernel
    let io = DispatchQueue(label: "mibatch.io")
    let doneCount = Atomic<Int>(0)

    /// Called on worker threads for every finished cell.
    public var onCellDone: (@Sendable (CellRecord) -> Void)?
    /// Called on worker threads with the records of finished cells, a cell or a panel's cells
    /// at a time (one call, one lock, where ``onCellDone`` makes one per cell).
    public var onCellsDone: (@Sendable ([CellRecord]) -> Void)?
    /// Called on the calling thread with notices and warnings (the shared null's cost).
    public var onNotice: ((String) -> Void)?
    /// Samples dropped by `--nan drop-rows` (known after ``scanInput()``).
    public private(set) var droppedRows = 0
    /// Limits of a batch of tiles on GCMI's panel route (whole input held): 64 MiB of packed
    /// panels and 2^21 cells (~80 MiB of per-cell bookkeeping; 128 products of 128 x 128,
    /// enough to keep every worker busy; all of an n = p = 2,000 run in one batch).
    static let panelBatchBytes = 64 << 20, panelBatchCells = 1 << 21
    /// The samples kept by `--nan drop-rows`, when any were dropped.
    private var keptRows: [Int]? = nil
    /// Set to stop between cells.
    public let cancellation: CancellationFlag

    /// Prepares to run `tiles` (default: all) of `plan`, made for `source`'s catalog.
    ///
    /// From now on the engine is the source's only user (on its I/O queue).
    ///
    /// - Throws: ``MIBatchError/invalidOption(_:)`` when `--discrete` names an unknown variable.
    public init(configuration: RunConfiguration, source: any InputSource, plan: ExecutionPlan,
                tiles: [Int]? = nil, cancellation: CancellationFlag = CancellationFlag()) throws(MIBatchError) {
        self.configuration = configuration
        self.source = source
        self.catalog = source.catalog
        self.plan = plan
        self.tileIndices = tiles ?? Array(plan.tiles.indices)
        let discrete = try configuration.discreteMask(names: catalog.variables.map(\.name))
        self.kernel = CellKernel(configuration: configuration, pairs: plan.pairs, cells: plan.cells, discrete: discrete)
        self.cancellation = cancellation
    }

    /// Cells of this run's tiles (with `--screen`, those the screen kept).
    public var totalCells: Int {
        selectedCells ?? tileIndices.reduce(0) { $0 + plan.tiles[$1].cells.count }
    }
    /// The screen (`--screen`): only its selected cells are computed; every cell of this
    /// run's tiles gets its `/mi_screen` value, and status 3 when not selected.
    var screen: ScreenResult? {
        didSet {
            // Counted once (a walk over every cell of this run's tiles), not per progress report.
            selectedCells = screen.map { screen in
                tileIndices.reduce(0) { total, tile in total + plan.tiles[tile].cells.reduce(0) { $0 + (screen.selected[$1] ? 1 : 0) } }
            }
        }
    }
    /// Cells of this run's tiles the screen selected (`nil` without a screen).
    private var selectedCells: Int?
    /// Cells finished so far (safe to read from any thread; for progress).
    public var finishedCells: Int { doneCount.load(ordering: .relaxed) }

    private var scanned: InputScan?

    /// Reads the whole input once: digest and finiteness check (and, when the plan holds all
    /// input, the values). Called by `run` if not called before.
    ///
    /// - Returns: the input digest.
    @discardableResult
    public func scanInput() throws(MIBatchError) -> String {
        if let scanned { return scanned.digest }
        let scan: InputScan
        do {
            scan = try onIO { () throws(MIBatchError) in
                if let scratch = plan.scratch, let target = source as? any ColumnScratchSource {
                    try target.streamThroughScratch(scratch)
                }
                return try source.scan(retaining: plan.holdsAllInput ? Set(plan.blocks.joined()) : [], bandBytes: plan.bandBytes)
            }
            try apply(configuration.nan, to: scan)
        } catch {
            removeScratch()
            throw error
        }
        scanned = scan
        return scan.digest
    }

    /// Refuses non-finite values (`error`) or chooses the rows to keep (`drop-rows`).
    private func apply(_ policy: NonFinitePolicy, to scan: InputScan) throws(MIBatchError) {
        guard scan.nonFiniteCount > 0, let first = scan.firstNonFinite else { return }
        switch policy {
        case .error:
            throw .nonFiniteValue(file: catalog.file, dataset: catalog.datasets[first.dataset].path, column: first.column,
                                  variable: catalog.variables[first.variable].name, row: first.row, value: first.value,
                                  total: scan.nonFiniteCount)
        case .dropRows:
            let kept = scan.badSamples.indices.filter { !scan.badSamples[$0] }
            droppedRows = catalog.samples - kept.count
            if kept.count < configuration.minimumSamples {
                throw .tooFewFiniteRows(file: catalog.file, kept: kept.count, dropped: droppedRows,
                                        required: configuration.minimumSamples)
            }
            keptRows = kept
        case .pairwise:
            return
        }
    }

    /// Runs the tiles, skipping `restored` cells (cell index → its record) from a checkpoint.
    ///
    /// The source's column scratch, if any, is removed when the tiles are done, when the run
    /// is cancelled and when it fails: a resumed run rebuilds it during its scan (which must
    /// read every byte for the digest anyway), so none is ever left for it.
    ///
    /// - Throws: `MIBatchError` for input problems (non-finite values, read errors).
    public func run(restored: [Int: CellRecord] = [:]) throws(MIBatchError) -> EngineOutcome {
        defer { removeScratch() }
        return try runTiles(restored: restored)
    }

    /// Deletes the source's column scratch (on the I/O queue, after any read ahead).
    private func removeScratch() {
        guard plan.scratch != nil else { return }
        let source = self.source
        io.sync { source.removeScratch() }
    }

    /// ``run(restored:)`` but for the scratch's removal.
    private func runTiles(restored: [Int: CellRecord]) throws(MIBatchError) -> EngineOutcome {
        try scanInput()
        // When the whole input is held, each variable's raw values are released as soon as
        // it is prepared (prepared blocks are then never evicted): peak memory is the
        // prepared input, not raw plus prepared. Nothing else may keep the scan's values.
        let source = self.source, bandBytes = plan.bandBytes, digest = scanned!.digest
        var retained = scanned!.variables ?? [:]
        scanned!.variables = nil
        for (cell, entry) in restored {
            kernel.store(cell, entry.values, reason: FailureReason(rawValue: entry.reason) ?? .other)
        }
        doneCount.store(restored.count, ordering: .relaxed)
        // Grow the shared digamma table once, before the workers start (with --nan pairwise
        // pairs differ in n): growth is thread-safe, but then no worker waits on its lock.
        _ = Digamma.table(upTo: catalog.samples)
        if let significance = kernel.significance, let settings = configuration.significance {
            significance.samples = catalog.samples - droppedRows
            if try settings.usesSharedNull(configuration, catalog: catalog) {
                significance.null = try SharedNull.make(samples: significance.samples, count: settings.permutations, kernel: kernel,
                                                        configuration: configuration) { self.onNotice?($0) }
            }
        }

        let names = catalog.variables.map(\.name)
        var warnings: [String] = []
        var warned = Set<Int>()
        var cache: [Int: [Int: PreparedVariable?]] = [:]   // block → variable → prepared
        var prefetch: (block: Int, result: Future<[Int: VariableData]>)? = nil

        /// The raw values of a block's variables: taken out of the held input (so they are
        /// freed once prepared), from the read-ahead, or read now.
        func rawValues(_ block: Int, _ members: [Int]) throws(MIBatchError) -> [Int: VariableData] {
            var raw: [Int: VariableData]
            if members.allSatisfy({ retained[$0] != nil }) {
                raw = Dictionary(uniqueKeysWithValues: members.map { ($0, retained.removeValue(forKey: $0)!) })
            } else if let pending = prefetch, pending.block == block {
                raw = try pending.result.wait()
                prefetch = nil
            } else {
                raw = try onIO { () throws(MIBatchError) in try source.load(members, bandBytes: bandBytes) }
            }
            if let keptRows { raw = raw.mapValues { $0.selecting(rows: keptRows) } }
            return raw
        }

        func prepared(block: Int) throws(MIBatchError) -> [Int: PreparedVariable?] {
            if let hit = cache[block] { return hit }
            let members = plan.blocks[block]
            let fromHeldInput = members.allSatisfy { retained[$0] != nil }
            let slots = try { () throws(MIBatchError) -> [PreparedVariable?] in
                let raw = try rawValues(block, members)
                return Preparation.prepare(members, data: { raw[$0]! }, count: catalog.variables.count,
                                           kernel: kernel, configuration: configuration)
            }()
            // The raw values are gone now; hand their pages back (see `Allocator`).
            if fromHeldInput { Allocator.returnFreePages() }
            let fresh = members.filter { warned.insert($0).inserted }
            warnings += Preparation.warnings(fresh, prepared: slots) { names[$0] }
            let entry = Dictionary(uniqueKeysWithValues: members.map { ($0, slots[$0]) })
            cache[block] = entry
            return entry
        }

        // Streamed: panels of lower blocks stay resident while the others stream past them.
        let order = plan.holdsAllInput ? tileIndices
            : BlockCache.executionOrder(tileIndices.map { plan.tiles[$0] }, residentBlocks: plan.residentBlocks).map(\.index)
        let schedule = BlockCache(order: order.map { plan.tiles[$0] })
        /// Runs cells whose variables are all in `lookup` on the worker pool.
        func runCells(_ cells: [Int], lookup: [Int: PreparedVariable?]) {
            let onCellDone = self.onCellDone, onCellsDone = self.onCellsDone
            let report: (@Sendable ([CellRecord]) -> Void)?
            if onCellDone == nil && onCellsDone == nil {
                report = nil
            } else {
                report = { @Sendable (records: [CellRecord]) in
                    onCellsDone?(records)
                    if let onCellDone { for record in records { onCellDone(record) } }
                }
            }
            let runner = TileRunner(kernel: kernel, plan: plan, threads: configuration.threads, cancellation: cancellation,
                                    onCellsDone: report) { [doneCount = self.doneCountBox] in doneCount.add($0) }
            runner.run(cells, lookup: lookup)
        }
        // GCMI's panel route with the whole input held: tiles are gathered into batches (up
        // to `panelBatchBytes` of packed panels, `panelBatchCells` cells) and each batch is one pool of panel products.
        // A tile (one block pair, often a single 128 x 128 product) alone would leave all but
        // one worker idle and pack its panels on this thread. A cell's bits do not depend on
        // the batch (every product has the same shape; see `TileRunner`).
        let batchesPanels = kernel.estimator.gcmi != nil && plan.holdsAllInput
        let panelBytesPerVariable = max(1, (catalog.samples - droppedRows) * MemoryLayout<Double>.stride)
        var batch: (cells: [Int], lookup: [Int: PreparedVariable?]) = ([], [:])
        func runBatch() {
            guard !batch.cells.isEmpty else { return }
            runCells(batch.cells, lookup: batch.lookup)
            batch = ([], [:])
        }
        var cancelled = false
        for (position, tileIndex) in order.enumerated() {
            if cancellation.isCancelled { cancelled = true; break }
            let tile = plan.tiles[tileIndex]
            var pending = restored.isEmpty ? Array(tile.cells) : tile.cells.filter { restored[$0] == nil }
            if let screen { pending = pending.filter { screen.selected[$0] } }
            if pending.isEmpty { continue }
            let needed = [tile.blocks.first, tile.blocks.second]
            // Blocks needed again latest go first; keep room for the two needed and one read ahead.
            if !plan.holdsAllInput {
                for victim in schedule.victims(cached: cache.keys, needed: needed, residentBlocks: plan.residentBlocks,
                                               position: position) {
                    cache[victim] = nil
                }
            }
            let first = try prepared(block: tile.blocks.first)
            let second = tile.blocks.second == tile.blocks.first ? first : try prepared(block: tile.blocks.second)
            if !plan.holdsAllInput, prefetch == nil,
               let next = order[(position + 1)...].lazy.map({ self.plan.tiles[$0] }).first(where: { !$0.cells.allSatisfy { restored[$0] != nil } }) {
                let wanted = [next.blocks.first, next.blocks.second].first { cache[$0] == nil }
                if let block = wanted {
                    let members = plan.blocks[block]
                    let future = Future<[Int: VariableData]>()
                    io.async { future.fulfil { () throws(MIBatchError) in try source.load(members, bandBytes: bandBytes) } }
                    prefetch = (block, future)
                }
            }
            let lookup = first.merging(second) { a, _ in a }
            if batchesPanels {
                batch.cells += pending
                batch.lookup.merge(lookup) { a, _ in a }
                if batch.lookup.count * panelBytesPerVariable >= Self.panelBatchBytes || batch.cells.count >= Self.panelBatchCells {
                    runBatch()
                }
                if cancellation.isCancelled { cancelled = true; break }
                continue
            }
            runCells(pending, lookup: lookup)
            if cancellation.isCancelled { cancelled = true; break }
        }
        if !cancelled { runBatch() }
        if cancellation.isCancelled { cancelled = true }
        if let pending = prefetch { _ = try? pending.result.wait() }
        // The prepared input is not needed any more: free it before the matrix is copied out.
        prefetch = nil
        cache.removeAll()

        // One walk over this run's cells (never an array of all of them: 1.6 GB at p = 20,000).
        let width = plan.pairs.columns.count
        var done = 0, total = 0, screenedOut = 0
        var failed: [Int] = []
        let screenValues = kernel.layers.buffer(.miScreen, as: Double.self)
        for tileIndex in tileIndices {
            let indices = Array(plan.tiles[tileIndex].cells)
            total += indices.count
            for (index, position) in zip(indices, plan.cells.positions(indices)) {
                let offset = position.row * width + position.column
                if let screen, let screenValues, !cancelled {
                    let mirror = plan.pairs.isSymmetric ? position.column * width + position.row : offset
                    screenValues[offset] = screen.values[offset]
                    screenValues[mirror] = screen.values[offset]
                    if !screen.selected[index] {
                        kernel.status[offset] = PairStatus.screenedOut.rawValue
                        kernel.status[mirror] = PairStatus.screenedOut.rawValue
                        screenedOut += 1
                    }
                }
                let code = kernel.status[offset]
                if code != PairStatus.notComputed.rawValue { done += 1 }
                if code == PairStatus.failed.rawValue { failed.append(index) }
            }
        }
        let failures = kernel.failures(among: failed) { names[$0] }
        warnings += failures.warnings
        let ties = TieReport(handling: kernel.estimator.tieHandling ?? .none,
                             counts: kernel.tieCounts(), dtypes: catalog.datasets.map(\.dtype))
        return EngineOutcome(matrix: kernel.takeMatrix(names: names, reasonsAmong: failed), digest: digest, doneCells: done,
                             totalCells: total, failedCells: failures.count, warnings: warnings, cancelled: cancelled,
                             ties: ties, significance: kernel.significance?.description, screenedOut: screenedOut)
    }

    /// Runs `body` on the I/O queue and waits for it.
    func onIO<T>(_ body: () throws(MIBatchError) -> T) throws(MIBatchError) -> T {
        var result: Result<T, MIBatchError>?
        io.sync {
            result = Result { () throws(MIBatchError) -> T in try body() }
        }
        return try result!.get()
    }

    /// `doneCount` wrapped for capture by the worker closure.
    var doneCountBox: Counter { Counter(engine: self) }

    struct Counter: @unchecked Sendable {
        let engine: Engine
        func add(_ count: Int) { engine.doneCount.add(count, ordering: .relaxed) }
    }
}

/// A value produced on another queue, waited for once.
final class Future<Value>: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<Value, MIBatchError>?

    func fulfil(_ body: () throws(MIBatchError) -> Value) {
        do { result = .success(try body()) } catch { result = .failure(error) }
        semaphore.signal()
    }

    func wait() throws(MIBatchError) -> Value {
        semaphore.wait()
        semaphore.signal()
        return try result!.get()
    }
}
