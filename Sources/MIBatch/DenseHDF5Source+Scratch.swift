import MIEstimators

/// The dense source's column scratch (``ColumnScratchSource``): the scan transposes the
/// run's variables into it band by band, and loads read contiguous columns from it
/// instead of re-reading whole row chunks.
extension DenseHDF5Source: ColumnScratchSource {
    /// A scratch being filled by the scan (`filled` false) or serving loads.
    struct Scratch {
        /// The store: each scratch variable's dimensions at consecutive positions.
        let store: ColumnScratch
        /// Variable index → its first position in `store`.
        let first: [Int: Int]
        /// Per stored array (parallel to `catalog.datasets`): its scratch variables' stored
        /// positions (variables axis) and first scratch position.
        let members: [[(columns: Range<Int>, first: Int)]]
        /// Whether the scan has written every value (loads read from the store only then).
        var filled = false
    }

    /// Creates the (empty) scratch of `plan`, replacing any earlier one; a file at
    /// `plan.path` is truncated, whatever it held.
    ///
    /// - Throws: `.writeFailed` naming the path.
    /// - Complexity: O(variables); the memory or file of `plan.bytes`.
    func streamThroughScratch(_ plan: ScratchPlan) throws(MIBatchError) {
        removeScratch()
        var first: [Int: Int] = [:]
        var members = [[(columns: Range<Int>, first: Int)]](repeating: [], count: catalog.datasets.count)
        var positions = 0
        for variable in plan.variables {
            let descriptor = catalog.variables[variable]
            first[variable] = positions
            members[descriptor.dataset].append((descriptor.columns, positions))
            positions += descriptor.dimension
        }
        let store = try ColumnScratch(samples: catalog.samples, positions: positions, path: plan.path)
        scratch = Scratch(store: store, first: first, members: members)
    }

    /// Writes the scratch variables' part of one block the scan read: stored `rows` ×
    /// `strip` of array `datasetIndex`, row-major.
    ///
    /// - Complexity: O(values of scratch variables in the block).
    func fillScratch(_ block: [Double], rows: Range<Int>, strip: Range<Int>, datasetIndex: Int) throws(MIBatchError) {
        guard let scratch, !scratch.members[datasetIndex].isEmpty else { return }
        let description = catalog.datasets[datasetIndex]
        let width = strip.count
        try block.withUnsafeBufferPointer { (band) throws(MIBatchError) in
            for member in scratch.members[datasetIndex] {
                if description.transposed {
                    // Stored rows are positions; each holds the samples `strip`, contiguous.
                    for row in rows where member.columns.contains(row) {
                        let start = (row - rows.lowerBound) * width
                        try scratch.store.write(position: member.first + row - member.columns.lowerBound, rows: strip,
                                                UnsafeBufferPointer(rebasing: band[start..<start + width]))
                    }
                } else {
                    let lower = max(member.columns.lowerBound, strip.lowerBound)
                    let upper = min(member.columns.upperBound, strip.upperBound)
                    guard lower < upper else { continue }
                    let first = member.first + lower - member.columns.lowerBound
                    try scratch.store.write(rows: rows, positions: first..<first + (upper - lower), band: band,
                                            stride: width, offset: lower - strip.lowerBound)
                }
            }
        }
    }

    /// The variables at `indices` read from a filled scratch, or `nil` when there is none
    /// or it lacks one of them.
    ///
    /// - Complexity: O(n · d) per variable: one contiguous read per dimension.
    func loadFromScratch(_ indices: [Int]) throws(MIBatchError) -> [Int: VariableData]? {
        guard let scratch, scratch.filled, indices.allSatisfy({ scratch.first[$0] != nil }) else { return nil }
        let n = catalog.samples
        var result: [Int: VariableData] = [:]
        var column = [Double]()
        for index in indices {
            let d = catalog.variables[index].dimension, first = scratch.first[index]!
            var values = [Double](repeating: 0, count: n * d)
            if d == 1 {
                try values.withUnsafeMutableBufferPointer { (all) throws(MIBatchError) in try scratch.store.read(position: first, into: all) }
            } else {
                if column.count != n { column = [Double](repeating: 0, count: n) }
                for j in 0..<d {
                    try column.withUnsafeMutableBufferPointer { (all) throws(MIBatchError) in
                        try scratch.store.read(position: first + j, into: all)
                    }
                    for i in 0..<n { values[i * d + j] = column[i] }
                }
            }
            result[index] = VariableData(count: n, dimension: d, values: values)
        }
        return result
    }

    /// Frees the scratch and deletes its file, if any (``InputSource/removeScratch()``).
    func removeScratch() {
        scratch?.store.remove()
        scratch = nil
    }
}
