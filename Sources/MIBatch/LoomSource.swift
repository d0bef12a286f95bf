import HDF5

/// A loom file (``InputFormat/loom``): `/matrix` genes × cells (dense, usually chunked),
/// or `/layers/NAME` with `--layer NAME`; genes are the variables, named by
/// `/row_attrs/Gene` made unique (``FormatNames/unique(_:)``). With `--transpose` the cells
/// are the variables, named by `/col_attrs/CellID`. Values are read by the dense reader
/// (genes × cells is its `--transpose` layout), so chunks are read once per pass.
final class LoomSource: FormatSource, HDF5InputSource, @unchecked Sendable {
    /// `/matrix` is a 2-D dataset beside the groups `/row_attrs` and `/col_attrs`. With
    /// `--dataset` alone the file is read as a dense dataset, as before (`--format loom`, or
    /// `--layer`, reads it as loom).
    static func recognizes(_ file: File, configuration: RunConfiguration) -> Bool {
        if let dataset = configuration.dataset {
            // `--dataset /matrix --layer NAME` means loom; `--dataset` alone, a dense dataset as before.
            guard configuration.layer != nil, dataset == "/matrix" || dataset == "matrix" else { return false }
        }
        return file.kind(of: "/matrix") == .dataset && file.kind(of: "/row_attrs") == .group && file.kind(of: "/col_attrs") == .group
    }

    init(configuration: RunConfiguration, file: File) throws(MIBatchError) {
        let input = configuration.input
        try FormatNames.refuseDenseOptions(configuration, format: "loom")
        for (given, option) in [(configuration.raw, "--raw"), (configuration.featureType != nil, "--feature-type")] where given {
            throw .invalidOption("\(option) does not apply to loom inputs (\(input))")
        }
        var layer = configuration.layer
        if let dataset = configuration.dataset {
            let trimmed = dataset.hasPrefix("/") ? String(dataset.dropFirst()) : dataset
            if trimmed.hasPrefix("layers/"), layer == nil {
                layer = String(trimmed.dropFirst(7))
            } else if trimmed != "matrix" {
                throw .invalidOption("\(input): --dataset \(dataset) is not a loom matrix (/matrix or /layers/NAME; or use --layer, or --format dense)")
            }
        }
        let path = layer.map { "/layers/" + $0 } ?? "/matrix"
        if let layer, file.kind(of: path) != .dataset {
            let available = AnnDataLayout.members(file, "/layers")
            throw .invalidOption("\(input): no layer '\(layer)' in /layers (" + (available.isEmpty ? "the file has no layers)" : "available: \(available.joined(separator: ", ")))"))
        }
        let inner = try DenseHDF5Source(configuration: FormatNames.denseConfiguration(configuration, path: path, transpose: !configuration.transpose),
                                        file: file)
        let description = inner.catalog.datasets[0]
        let (genes, cells) = (description.shape[0], description.shape[1])
        let cellNames = file.kind(of: "/col_attrs/CellID") == .dataset
            ? try? FormatNames.strings(file, "/col_attrs/CellID", count: cells, input: input) : nil
        let names: [String]
        if configuration.transpose {
            guard let cellNames else {
                throw .badNames(file: input, source: "'/col_attrs/CellID'", reason: "missing or not \(cells) strings (the cells' names with --transpose)")
            }
            names = cellNames
        } else {
            guard file.kind(of: "/row_attrs/Gene") == .dataset else {
                throw .badNames(file: input, source: "'/row_attrs/Gene'", reason: "missing (row attributes: \(AnnDataLayout.members(file, "/row_attrs").joined(separator: ", ")))")
            }
            names = try FormatNames.strings(file, "/row_attrs/Gene", count: genes, input: input)
        }
        super.init(inner: inner, keep: nil, names: FormatNames.unique(names), format: "loom",
                   provenance: FormatNames.cellProvenance(count: cells, names: cellNames))
    }
}
