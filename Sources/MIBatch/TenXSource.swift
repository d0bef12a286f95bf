import HDF5

/// A 10x Genomics (Cell Ranger v3+) feature-barcode matrix `.h5` (``InputFormat/tenX``):
/// the group `/matrix` holds `data`, `indices`, `indptr` and `shape` (features ×
/// barcodes, compressed by barcode: each cell's column is contiguous, i.e. CSR in the
/// cells × genes view), `barcodes`, and `features/` with `name`, `id` and `feature_type`.
///
/// The variables are the features whose `feature_type` is `--feature-type` (default
/// "Gene Expression"; every feature when the file has no `feature_type`), named by
/// `features/name` made unique (``FormatNames/unique(_:)``: the second `TBCE` becomes
/// `TBCE_2`), with the feature id as alternate name (`--genes` matches either). With
/// `--transpose` the barcodes are the variables and every feature is a sample.
final class TenXSource: FormatSource, HDF5InputSource, @unchecked Sendable {
    /// The default of `--feature-type`.
    static let defaultFeatureType = "Gene Expression"

    /// `/matrix` is a group holding `indptr`, `barcodes` and a `features` group. With
    /// `--dataset`, only when it names `/matrix`.
    static func recognizes(_ file: File, configuration: RunConfiguration) -> Bool {
        if let dataset = configuration.dataset, dataset != "/matrix", dataset != "matrix" { return false }
        return file.kind(of: "/matrix") == .group && file.kind(of: "/matrix/indptr") == .dataset
            && file.kind(of: "/matrix/barcodes") == .dataset && file.kind(of: "/matrix/features") == .group
    }

    init(configuration: RunConfiguration, file: File) throws(MIBatchError) {
        let input = configuration.input
        try FormatNames.refuseDenseOptions(configuration, format: "10x Genomics")
        if let dataset = configuration.dataset, dataset != "/matrix", dataset != "matrix" {
            throw .invalidOption("\(input): --dataset \(dataset): a 10x Genomics file holds one matrix, /matrix (or use --format dense)")
        }
        for (given, option) in [(configuration.layer != nil, "--layer"), (configuration.raw, "--raw")] where given {
            throw .invalidOption("\(option) applies to AnnData (and --layer to loom) inputs; \(input) is read as 10x Genomics")
        }
        if configuration.transpose && configuration.featureType != nil {
            throw .invalidOption("--feature-type cannot be combined with --transpose: the features are then the samples, and every one is used")
        }
        guard file.kind(of: "/matrix") == .group else { throw .hdf5(.objectNotFound(file: input, object: "/matrix")) }
        let shape: [Int]
        do {
            let dataset = try file.dataset("/matrix/shape")
            guard dataset.shape == [2] else {
                throw MIBatchError.badShape(file: input, dataset: "/matrix/shape", shape: dataset.shape, reason: "expected the two integers (features, barcodes)")
            }
            let values = try dataset.readInt64(0..<2)
            guard values.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else {
                throw MIBatchError.damagedDataset(file: input, dataset: "/matrix/shape", reason: "holds \(values), not two non-negative sizes")
            }
            shape = values.map { Int($0) }
        } catch let error as MIBatchError {
            throw error
        } catch let error as HDF5Error {
            if case .objectNotFound = error { throw .damagedDataset(file: input, dataset: "/matrix", reason: "no 'shape' dataset (features, barcodes)") }
            throw .hdf5(error)
        } catch {
            throw .invalidOption("\(error)")
        }
        let (features, barcodeCount) = (shape[0], shape[1])
        let matrix = try SparseMatrix(file: file, group: "/matrix", shape: shape, compression: .columns, allowExternal: configuration.allowExternal)
        let inner = try SparseSource(matrix: matrix, input: input, transposed: !configuration.transpose, encoding: "10x csc (features x barcodes)",
                                     scratchPath: configuration.output.isEmpty ? nil : configuration.output + ".scratch")
        let barcodes = try FormatNames.strings(file, "/matrix/barcodes", count: barcodeCount, input: input)
        var provenance = FormatNames.cellProvenance(count: barcodeCount, names: barcodes)
        if configuration.transpose {
            provenance.append(("input_features", String(features)))
            super.init(inner: inner, keep: nil, names: FormatNames.unique(barcodes), format: "10x", provenance: provenance)
            return
        }
        let names = try FormatNames.strings(file, "/matrix/features/name", count: features, input: input)
        let ids = try FormatNames.strings(file, "/matrix/features/id", count: features, input: input)
        let wanted = configuration.featureType ?? Self.defaultFeatureType
        let keep: [Int]
        if file.kind(of: "/matrix/features/feature_type") == nil, configuration.featureType == nil {
            keep = Array(0..<features)
            provenance.append(("input_feature_type", "(all: no /matrix/features/feature_type)"))
        } else {
            let types = try FormatNames.strings(file, "/matrix/features/feature_type", count: features, input: input)
            keep = types.indices.filter { types[$0] == wanted }
            guard !keep.isEmpty else {
                var counts: [String: Int] = [:]
                var order: [String] = []
                for type in types { if counts[type] == nil { order.append(type) }; counts[type, default: 0] += 1 }
                throw .invalidOption("\(input): /matrix/features/feature_type has no '\(wanted)' features (--feature-type); types present: "
                                     + (order.isEmpty ? "none" : order.map { "\($0) (\(counts[$0]!))" }.joined(separator: ", ")))
            }
            provenance.append(("input_feature_type", wanted))
        }
        provenance.append(("input_features", "\(keep.count) of \(features)"))
        super.init(inner: inner, keep: keep, names: FormatNames.unique(keep.map { names[$0] }),
                   alternateNames: keep.map { [ids[$0]] }, format: "10x", provenance: provenance)
    }
}
