/// A compressed sparse band in the other orientation: the transposition at the heart of
/// reading CSR (or 10x) matrices variable by variable.
///
/// Given entries compressed by major element (offsets, minor indices, values), it builds the
/// same entries compressed by minor element, with a counting pass over the indices and one
/// scatter pass: each minor element's entries come out in increasing major order.
struct SparseTransposition: Equatable {
    /// `offsets[j]..<offsets[j+1]` are minor element j's entries (minorCount + 1 values).
    var offsets: [Int]
    /// The major index of each entry.
    var majors: [Int]
    /// The value of each entry.
    var values: [Double]

    /// Transposes `majorCount` major elements whose entries are `offsets[m]..<offsets[m+1]`
    /// of `indices` (minor coordinates in `0..<minorCount`) and `values`.
    ///
    /// - Precondition: `offsets` has majorCount + 1 non-decreasing entries from 0; every
    ///   index is in `0..<minorCount` (``SparseMatrix`` checks both).
    /// - Complexity: O(majorCount + minorCount + entries) time and memory.
    init(majorCount: Int, minorCount: Int, offsets source: [Int], indices: [Int], values input: [Double]) {
        precondition(source.count == majorCount + 1 && indices.count == input.count)
        var counts = [Int](repeating: 0, count: minorCount + 1)
        for index in indices { counts[index + 1] += 1 }
        for j in 0..<minorCount { counts[j + 1] += counts[j] }
        offsets = counts
        var next = counts
        majors = [Int](repeating: 0, count: indices.count)
        values = [Double](repeating: 0, count: indices.count)
        for m in 0..<majorCount {
            for k in source[m]..<source[m + 1] {
                let slot = next[indices[k]]
                next[indices[k]] += 1
                majors[slot] = m
                values[slot] = input[k]
            }
        }
    }

    /// Creates a transposition from its parts (tests).
    init(offsets: [Int], majors: [Int], values: [Double]) {
        self.offsets = offsets
        self.majors = majors
        self.values = values
    }

    /// Entries of minor element `j`.
    func entries(_ j: Int) -> Range<Int> { offsets[j]..<offsets[j + 1] }
}

/// A dense segment buffer: one variable's samples of one band, rebuilt from its stored
/// entries without clearing the whole buffer each time.
struct SegmentBuffer {
    private(set) var values: [Double]
    private var touched: [Int] = []

    /// A buffer of `length` zeros.
    init(length: Int) { values = [Double](repeating: 0, count: length) }

    /// Sets `values[at[k]] = from[k]` for the entries `range` (all other values stay 0).
    mutating func fill(at positions: [Int], from source: [Double], _ range: Range<Int>, offset: Int = 0) {
        for k in range {
            values[positions[k] - offset] = source[k]
            touched.append(positions[k] - offset)
        }
    }

    /// Zeroes what the last ``fill(at:from:_:offset:)`` set.
    ///
    /// - Complexity: O(entries filled).
    mutating func clear() {
        for i in touched { values[i] = 0 }
        touched.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with the first `count` values.
    func withPrefix<R, E: Error>(_ count: Int, _ body: (UnsafeBufferPointer<Double>) throws(E) -> R) throws(E) -> R {
        try values.withUnsafeBufferPointer { (all) throws(E) -> R in try body(UnsafeBufferPointer(rebasing: all[0..<count])) }
    }
}
