import HDF5
import MIEstimators

/// An input source over one compressed sparse matrix (``SparseMatrix``): the reading core of
/// the AnnData and 10x formats, which wrap it with names (``FormatSource``).
///
/// Every position of the variables axis (a stored column, or a stored row when
/// `DatasetDescription.transposed`) is a one-dimensional variable. Values are never
/// densified as a whole: when the matrix is compressed along the variables axis (CSC
/// genes, or CSR with `--transpose`) each variable's entries are contiguous and are
/// expanded one variable at a time; when it is compressed along the samples (CSR cells,
/// 10x barcodes) it is read in bands of samples, each band transposed
/// (``SparseTransposition``) and expanded into one band-long segment per variable. Either
/// way each variable receives its samples in order, which is what the digest
/// (``InputDigest``: dense float64 per position, so a dense copy of the matrix has the same
/// digest), the retained values and the column scratch need.
///
/// When the engine streams (`scan` retains nothing), the scan also writes every catalog
/// variable's column into a ``ColumnScratch`` and ``load(_:bandBytes:)`` reads from it (one
/// sequential read per variable). The scratch is in memory when it is at most two band
/// buffers (what the plan budgets for reading and a sparse load no longer uses), otherwise
/// the raw file `OUTPUT.scratch`, deleted by ``removeScratch()`` (or when the source goes).
final class SparseSource: ColumnScratchSource, @unchecked Sendable {
    private(set) var catalog: InputCatalog
    let matrix: SparseMatrix
    /// The encoding as recorded (`csr_matrix`, `csc_matrix`, `10x csc`...).
    let encoding: String
    /// Where a file scratch goes (`nil`: always in memory).
    let scratchPath: String?
    private var scratch: ColumnScratch?
    /// Variables-axis position → position in `scratch`.
    private var slots: [Int: Int] = [:]

    private var description: DatasetDescription { catalog.datasets[0] }
    /// Each variable's entries are contiguous (the compressed axis is the variables axis).
    private var byVariable: Bool { description.transposed == (matrix.compression == .rows) }

    /// A source over `matrix` whose variables axis is its columns, or its rows when
    /// `transposed`; variables named `v0`, `v1`, ... until a ``FormatSource`` renames them.
    ///
    /// - Throws: `.badShape` when the matrix has no samples or no variables.
    init(matrix: SparseMatrix, input: String, transposed: Bool, encoding: String, scratchPath: String?) throws(MIBatchError) {
        // Compressed by sample (CSR cells x genes, 10x), a load of any variables passes over
        // every stored value: described as chunks of one sample spanning the variables axis,
        // so the plan's read estimate (ReadEstimate) sees that and chooses a column scratch.
        let bySample = transposed != (matrix.compression == .rows)
        let chunks: [Int]? = bySample ? (transposed ? [matrix.shape[0], 1] : [1, matrix.shape[1]]) : nil
        let description = DatasetDescription(path: matrix.group, shape: matrix.shape, dtype: matrix.dtype, chunks: chunks,
                                             transposed: transposed)
        guard description.samples >= 1, description.variableAxis >= 1 else {
            throw .badShape(file: input, dataset: matrix.group, shape: matrix.shape,
                            reason: "no \(description.samples == 0 ? "samples" : "variables")")
        }
        let variables = (0..<description.variableAxis).map { VariableDescriptor(name: "v\($0)", dataset: 0, columns: $0..<($0 + 1)) }
        catalog = InputCatalog(file: input, datasets: [description], variables: variables, samples: description.samples)
        self.matrix = matrix
        self.encoding = encoding
        self.scratchPath = scratchPath
    }

    deinit { scratch?.remove() }

    /// The scratch the plan chose (``ColumnScratchSource``), made by the next scan.
    private var plannedScratch: ScratchPlan?

    /// Records the plan's scratch; the next ``scan(retaining:bandBytes:)`` creates and fills it.
    func streamThroughScratch(_ plan: ScratchPlan) throws(MIBatchError) { plannedScratch = plan }

    func select(_ variables: [Int]) { catalog.variables = variables.map { catalog.variables[$0] } }

    func removeScratch() {
        scratch?.remove()
        scratch = nil
        slots = [:]
    }

    /// `input_file`, `input_dataset` (the group), `input_shape` (stored), `input_dtype` (of
    /// `data`), `input_layout`, `input_encoding` and `input_stored_values`.
    var provenance: InputProvenance {
        InputProvenance(attributes: [
            ("input_file", Provenance.absolute(catalog.file)),
            ("input_dataset", description.path),
            ("input_shape", description.shape.map(String.init).joined(separator: "x")),
            ("input_dtype", description.dtype),
            ("input_layout", description.transposed ? "variables x samples" : "samples x variables"),
            ("input_encoding", encoding),
            ("input_stored_values", String(matrix.storedCount)),
        ], samples: catalog.samples)
    }

    var planDescription: String {
        "\(catalog.file) (\(description.path) \(encoding) \(description.shape.map(String.init).joined(separator: "x")) \(description.dtype), \(matrix.storedCount) stored values)"
    }

    /// Calls `body(position, samples, segment)` for each variables-axis position in
    /// `positions` (ascending, distinct) with dense segments covering all samples in order.
    ///
    /// - Complexity: O(stored values read + positions × samples); memory O(`bandBytes` +
    ///   samples) when compressed by variable, O(`bandBytes` + variables axis) by sample.
    func forEachSegment(_ positions: [Int], bandBytes: Int,
                        _ body: (Int, Range<Int>, UnsafeBufferPointer<Double>) throws(MIBatchError) -> Void) throws(MIBatchError) {
        let n = catalog.samples
        if byVariable {
            var buffer = SegmentBuffer(length: n)
            var start = 0
            while start < positions.count {
                var end = start + 1
                while end < positions.count && positions[end] == positions[end - 1] + 1 { end += 1 }
                try matrix.forEachBand(positions[start]..<(positions[end - 1] + 1), bandBytes: bandBytes) { band, offsets, indices, values throws(MIBatchError) in
                    for m in band {
                        buffer.fill(at: indices, from: values, offsets[m - band.lowerBound]..<offsets[m - band.lowerBound + 1])
                        try buffer.withPrefix(n) { (segment) throws(MIBatchError) in try body(m, 0..<n, segment) }
                        buffer.clear()
                    }
                }
                start = end
            }
            return
        }
        var buffer = SegmentBuffer(length: 0)
        let axis = description.variableAxis
        try matrix.forEachBand(0..<n, bandBytes: bandBytes) { band, offsets, indices, values throws(MIBatchError) in
            let transposition = SparseTransposition(majorCount: band.count, minorCount: axis, offsets: offsets,
                                                    indices: indices, values: values)
            if buffer.values.count < band.count { buffer = SegmentBuffer(length: band.count) }
            for p in positions {
                buffer.fill(at: transposition.majors, from: transposition.values, transposition.entries(p))
                try buffer.withPrefix(band.count) { (segment) throws(MIBatchError) in try body(p, band, segment) }
                buffer.clear()
            }
        }
    }

    func scan(retaining retain: Set<Int>, bandBytes: Int) throws(MIBatchError) -> InputScan {
        let n = catalog.samples, axis = description.variableAxis
        var owners = [Int?](repeating: nil, count: axis)
        for (variable, descriptor) in catalog.variables.enumerated() { owners[descriptor.columns.lowerBound] = variable }
        var storage: [[Double]] = catalog.variables.indices.map { retain.contains($0) ? [Double](repeating: 0, count: n) : [] }
        removeScratch()
        if let planned = plannedScratch {
            // The plan's scratch (ColumnScratchSource): its variables, in memory or in its file.
            scratch = try ColumnScratch(samples: n, positions: planned.variables.count, path: planned.path)
            for (slot, variable) in planned.variables.enumerated() { slots[catalog.variables[variable].columns.lowerBound] = slot }
        } else if retain.isEmpty && !catalog.variables.isEmpty {
            let bytes = n * catalog.variables.count * 8
            scratch = try ColumnScratch(samples: n, positions: catalog.variables.count,
                                        path: bytes <= 2 * bandBytes ? nil : scratchPath)
            for (slot, descriptor) in catalog.variables.enumerated() { slots[descriptor.columns.lowerBound] = slot }
        }
        var result = InputScan(digest: "", variables: nil)
        result.badSamples = [Bool](repeating: false, count: n)
        var hashers = [InputDigest.Position](repeating: InputDigest.Position(), count: axis)
        var firstBad: (row: Int, column: Int, variable: Int, value: Double)? = nil
        let transposed = description.transposed
        try forEachSegment(Array(0..<axis), bandBytes: bandBytes) { position, rows, segment throws(MIBatchError) in
            hashers[position].update(UnsafeRawBufferPointer(segment))
            guard let variable = owners[position] else { return }
            for (offset, value) in segment.enumerated() where !value.isFinite {
                let sample = rows.lowerBound + offset
                result.nonFiniteCount += 1
                result.badSamples[sample] = true
                let (row, column) = transposed ? (position, sample) : (sample, position)
                if firstBad == nil || (row, column) < (firstBad!.row, firstBad!.column) {
                    firstBad = (row, column, variable, value)
                }
            }
            if !storage[variable].isEmpty {
                storage[variable].withUnsafeMutableBufferPointer { target in
                    _ = UnsafeMutableBufferPointer(rebasing: target[rows]).update(fromContentsOf: segment)
                }
            } else if let scratch, let slot = slots[position] {
                try scratch.write(position: slot, rows: rows, segment)
            }
        }
        if let bad = firstBad {
            result.firstNonFinite = NonFiniteValue(dataset: 0, row: bad.row, column: bad.column, variable: bad.variable, value: bad.value)
        }
        var combined = InputDigest()
        for hasher in hashers { combined.append(hasher) }
        result.digest = combined.finalize()
        result.variables = retain.isEmpty ? nil : Dictionary(uniqueKeysWithValues: retain.map {
            ($0, VariableData(count: n, dimension: 1, values: storage[$0]))
        })
        return result
    }

    /// From the scratch when the scan made one, otherwise one pass over the stored values of
    /// the requested variables (all of the matrix when it is compressed by sample).
    func load(_ variables: [Int], bandBytes: Int) throws(MIBatchError) -> [Int: VariableData] {
        let n = catalog.samples
        var result: [Int: VariableData] = [:]
        var missing: [Int: Int] = [:]   // position → variable
        for variable in variables {
            let position = catalog.variables[variable].columns.lowerBound
            if let scratch, let slot = slots[position] {
                var values = [Double](repeating: 0, count: n)
                try values.withUnsafeMutableBufferPointer { (buffer) throws(MIBatchError) in try scratch.read(position: slot, into: buffer) }
                result[variable] = VariableData(count: n, dimension: 1, values: values)
            } else {
                missing[position] = variable
            }
        }
        guard !missing.isEmpty else { return result }
        var storage = [Int: [Double]]()
        for position in missing.keys { storage[position] = [Double](repeating: 0, count: n) }
        try forEachSegment(missing.keys.sorted(), bandBytes: bandBytes) { position, rows, segment throws(MIBatchError) in
            storage[position]!.withUnsafeMutableBufferPointer { target in
                _ = UnsafeMutableBufferPointer(rebasing: target[rows]).update(fromContentsOf: segment)
            }
        }
        for (position, variable) in missing { result[variable] = VariableData(count: n, dimension: 1, values: storage[position]!) }
        return result
    }
}
