import Foundation

/// Plain-text description of an execution plan for `mibatch plan`.
public enum PlanReport {
    /// The input (as its source describes it), variables, pairs, tiles, memory and cost;
    /// with `shards`, each shard's tiles and cost.
    public static func text(source: any InputSource, plan: ExecutionPlan, shards: Int?) -> String {
        let catalog = source.catalog
        let dims = catalog.variables.map(\.dimension)
        var lines = [
            "input: \(source.planDescription)",
            "variables: \(catalog.variables.count) (dimensions \(dims.min() ?? 0)–\(dims.max() ?? 0)), samples: \(catalog.samples)",
            "matrix: \(plan.pairs.rows.count) × \(plan.pairs.columns.count)\(plan.pairs.isSymmetric ? " (all pairs, symmetric)" : " (rectangular)"), pairs to estimate: \(plan.cells.count)",
            "blocks: \(plan.blocks.count) (up to \(plan.blocks.map(\.count).max() ?? 0) variables each), tiles: \(plan.tiles.count)",
            "memory: budget \(MemorySize.format(plan.memory.budget)), estimated peak \(MemorySize.format(plan.memory.peak)) "
                + "(matrix \(MemorySize.format(plan.memory.matrix)), prepared input \(MemorySize.format(plan.memory.input)), "
                + (plan.holdsAllInput ? "all input held in memory: each byte read once)" : "streamed: \(plan.residentBlocks) blocks resident, each input byte read about \(String(format: "%.1f", rereads(plan))) times)"),
            String(format: "estimated cost: %.3g units", plan.totalCost) + " (per pair: \(plan.estimator.costModel))",
        ]
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

    /// Reads per input byte when streaming: one scan, then each block once as the resident
    /// (lower) block and again for every tile that streams it past a different resident block
    /// beyond the cache.
    static func rereads(_ plan: ExecutionPlan) -> Double {
        let m = Double(plan.blocks.count)
        let resident = Double(max(plan.residentBlocks - 1, 1))
        return 1 + max(1, (m + 1) / 2 / resident)
    }
}
