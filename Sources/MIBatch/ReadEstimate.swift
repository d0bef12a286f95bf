/// The plan's decision to stream through a column scratch (``ColumnScratch``): one
/// transposition of the run's variables, written by the scan, from which every later load
/// reads contiguous columns instead of re-reading the input.
///
/// Not format-specific: a source that can build one conforms to ``ColumnScratchSource``
/// and the engine hands it this plan before the scan.
public struct ScratchPlan: Sendable, Equatable {
    /// The variables it holds (indices into ``InputCatalog/variables``, ascending); each
    /// variable's dimensions are consecutive positions, in this order.
    public var variables: [Int]
    /// Samples × positions × 8 bytes.
    public var bytes: Int
    /// The raw file (`<output>.scratch`, next to the output), or `nil` in memory.
    public var path: String?
    /// Bytes all streamed loads read from the scratch.
    public var loadBytes: Int
}

/// How often a streamed plan reads its input (`mibatch plan`'s read estimate), and when a
/// scratch pays.
///
/// A load of a block reads, in every stored array holding one of its variables, the span
/// of the variables axis covering them, widened to whole chunks: with chunks spanning all
/// columns (row-chunked data, the layout of CSR-like writers) every load reads whole
/// arrays. Contiguous arrays are counted by the span alone. The loads themselves are the
/// engine's (``BlockCache/loads(order:blockCount:residentBlocks:)``).
enum ReadEstimate {
    /// Above this many reads per stored byte a streamed plan transposes into a scratch.
    static let scratchThreshold = 3.0

    /// Bytes (as float64) of every stored array: what one scan reads.
    ///
    /// - Complexity: O(arrays).
    static func storedBytes(_ catalog: InputCatalog) -> Int {
        catalog.datasets.reduce(0) { $0 + $1.shape.reduce(1, *) * 8 }
    }

    /// Bytes (as float64) a load of `members` reads from the stored arrays.
    ///
    /// - Complexity: O(members).
    static func bytesRead(loading members: [Int], catalog: InputCatalog) -> Int {
        var total = 0
        for (index, description) in catalog.datasets.enumerated() {
            let columns = members.map { catalog.variables[$0] }.filter { $0.dataset == index }.map(\.columns)
            guard let lower = columns.map(\.lowerBound).min(), let upper = columns.map(\.upperBound).max() else { continue }
            guard description.shape.count == 2 else { total += description.shape.reduce(1, *) * 8; continue }
            // The chunk extent along the variables axis (the stored rows when transposed).
            let axisChunk = description.chunks.map { description.transposed ? $0[0] : $0[1] } ?? 1
            let start = lower / axisChunk * axisChunk
            let end = min(description.variableAxis, (upper + axisChunk - 1) / axisChunk * axisChunk)
            total += (end - start) * description.samples * 8
        }
        return total
    }

    /// Reads per stored byte of a run that streams `blocks` `loads[b]` times each: the scan,
    /// then every load.
    ///
    /// - Complexity: O(variables).
    static func readsPerByte(blocks: [[Int]], loads: [Int], catalog: InputCatalog) -> Double {
        let stored = storedBytes(catalog)
        guard stored > 0 else { return 1 }
        let loaded = blocks.indices.reduce(0) { $0 + loads[$1] * bytesRead(loading: blocks[$1], catalog: catalog) }
        return 1 + Double(loaded) / Double(stored)
    }

    /// Bytes a load of `members` reads from a scratch: exactly their values.
    static func scratchBytes(_ members: [Int], catalog: InputCatalog) -> Int {
        members.reduce(0) { $0 + catalog.variables[$1].dimension } * catalog.samples * 8
    }
}
