import HDF5
import MIEstimators

/// A source that reads its values through another (``SparseSource`` or
/// ``DenseHDF5Source``) and adds what a file format knows: variable names (and alternate
/// names such as 10x feature ids), the variables to keep, and provenance (format, cells).
///
/// The AnnData, 10x and loom sources are subclasses; their `init(configuration:file:)`
/// resolves the inner source and the names from the file's metadata.
class FormatSource: ColumnScratchSource, @unchecked Sendable {
    /// The reader of the values (its variable indices follow this source's after ``select(_:)``).
    let inner: any InputSource
    private(set) var catalog: InputCatalog
    /// Attributes added after the inner source's (names start with `input_`).
    let extraProvenance: [(name: String, value: String)]
    /// The format, for the plan line.
    let formatName: String

    /// Wraps `inner`, keeping its variables at `keep` (all when `nil`) named `names`
    /// (parallel to the kept variables) with `alternateNames`.
    init(inner: any InputSource, keep: [Int]?, names: [String], alternateNames: [[String]]? = nil,
         format: String, provenance: [(name: String, value: String)]) {
        if let keep { inner.select(keep) }
        var catalog = inner.catalog
        precondition(names.count == catalog.variables.count)
        for index in catalog.variables.indices {
            catalog.variables[index].name = names[index]
            catalog.variables[index].alternateNames = alternateNames?[index] ?? []
        }
        self.inner = inner
        self.catalog = catalog
        self.formatName = format
        self.extraProvenance = provenance
    }

    func select(_ variables: [Int]) {
        inner.select(variables)
        catalog.variables = variables.map { catalog.variables[$0] }
    }

    func scan(retaining: Set<Int>, bandBytes: Int) throws(MIBatchError) -> InputScan {
        try inner.scan(retaining: retaining, bandBytes: bandBytes)
    }

    func load(_ variables: [Int], bandBytes: Int) throws(MIBatchError) -> [Int: VariableData] {
        try inner.load(variables, bandBytes: bandBytes)
    }

    func variableStatistics(bandBytes: Int) throws(MIBatchError) -> [VariableStatistics] {
        try inner.variableStatistics(bandBytes: bandBytes)
    }

    func removeScratch() { inner.removeScratch() }

    /// Passes the plan's scratch to the wrapped source (both the sparse and the dense one
    /// can stream through one).
    func streamThroughScratch(_ plan: ScratchPlan) throws(MIBatchError) {
        try (inner as? any ColumnScratchSource)?.streamThroughScratch(plan)
    }

    /// The inner source's attributes, `input_format`, then the format's own.
    var provenance: InputProvenance {
        let base = inner.provenance
        return InputProvenance(attributes: base.attributes + [("input_format", formatName)] + extraProvenance, samples: base.samples)
    }

    var planDescription: String { "\(inner.planDescription) as \(formatName)" }
}

/// Helpers shared by the format sources.
enum FormatNames {
    /// `names` made unique deterministically: the first occurrence keeps its name, later ones
    /// get `_2`, `_3`, ... (the first suffix not already taken by any name).
    ///
    /// - Complexity: O(names) expected.
    static func unique(_ names: [String]) -> [String] {
        var taken = Set(names)
        var seen = Set<String>()
        var next: [String: Int] = [:]
        return names.map { name in
            guard !seen.insert(name).inserted else { return name }
            var k = next[name] ?? 2
            while taken.contains("\(name)_\(k)") { k += 1 }
            next[name] = k + 1
            taken.insert("\(name)_\(k)")
            return "\(name)_\(k)"
        }
    }

    /// The `input_cells` and `input_cell_names` attributes for `names` (sample names): the
    /// count, and the first three names, `...` when there are more, then `; sha256:` and the
    /// SHA-256 of all names joined by `"\n"` (UTF-8, no final newline).
    static func cellProvenance(count: Int, names: [String]?) -> [(name: String, value: String)] {
        var attributes = [("input_cells", String(count))]
        if let names {
            var hasher = SHA256Hasher()
            hasher.update(names.joined(separator: "\n"))
            let head = names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", ..." : "")
            attributes.append(("input_cell_names", "\(head); sha256:\(hasher.finalize())"))
        }
        return attributes
    }

    /// A configuration for the dense reader of one dataset of a format (`path`), with the
    /// format's own options cleared; `transpose` as the stored orientation needs.
    static func denseConfiguration(_ configuration: RunConfiguration, path: String, transpose: Bool) -> RunConfiguration {
        var dense = configuration
        dense.dataset = path
        dense.variables = .columns
        dense.layer = nil
        dense.raw = false
        dense.featureType = nil
        dense.names = nil
        dense.transpose = transpose
        return dense
    }

    /// Refuses the dense-only options for a format input.
    static func refuseDenseOptions(_ configuration: RunConfiguration, format: String) throws(MIBatchError) {
        switch configuration.variables {
        case .columns: break
        case .groups: throw .invalidOption("--variables applies to dense inputs; \(configuration.input) is read as \(format) (use --format dense with --dataset to read a dataset as such)")
        case .datasets: throw .invalidOption("--var applies to dense inputs; \(configuration.input) is read as \(format) (use --format dense to read its datasets as such)")
        }
        if configuration.names != nil {
            throw .invalidOption("--names applies to dense inputs; \(configuration.input) is read as \(format), whose variable names come from the file")
        }
    }

    /// Reads a 1-D string dataset (fixed or variable length) as names, expecting `count`.
    ///
    /// - Throws: `.badNames` naming the dataset when it is missing, not strings or of
    ///   another length.
    static func strings(_ file: File, _ path: String, count: Int?, input: String) throws(MIBatchError) -> [String] {
        do {
            let dataset = try file.dataset(path)
            guard dataset.shape.count == 1 else {
                throw MIBatchError.badNames(file: input, source: "dataset '\(path)'", reason: "expected a 1-D dataset, found shape \(MIBatchError.format(dataset.shape))")
            }
            let names = try dataset.readStrings()
            if let count, names.count != count {
                throw MIBatchError.badNames(file: input, source: "dataset '\(path)'", reason: "\(names.count) names for \(count) entries")
            }
            return names
        } catch let error as MIBatchError {
            throw error
        } catch let error as HDF5Error {
            if case .unsupportedType = error { throw .badNames(file: input, source: "dataset '\(path)'", reason: "not a dataset of strings") }
            throw .hdf5(error)
        } catch {
            throw .invalidOption("\(error)")
        }
    }
}
