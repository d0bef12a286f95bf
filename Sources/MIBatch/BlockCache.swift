/// The engine's cache of prepared blocks while it streams: the order tiles run in and which
/// resident blocks make room for the next tile's. One definition shared by ``Engine`` and
/// the plan's read estimate (``ReadEstimate``), so that what `mibatch plan` predicts is
/// what the engine does.
struct BlockCache {
    /// Positions (in the execution order) at which each block is needed, ascending.
    private var uses: [Int: [Int]] = [:]

    /// The schedule of tiles run in `order`.
    ///
    /// - Complexity: O(tiles).
    init(order: [Tile]) {
        for (position, tile) in order.enumerated() {
            uses[tile.blocks.first, default: []].append(position)
            if tile.blocks.second != tile.blocks.first { uses[tile.blocks.second, default: []].append(position) }
        }
    }

    /// The first position after `position` at which `block` is needed (`Int.max` if none).
    ///
    /// - Complexity: O(log uses of the block).
    func nextUse(of block: Int, after position: Int) -> Int {
        guard let list = uses[block] else { return .max }
        var low = 0, high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] <= position { low = middle + 1 } else { high = middle }
        }
        return low < list.count ? list[low] : .max
    }

    /// The blocks to evict, in eviction order, before the tile at `position`, which needs
    /// `needed` (its two blocks, possibly equal), runs with the blocks `cached` resident.
    ///
    /// Room is kept for the needed blocks that are missing and one read ahead; the block
    /// needed again latest goes first (Belady's rule: the fewest loads for a known order;
    /// ties by the higher index), never one this tile needs.
    ///
    /// - Complexity: O(1) when nothing is evicted, else O(cached · log tiles) per victim.
    func victims(cached: some Collection<Int>, needed: [Int], residentBlocks: Int, position: Int) -> [Int] {
        let missing = needed.filter { !cached.contains($0) }.count
        let keep = max(1, residentBlocks - 1 - missing)
        if cached.count <= keep { return [] }
        var remaining = Array(cached)
        var victims: [Int] = []
        while remaining.count > keep,
              let victim = remaining.filter({ !needed.contains($0) })
                  .max(by: { (nextUse(of: $0, after: position), $0) < (nextUse(of: $1, after: position), $1) }) {
            remaining.removeAll { $0 == victim }
            victims.append(victim)
        }
        return victims
    }

    /// The order a streamed run executes `tiles` (given in plan order) with at most
    /// `residentBlocks` blocks resident: in panels of P = residentBlocks − 2 consecutive
    /// lower blocks, and within a panel by upper block, then lower block. A panel's blocks
    /// stay resident while each other block streams past all of them once, so a run of m
    /// blocks loads about m²/(2P) blocks instead of one per tile. Results do not depend on
    /// the order (each cell is computed alone); tiles of equal key keep their plan order.
    ///
    /// - Complexity: O(tiles · log tiles).
    static func executionOrder(_ tiles: [Tile], residentBlocks: Int) -> [Tile] {
        let panel = max(1, residentBlocks - 2)
        return tiles.enumerated().sorted { a, b in
            let x = a.element.blocks, y = b.element.blocks
            return (x.first / panel, x.second, x.first, a.offset) < (y.first / panel, y.second, y.first, b.offset)
        }.map(\.element)
    }

    /// How many times each block is loaded when `order` runs with at most `residentBlocks`
    /// resident (the engine's loads, read-ahead included, for a run that restores nothing
    /// from a checkpoint).
    ///
    /// - Returns: loads per block (`blockCount` entries).
    /// - Complexity: O(tiles × residentBlocks · log tiles).
    static func loads(order: [Tile], blockCount: Int, residentBlocks: Int) -> [Int] {
        let schedule = BlockCache(order: order)
        var counts = [Int](repeating: 0, count: blockCount)
        var cached = Set<Int>()
        for (position, tile) in order.enumerated() {
            let needed = [tile.blocks.first, tile.blocks.second]
            for victim in schedule.victims(cached: cached, needed: needed, residentBlocks: residentBlocks, position: position) {
                cached.remove(victim)
            }
            for block in Set(needed) where cached.insert(block).inserted { counts[block] += 1 }
        }
        return counts
    }
}
