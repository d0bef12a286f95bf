import Foundation

/// Plain-text description of an execution plan for `mibatch plan`.
public enum PlanReport {
    /// The input (as its source describes it), variables, pairs, tiles, memory and cost;
    /// with `shards`, each shard's tiles and cost.
    public static func text(source: any InputSource, plan: ExecutionPlan, shards: Int?, configuration: RunConfiguration? = nil) -> String {
        let catalog = source.catalog
        let dims = catalog.variables.map(\.dimension)
        var lines = [
            "input: \(source.planDescription)",
            "variables: \(catalog.variables.count) (dimensions \(dims.min() ?? 0)–\(dims.max() ?? 0)), samples: \(catalog.samples)",
            "matrix: \(plan.pairs.rows.count) × \(plan.pairs.columns.count)\(plan.pairs.isSymmetric ? " (all pairs, symmetric)" : " (rectangular)"), pairs to estimate: \(plan.cells.count)",
            "blocks: \(plan.blocks.count) (up to \(plan.blocks.map(\.count).max() ?? 0) variables each), tiles: \(plan.tiles.count)",
            "memory: budget \(MemorySize.format(plan.memory.budget)), estimated peak \(MemorySize.format(plan.memory.peak)) "
                + "(matrix \(MemorySize.format(plan.memory.matrix)), prepared input \(MemorySize.format(plan.memory.input)), "
                + (plan.memory.scratch > 0 ? "scratch \(MemorySize.format(plan.memory.scratch)), " : "")
                + (plan.holdsAllInput ? "all input held in memory: each byte read once)" : "streamed: \(plan.residentBlocks) blocks resident)"),
            String(format: "estimated cost: %.3g units", plan.totalCost) + " (per pair: \(plan.estimator.costModel))",
        ]
        if !plan.holdsAllInput { lines.insert(reads(source: source, plan: plan), at: 5) }
        if let significance = plan.significance { lines.append(significance) }
        if let screen = configuration?.screen {
            lines.append("screen: \(screen.choice.makeEstimator().label) over every pair (also in each shard), then \(configuration!.estimatorLabel) on \(screen.ruleDescription)")
        }
        if let shards, shards >= 1 {
            lines.append("shards: \(shards)")
            for shard in 0..<shards {
                let tiles = plan.shardTiles(shard, of: shards)
                let cost = tiles.reduce(0) { $0 + plan.tiles[$1].cost }
                let pairs = tiles.reduce(0) { $0 + plan.tiles[$1].cells.count }
                lines.append(String(format: "  shard %d/%d: %d tiles, %d pairs, cost %.3g (%.1f%%)", shard + 1, shards, tiles.count, pairs, cost,
                                    plan.totalCost > 0 ? 100 * cost / plan.totalCost : 0))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The streamed plan's reads: straight from the input, or through the column scratch
    /// (its size, where it lives, and what the loads then read).
    static func reads(source: any InputSource, plan: ExecutionPlan) -> String {
        let direct = String(format: "%.1f", plan.readsPerByte)
        guard let scratch = plan.scratch else {
            return "reads: each input byte read about \(direct) times (the scan, then the blocks' loads; "
                + String(format: "at most %.0f, so no column scratch)", ReadEstimate.scratchThreshold)
        }
        guard source is any ColumnScratchSource else {
            return "reads: each input byte read about \(direct) times (this input's format cannot stream through a column scratch)"
        }
        let place = scratch.path.map { "in the file \($0) (deleted when the run ends)" } ?? "in memory"
        let rereads = scratch.bytes > 0 ? Double(scratch.loadBytes) / Double(scratch.bytes) : 0
        return "scratch: \(MemorySize.format(scratch.bytes)) column-major copy of \(scratch.variables.count) variables \(place), "
            + "written by the scan: input read once (about \(direct) times without it), then the loads read "
            + "\(MemorySize.format(scratch.loadBytes)) from the scratch (each scratch byte about \(String(format: "%.1f", rereads)) times)"
    }
}
