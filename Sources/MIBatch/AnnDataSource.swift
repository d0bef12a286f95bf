import HDF5

/// AnnData `.h5ad` input (``InputFormat/anndata``): the cells × genes matrix `X`, a layer
/// (`--layer NAME`: `layers/NAME`) or the raw matrix (`--raw`: `raw/X`, or `raw.X` in old
/// files), dense or sparse (``AnnDataLayout/Encoding``); genes are the variables (cells
/// with `--transpose`), named by the index of `var` (`raw/var` with `--raw`; `obs` with
/// `--transpose`). Duplicate names get `_2`, `_3`... (``FormatNames/unique(_:)``).
///
/// An explicit `--dataset` naming one of those matrices (`/X`, `/raw/X`, `/raw.X`,
/// `/layers/NAME`) reads it as AnnData when it is a sparse group or `--raw`/`--layer` is
/// given (`--dataset /X --raw` reads `raw/X`); a dense dataset named by `--dataset` alone is
/// read as a dense dataset, as before (detection leaves it to ``DenseHDF5Source``; `--format
/// anndata` reads it as AnnData).
final class AnnDataSource: FormatSource, HDF5InputSource, @unchecked Sendable {
    /// An AnnData file: root `encoding-type` "anndata", or (older files) `X` beside `obs`
    /// and `var`. With `--dataset`, only when it names a sparse matrix group (a dense
    /// dataset is then read as today).
    static func recognizes(_ file: File, configuration: RunConfiguration) -> Bool {
        if let dataset = configuration.dataset {
            guard let role = matrixRole(dataset) else { return false }
            // `--raw`/`--layer` say AnnData whatever X's encoding; otherwise only a sparse group does.
            let variant = (configuration.raw || configuration.layer != nil) && !role.raw && role.layer == nil
            guard variant || { if case .sparse? = AnnDataLayout.encoding(file, dataset) { return true }; return false }() else { return false }
        }
        if case .string("anndata")? = try? file.attribute("encoding-type") { return true }
        return file.kind(of: "/X") != nil && file.kind(of: "/obs") != nil && file.kind(of: "/var") != nil
    }

    /// What an AnnData matrix path is: `X`, `raw`, or a layer name; `nil` for other paths.
    static func matrixRole(_ path: String) -> (raw: Bool, layer: String?)? {
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        switch trimmed {
        case "X": return (false, nil)
        case "raw/X", "raw.X": return (true, nil)
        default:
            if trimmed.hasPrefix("layers/"), trimmed.count > 7, !trimmed.dropFirst(7).contains("/") {
                return (false, String(trimmed.dropFirst(7)))
            }
            return nil
        }
    }

    init(configuration: RunConfiguration, file: File) throws(MIBatchError) {
        let input = configuration.input
        try FormatNames.refuseDenseOptions(configuration, format: "AnnData")
        if configuration.featureType != nil {
            throw .invalidOption("--feature-type applies to 10x Genomics inputs; \(input) is read as AnnData")
        }
        var raw = configuration.raw, layer = configuration.layer
        if let dataset = configuration.dataset {
            // `--dataset /X` names the main matrix, which `--raw` or `--layer` then replace.
            guard let role = Self.matrixRole(dataset), (!raw && layer == nil) || (!role.raw && role.layer == nil) else {
                throw .invalidOption("\(input): --dataset \(dataset) is not an AnnData matrix (X, raw/X, raw.X or layers/NAME; or use --raw, --layer, or --format dense)")
            }
            if role.raw || role.layer != nil { (raw, layer) = role }
        }
        if raw && layer != nil { throw .invalidOption("--raw and --layer exclude each other (raw/X has no layers)") }
        let path: String
        if let layer {
            path = "/layers/" + layer
            guard file.kind(of: path) != nil else {
                let available = AnnDataLayout.members(file, "/layers")
                throw .invalidOption("\(input): no layer '\(layer)' in /layers (" + (available.isEmpty ? "the file has no layers)" : "available: \(available.joined(separator: ", ")))"))
            }
        } else if raw {
            guard let found = ["/raw/X", "/raw.X"].first(where: { file.kind(of: $0) != nil }) else {
                throw .invalidOption("\(input): --raw: the file has no raw matrix (neither /raw/X nor /raw.X)")
            }
            path = found
        } else {
            path = "/X"
        }
        guard let encoding = AnnDataLayout.encoding(file, path) else {
            if file.kind(of: path) == nil { throw .hdf5(.objectNotFound(file: input, object: path)) }
            throw .badShape(file: input, dataset: path, shape: [],
                            reason: "neither a dense dataset nor a sparse matrix group (no encoding-type csr_matrix/csc_matrix or h5sparse_format csr/csc attribute)")
        }
        let inner: any InputSource
        let encodingLabel: String?
        switch encoding {
        case .dense:
            inner = try DenseHDF5Source(configuration: FormatNames.denseConfiguration(configuration, path: path, transpose: configuration.transpose), file: file)
            encodingLabel = "array"
        case let .sparse(compression, shape, label):
            guard let shape else {
                throw .damagedDataset(file: input, dataset: path, reason: "the \(label) group has no valid shape attribute (\(label.hasPrefix("csr_") || label.hasPrefix("csc_") ? "shape" : "h5sparse_shape"): two non-negative integers)")
            }
            let matrix = try SparseMatrix(file: file, group: path, shape: shape, compression: compression, allowExternal: configuration.allowExternal)
            inner = try SparseSource(matrix: matrix, input: input, transposed: configuration.transpose, encoding: label,
                                     scratchPath: configuration.output.isEmpty ? nil : configuration.output + ".scratch")
            encodingLabel = nil
        }
        let description = inner.catalog.datasets[0]
        let (cells, genes) = (description.shape[0], description.shape[1])
        let varFrame = raw ? (file.kind(of: "/raw/var") != nil ? "/raw/var" : "/raw.var") : "/var"
        let cellNames = try? AnnDataLayout.index(file, frame: "/obs", count: cells, input: input)
        let names: [String]
        var alternates: [[String]]? = nil
        if configuration.transpose {
            guard let cellNames else {
                _ = try AnnDataLayout.index(file, frame: "/obs", count: cells, input: input)
                throw .badNames(file: input, source: "'/obs'", reason: "unreadable")
            }
            names = cellNames
        } else {
            names = try AnnDataLayout.index(file, frame: varFrame, count: genes, input: input)
            // scanpy's read_10x_h5 keeps the feature ids in var["gene_ids"]: --genes matches them too.
            if file.kind(of: varFrame + "/gene_ids") == .dataset,
               let ids = try? FormatNames.strings(file, varFrame + "/gene_ids", count: genes, input: input) {
                alternates = ids.map { [$0] }
            }
        }
        var provenance = encodingLabel.map { [("input_encoding", $0)] } ?? []
        provenance += FormatNames.cellProvenance(count: cells, names: cellNames)
        super.init(inner: inner, keep: nil, names: FormatNames.unique(names), alternateNames: alternates, format: "anndata",
                   provenance: provenance)
    }
}
