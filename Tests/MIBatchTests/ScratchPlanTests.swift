import Foundation
import Testing
@testable import MIBatch

/// The plan's read estimate and its choice of a column scratch (in memory, in a file, none).
@Suite struct ScratchPlanTests {
    /// One samples × p dataset stored with `chunks`, one variable a column.
    static func catalog(samples: Int = 20_000, p: Int = 48, chunks: [Int]?, transposed: Bool = false) -> InputCatalog {
        let shape = transposed ? [p, samples] : [samples, p]
        return InputCatalog(file: "in.h5", datasets: [DatasetDescription(path: "/x", shape: shape, dtype: "float64", chunks: chunks,
                                                                         transposed: transposed)],
                            variables: (0..<p).map { VariableDescriptor(name: "v\($0)", dataset: 0, columns: $0..<$0 + 1) },
                            samples: samples)
    }

    /// The binned plan of `catalog` (2 threads); `pairwise`: with `--nan pairwise`, whose raw
    /// values make the prepared input larger than the scratch (so it can be in memory).
    static func plan(_ catalog: InputCatalog, budget: Int, pairwise: Bool = false) throws -> ExecutionPlan {
        var configuration = RunConfiguration(input: "in.h5", dataset: "/x", output: "/some/dir/out.h5")
        if pairwise { configuration.nan = .pairwise }
        configuration.estimator = EstimatorChoice(.binned)
        configuration.threads = 2
        let pairs = try Runner.plan(names: catalog.variables.map(\.name), configuration: configuration)
        return try ExecutionPlan.make(catalog: catalog, pairs: pairs, configuration: configuration, budget: budget)
    }

    @Test func loadsReadWholeChunksAlongTheVariablesAxis() {
        let n = 1000, p = 40, row = n * 8
        // Row chunks spanning every column: any load reads the whole dataset.
        #expect(ReadEstimate.bytesRead(loading: [3, 4], catalog: Self.catalog(samples: n, p: p, chunks: [128, p])) == p * row)
        // Column chunks of 8: variables 3, 4 and 9 span chunks 0 and 1.
        #expect(ReadEstimate.bytesRead(loading: [3, 4, 9], catalog: Self.catalog(samples: n, p: p, chunks: [n, 8])) == 16 * row)
        // Contiguous: the span 3..<10 alone.
        #expect(ReadEstimate.bytesRead(loading: [3, 9], catalog: Self.catalog(samples: n, p: p, chunks: nil)) == 7 * row)
        // Transposed (variables are rows), chunks of 4 rows: rows 0..<8.
        #expect(ReadEstimate.bytesRead(loading: [5, 2], catalog: Self.catalog(samples: n, p: p, chunks: [4, 100], transposed: true)) == 8 * row)
        #expect(ReadEstimate.storedBytes(Self.catalog(samples: n, p: p, chunks: nil)) == n * p * 8)
        #expect(ReadEstimate.scratchBytes([1, 2, 3], catalog: Self.catalog(samples: n, p: p, chunks: nil)) == 3 * row)
    }

    @Test func blockCacheLoadsEachBlockOnceWhenAllFitAndMoreOtherwise() {
        // All pairs of 4 blocks in plan order: (0,0) (0,1) (0,2) (0,3) (1,1) (1,2) (1,3) (2,2) (2,3) (3,3).
        var tiles: [Tile] = []
        for a in 0..<4 { for b in a..<4 { tiles.append(Tile(index: tiles.count, blocks: (a, b), cells: TileCells([tiles.count]), cost: 1)) } }
        #expect(BlockCache.loads(order: tiles, blockCount: 4, residentBlocks: 6) == [1, 1, 1, 1])
        // Three resident (one kept while a block is missing): block 0 stays while 1..3 stream past
        // it; (1,1) evicts 0 (never needed again), (1,2) evicts 3, (1,3) evicts 2, (2,2) evicts 1
        // and loads 2 a third time; (2,3) and (3,3) find theirs.
        let three = BlockCache.loads(order: tiles, blockCount: 4, residentBlocks: 3)
        #expect(three == [1, 2, 3, 2], "\(three)")
        let schedule = BlockCache(order: tiles)
        #expect(schedule.nextUse(of: 3, after: 3) == 6 && schedule.nextUse(of: 0, after: 3) == .max)
        #expect(schedule.victims(cached: [0, 1], needed: [0, 2], residentBlocks: 3, position: 2) == [1])
        // Before (1,1): 0 is never needed again, 3 is needed at (1,3): 0 goes.
        #expect(schedule.victims(cached: [0, 3], needed: [1, 1], residentBlocks: 3, position: 4) == [0])
        #expect(schedule.victims(cached: [0, 1], needed: [0, 1], residentBlocks: 3, position: 1) == [])
    }

    /// Panels of lower blocks stay resident: far fewer loads than one block row at a time.
    @Test func panelOrderLoadsFewerBlocks() {
        let m = 12
        var tiles: [Tile] = []
        for a in 0..<m { for b in a..<m { tiles.append(Tile(index: tiles.count, blocks: (a, b), cells: TileCells([tiles.count]), cost: 1)) } }
        let planOrder = BlockCache.loads(order: tiles, blockCount: m, residentBlocks: 5).reduce(0, +)
        let panels = BlockCache.executionOrder(tiles, residentBlocks: 5)
        #expect(panels.map(\.index).sorted() == tiles.map(\.index), "a permutation")
        #expect(panels.prefix(4).map { [$0.blocks.first, $0.blocks.second] } == [[0, 0], [0, 1], [1, 1], [0, 2]])
        let panelLoads = BlockCache.loads(order: panels, blockCount: m, residentBlocks: 5).reduce(0, +)
        // Panels {0,1,2}, {3,4,5}, ...: each streams the blocks from its own start once (at most).
        #expect(panelLoads <= 12 + 9 + 6 + 3, "\(panelLoads)")
        #expect(Double(planOrder) > 1.5 * Double(panelLoads), "\(planOrder) vs \(panelLoads)")
        // With three resident (panels of one) the order is the plan's.
        #expect(BlockCache.executionOrder(tiles, residentBlocks: 3).map(\.index) == tiles.map(\.index))
    }

    /// Row chunks under tight budgets: a file scratch, then (more memory) a scratch in memory,
    /// then all input held; the estimate always within the budget.
    @Test func rowChunkedInputsStreamThroughAScratchInAFileThenInMemory() throws {
        let catalog = Self.catalog(chunks: [1024, 48])
        var kinds: [String] = []
        for megabytes in 48...80 {
            let budget = megabytes << 20
            guard let plan = try? Self.plan(catalog, budget: budget, pairwise: true) else { continue }
            #expect(plan.memory.peak <= budget, "\(megabytes) MiB: peak \(plan.memory.peak)")
            guard !plan.holdsAllInput else { kinds.append("held"); #expect(plan.scratch == nil); continue }
            #expect(plan.readsPerByte > ReadEstimate.scratchThreshold, "every load reads whole row chunks")
            let scratch = try #require(plan.scratch)
            #expect(scratch.bytes == 20_000 * 48 * 8 && scratch.variables == Array(0..<48))
            #expect(scratch.loadBytes > 0 && scratch.loadBytes < scratch.bytes * Int(plan.readsPerByte))
            if let path = scratch.path {
                #expect(path == "/some/dir/out.h5.scratch")
                #expect(plan.memory.scratch == 0)
                kinds.append("file")
            } else {
                #expect(plan.memory.scratch == scratch.bytes)
                kinds.append("memory")
            }
        }
        #expect(kinds.contains("file") && kinds.contains("memory") && kinds.contains("held"), "\(kinds)")
        // Only in that order as the budget grows.
        #expect(kinds == kinds.sorted { ["file", "memory", "held"].firstIndex(of: $0)! < ["file", "memory", "held"].firstIndex(of: $1)! })
    }

    /// Column chunks one variable wide: the same plan reads far less than with row chunks.
    @Test func columnChunksAreEstimatedCheaperThanRowChunks() throws {
        let rows = try Self.plan(Self.catalog(chunks: [1024, 48]), budget: 54 << 20)
        let columns = try Self.plan(Self.catalog(chunks: [20_000, 1]), budget: 54 << 20)
        #expect(!rows.holdsAllInput && !columns.holdsAllInput)
        #expect(columns.readsPerByte < rows.readsPerByte / 5, "\(columns.readsPerByte) vs \(rows.readsPerByte)")
    }

    /// The engine loads exactly what the estimate simulates (``BlockCache``).
    @Test func theEngineLoadsWhatThePlanPredicts() throws {
        var state: UInt64 = 3
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        let columns = (0..<24).map { j in (name: "c\(j)", values: (0..<3000).map { _ in next() }) }
        let source = InMemorySource(columns: columns)
        var configuration = RunConfiguration(input: "unused.h5", dataset: "/x", output: "unused-out.h5")
        configuration.threads = 2
        var streamed: ExecutionPlan? = nil
        for budget in stride(from: 32 << 20, through: 256 << 20, by: 256 << 10) {
            configuration.memory = budget
            if let plan = try? Job.plan(configuration, source: source), !plan.holdsAllInput { streamed = plan; break }
        }
        let plan = try #require(streamed)
        _ = try Engine(configuration: configuration, source: source, plan: plan).run()
        let order = BlockCache.executionOrder(plan.tiles, residentBlocks: plan.residentBlocks)
        let predicted = BlockCache.loads(order: order, blockCount: plan.blocks.count, residentBlocks: plan.residentBlocks)
        #expect(source.used.loads.count == predicted.reduce(0, +))
        #expect(source.used.loads.map { plan.blocks.firstIndex(of: $0.sorted()) ?? -1 }.filter { $0 < 0 }.isEmpty)
    }

    @Test(arguments: [false, true]) func widerBandsStoreOnlyTheirSelectedColumns(onDisk: Bool) throws {
        let path = onDisk ? FileManager.default.temporaryDirectory.appendingPathComponent("scratch-\(UUID().uuidString)").path : nil
        let samples = 9, stride = 7
        var scratch: ColumnScratch? = try ColumnScratch(samples: samples, positions: 3, path: path)
        let band = (0..<samples * stride).map(Double.init)
        // Band columns 2..<5 are positions 0..<3, in two row pieces.
        try band.withUnsafeBufferPointer { all in
            try scratch!.write(rows: 0..<4, positions: 0..<3, band: UnsafeBufferPointer(rebasing: all[0..<4 * stride]), stride: stride, offset: 2)
            try scratch!.write(rows: 4..<9, positions: 0..<3, band: UnsafeBufferPointer(rebasing: all[4 * stride..<9 * stride]), stride: stride, offset: 2)
        }
        for position in 0..<3 {
            var out = [Double](repeating: -1, count: samples)
            try out.withUnsafeMutableBufferPointer { try scratch!.read(position: position, into: $0) }
            #expect(out == (0..<samples).map { Double($0 * stride + 2 + position) })
        }
        if let path {
            #expect(FileManager.default.fileExists(atPath: path))
            scratch = nil   // its end deletes the file
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        _ = scratch
    }
}
