/// The engine's cache of prepared blocks while it streams: which resident blocks make room
/// for the next tile's. One definition shared by ``Engine`` and the plan's read estimate
/// (``ReadEstimate``), so that what `mibatch plan` predicts is what the engine does.
enum BlockCache {
    /// The blocks to evict, in eviction order, before a tile that needs `needed` (its two
    /// blocks, possibly equal) runs with the blocks `cached` resident.
    ///
    /// Least recently used blocks go first (`lastUse`: tile position of each block's last
    /// use, already updated for this tile; ties by block index), never one the tile needs;
    /// room is kept for the needed blocks that are missing and one read ahead.
    ///
    /// - Complexity: O(1) when nothing is evicted, else O(cached) per victim.
    static func victims(cached: some Collection<Int>, needed: [Int], residentBlocks: Int,
                        lastUse: [Int: Int]) -> [Int] {
        let missing = needed.filter { !cached.contains($0) }.count
        let keep = max(1, residentBlocks - 1 - missing)
        if cached.count <= keep { return [] }
        var remaining = Array(cached)
        var victims: [Int] = []
        while remaining.count > keep,
              let victim = remaining.filter({ !needed.contains($0) }).min(by: { (lastUse[$0] ?? -1, $0) < (lastUse[$1] ?? -1, $1) }) {
            remaining.removeAll { $0 == victim }
            victims.append(victim)
        }
        return victims
    }

    /// How many times each block is loaded when `tiles` run in order with at most
    /// `residentBlocks` resident (the engine's loads, read-ahead included, for a run that
    /// restores nothing from a checkpoint).
    ///
    /// - Returns: loads per block (`blockCount` entries).
    /// - Complexity: O(tiles × residentBlocks²).
    static func loads(tiles: [Tile], blockCount: Int, residentBlocks: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: blockCount)
        var cached = Set<Int>()
        var lastUse: [Int: Int] = [:]
        for (position, tile) in tiles.enumerated() {
            let needed = [tile.blocks.first, tile.blocks.second]
            for block in needed { lastUse[block] = position }
            for victim in victims(cached: cached, needed: needed, residentBlocks: residentBlocks, lastUse: lastUse) {
                cached.remove(victim)
            }
            for block in Set(needed) where cached.insert(block).inserted { counts[block] += 1 }
        }
        return counts
    }
}
