import HDF5
import MIEstimators

/// The dense HDF5 input (``InputFormat/dense``): one 2-D numeric dataset whose columns
/// (rows with `--transpose`) are variables, single or grouped (`--dataset`,
/// `--variables`), or whole 1-D/2-D datasets as variables (`--var`). Any numeric element
/// type is read as float64.
///
/// Owns the file's HDF5 handles; used from one thread at a time (``InputSource``). Reads
/// go in bands aligned to each dataset's chunk layout (see
/// ``forEachBlock(_:rows:columns:bandBytes:_:)``), so each chunk is decompressed once per
/// pass whatever the layout.
final class DenseHDF5Source: HDF5InputSource, @unchecked Sendable {
    private(set) var catalog: InputCatalog
    let file: File
    /// The open datasets, parallel to `catalog.datasets`.
    let datasets: [Dataset]
    /// `--transpose` as configured (the `input_layout` attribute).
    let transpose: Bool
    /// The column scratch the scan fills and loads read, when the plan chose one
    /// (`DenseHDF5Source+Scratch.swift`).
    var scratch: Scratch? = nil

    /// Keeps the variables at `variables`, in that order (``InputSource/select(_:)``).
    func select(_ variables: [Int]) {
        catalog.variables = variables.map { catalog.variables[$0] }
    }

    /// Every HDF5 file can be read as dense datasets: the fallback of detection.
    static func recognizes(_ file: File, configuration: RunConfiguration) -> Bool { true }

    init(configuration: RunConfiguration, file: File) throws(MIBatchError) {
        for (given, option) in [(configuration.layer != nil, "--layer"), (configuration.raw, "--raw"),
                                (configuration.featureType != nil, "--feature-type")] where given {
            throw .invalidOption("\(option) applies to AnnData, 10x and loom inputs; \(configuration.input) is read as dense HDF5 datasets")
        }
        (catalog, datasets) = try Self.resolve(configuration, file: file)
        self.file = file
        transpose = configuration.transpose
    }

    /// Opens `configuration.input` read-only as dense datasets (no detection).
    ///
    /// - Throws: as ``init(configuration:file:)``, and `.hdf5` when the file cannot be opened.
    convenience init(_ configuration: RunConfiguration) throws(MIBatchError) {
        let file: File
        do { file = try File.open(configuration.input, mode: .readOnly) } catch { throw .hdf5(error) }
        try self.init(configuration: configuration, file: file)
    }

    /// `input_file` (absolute path), `input_dataset`, `input_shape` (e.g. `2000x12`),
    /// `input_dtype` (comma-separated per dataset for `--var`) and `input_layout`.
    var provenance: InputProvenance {
        InputProvenance(attributes: [
            ("input_file", Provenance.absolute(catalog.file)),
            ("input_dataset", catalog.datasets.map(\.path).joined(separator: ", ")),
            ("input_shape", catalog.datasets.map { $0.shape.map(String.init).joined(separator: "x") }.joined(separator: ", ")),
            ("input_dtype", catalog.datasets.map(\.dtype).joined(separator: ", ")),
            ("input_layout", transpose ? "variables x samples" : "samples x variables"),
        ], samples: catalog.samples)
    }

    /// The file, then each dataset's path, shape, dtype and chunks (or `contiguous`).
    var planDescription: String {
        let datasets = catalog.datasets.map {
            "\($0.path) \($0.shape.map(String.init).joined(separator: "x")) \($0.dtype)"
                + ($0.chunks.map { ", chunks " + $0.map(String.init).joined(separator: "x") } ?? ", contiguous")
        }
        return "\(catalog.file) (\(datasets.joined(separator: "; ")))"
    }

    /// Streams every dataset once: digest, finiteness check, and the values of the variables
    /// in `retaining` (none when empty).
    ///
    /// With a scratch (``streamThroughScratch(_:)``), the scan also writes it: one
    /// transposition, and every later load reads from it.
    ///
    /// Every position of a dataset's variables axis is hashed (``InputDigest``), whether or
    /// not it belongs to a variable; non-finite values are only counted where they do.
    ///
    /// - Throws: `.readFailed` naming the first unreadable chunk on read errors.
    func scan(retaining retain: Set<Int>, bandBytes: Int) throws(MIBatchError) -> InputScan {
        var result = InputScan(digest: "", variables: nil)
        result.badSamples = [Bool](repeating: false, count: catalog.samples)
        var combined = InputDigest()
        var storage: [[Double]] = catalog.variables.indices.map {
            retain.contains($0) ? [Double](repeating: 0, count: catalog.samples * catalog.variables[$0].dimension) : []
        }
        for (index, description) in catalog.datasets.enumerated() {
            var firstBad: (row: Int, column: Int, variable: Int, value: Double)? = nil
            var badCount = 0
            var owners = [Int?](repeating: nil, count: description.variableAxis)
            for (variable, descriptor) in catalog.variables.enumerated() where descriptor.dataset == index {
                for position in descriptor.columns { owners[position] = variable }
            }
            let members = catalog.variables.indices.filter { catalog.variables[$0].dataset == index && retain.contains($0) }
            let columns = description.shape.count == 2 ? description.shape[1] : 1
            var hashers = [InputDigest.Position](repeating: InputDigest.Position(), count: description.variableAxis)
            var gather = [Double]()
            var scratchError: MIBatchError? = nil
            try forEachBlock(index, rows: 0..<description.shape[0], columns: 0..<columns, bandBytes: bandBytes) { rows, strip, block in
                let width = strip.count
                for r in rows {
                    let base = (r - rows.lowerBound) * width
                    for c in strip where !block[base + c - strip.lowerBound].isFinite {
                        guard let owner = owners[description.transposed ? r : c] else { continue }
                        badCount += 1
                        result.badSamples[description.transposed ? c : r] = true
                        if firstBad == nil || (r, c) < (firstBad!.row, firstBad!.column) {
                            firstBad = (r, c, owner, block[base + c - strip.lowerBound])
                        }
                    }
                }
                if description.transposed {
                    // Stored rows are axis positions; each row's samples in `strip` are contiguous.
                    block.withUnsafeBytes { bytes in
                        for r in rows {
                            let offset = (r - rows.lowerBound) * width * 8
                            hashers[r].update(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + width * 8)]))
                        }
                    }
                } else {
                    // Columns are axis positions: gather each column's samples of this block.
                    for c in strip {
                        gather.removeAll(keepingCapacity: true)
                        for r in rows { gather.append(block[(r - rows.lowerBound) * width + c - strip.lowerBound]) }
                        gather.withUnsafeBytes { hashers[c].update($0) }
                    }
                }
                for member in members {
                    Self.scatter(block, rows: rows, bandColumns: strip, into: &storage[member],
                                 variable: catalog.variables[member], description: description, samples: catalog.samples)
                }
                if scratchError == nil {
                    do throws(MIBatchError) { try fillScratch(block, rows: rows, strip: strip, datasetIndex: index) } catch { scratchError = error }
                }
            }
            if let scratchError { throw scratchError }
            if let bad = firstBad, result.firstNonFinite == nil {
                result.firstNonFinite = NonFiniteValue(dataset: index, row: bad.row, column: bad.column,
                                                       variable: bad.variable, value: bad.value)
            }
            result.nonFiniteCount += badCount
            for hasher in hashers { combined.append(hasher) }
        }
        result.variables = retain.isEmpty ? nil : Dictionary(uniqueKeysWithValues: retain.map {
            ($0, VariableData(count: catalog.samples, dimension: catalog.variables[$0].dimension, values: storage[$0]))
        })
        result.digest = combined.finalize()
        scratch?.filled = true
        return result
    }

    /// Reads the variables at `indices` (values only; `scan` has checked finiteness): from
    /// the filled scratch when there is one, otherwise from the file.
    ///
    /// Variables of one dataset are read together over the smallest span of the variables
    /// axis that covers them; datasets in index order.
    func load(_ indices: [Int], bandBytes: Int) throws(MIBatchError) -> [Int: VariableData] {
        if let fromScratch = try loadFromScratch(indices) { return fromScratch }
        var result: [Int: VariableData] = [:]
        let byDataset = Dictionary(grouping: indices) { catalog.variables[$0].dataset }
        for datasetIndex in byDataset.keys.sorted() {
            let members = byDataset[datasetIndex]!
            let description = catalog.datasets[datasetIndex]
            let lower = members.map { catalog.variables[$0].columns.lowerBound }.min()!
            let upper = members.map { catalog.variables[$0].columns.upperBound }.max()!
            var storage = members.map { [Double](repeating: 0, count: catalog.samples * catalog.variables[$0].dimension) }
            // Variables are rows (transposed: all samples of rows lower..<upper) or columns.
            let rows = description.transposed ? lower..<upper : 0..<description.shape[0]
            let columns = description.transposed ? 0..<description.shape[1] : (description.shape.count == 2 ? lower..<upper : 0..<1)
            try forEachBlock(datasetIndex, rows: rows, columns: columns, bandBytes: bandBytes) { blockRows, strip, block in
                for (slot, member) in members.enumerated() {
                    Self.scatter(block, rows: blockRows, bandColumns: strip, into: &storage[slot],
                                 variable: catalog.variables[member], description: description, samples: catalog.samples)
                }
            }
            for (slot, member) in members.enumerated() {
                result[member] = VariableData(count: catalog.samples, dimension: catalog.variables[member].dimension,
                                              values: storage[slot])
            }
        }
        return result
    }
}
