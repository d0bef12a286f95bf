import HDF5

/// An input source read from an HDF5 file: what ``InputFormat`` detects and opens.
///
/// A format is one file holding a conforming type (see ``DenseHDF5Source``) plus its entry
/// in ``InputFormat``. Both requirements run on the thread that plans, before the engine's
/// I/O queue exists; neither may read values.
protocol HDF5InputSource: InputSource {
    /// Whether `file` is laid out as this format (encoding attributes, group layout),
    /// judged from metadata only, cheaply and without throwing. May look at
    /// `configuration` (an explicit `--dataset` may say the user means a plain dataset).
    static func recognizes(_ file: File, configuration: RunConfiguration) -> Bool

    /// Opens `file` (already open read-only) for `configuration` and resolves the catalog
    /// from metadata.
    ///
    /// - Throws: `MIBatchError` naming the file and the object at fault (missing, wrong
    ///   shape or type, bad names), with the exit status of its kind.
    init(configuration: RunConfiguration, file: File) throws(MIBatchError)
}

/// The input formats mibatch reads, and how the format of a file is found.
///
/// To add a format (AnnData, 10x, loom): write its ``HDF5InputSource`` in a file of its
/// own, add a case here, return its type from ``source`` and put it in ``detectionOrder``
/// ahead of the formats it is a special case of. Nothing else of the program changes.
public enum InputFormat: String, CaseIterable, Codable, Sendable {
    /// Dense numeric datasets: one 2-D dataset whose columns (or rows, `--transpose`) are
    /// variables (`--dataset`, `--variables`), or whole 1-D/2-D datasets (`--var`).
    case dense
    /// AnnData `.h5ad`: `X`, `layers/NAME` or `raw/X`, dense or sparse (``AnnDataSource``).
    case anndata
    /// 10x Genomics (Cell Ranger v3+) feature-barcode matrix `.h5` (``TenXSource``).
    case tenX = "10x"
    /// loom: `/matrix` genes × cells (``LoomSource``).
    case loom

    /// Formats in the order detection tries them: most specific first, `dense` last (it
    /// reads any HDF5 file, so it recognizes every file). The three others exclude each
    /// other (AnnData needs `X`, `obs` and `var`; 10x a `/matrix` group; loom a `/matrix`
    /// dataset beside `row_attrs` and `col_attrs`).
    static let detectionOrder: [InputFormat] = [.anndata, .tenX, .loom, .dense]

    /// The type that reads this format.
    var source: any HDF5InputSource.Type {
        switch self {
        case .dense: return DenseHDF5Source.self
        case .anndata: return AnnDataSource.self
        case .tenX: return TenXSource.self
        case .loom: return LoomSource.self
        }
    }

    /// The format of `file`: the first of ``detectionOrder`` whose source recognizes it.
    ///
    /// - Complexity: a few metadata look-ups per format; no values are read.
    static func detect(file: File, configuration: RunConfiguration) -> InputFormat {
        detectionOrder.first { $0.source.recognizes(file, configuration: configuration) } ?? .dense
    }

    /// Opens `configuration.input` read-only as `format`, or as the detected format when
    /// `format` is `nil`, and resolves its variables from metadata.
    ///
    /// `--format` arrives here as `format` (`nil` for `auto`, ``RunConfiguration/format``).
    ///
    /// - Returns: the source, used from then on by one thread at a time (``InputSource``).
    /// - Throws: `MIBatchError`: `.hdf5` when the file is missing, unreadable or not HDF5;
    ///   otherwise what the format's source throws for the configuration.
    public static func open(_ configuration: RunConfiguration,
                            format: InputFormat? = nil) throws(MIBatchError) -> any InputSource {
        let file: File
        do { file = try File.open(configuration.input, mode: .readOnly) } catch { throw .hdf5(error) }
        let chosen = format ?? detect(file: file, configuration: configuration)
        return try chosen.source.init(configuration: configuration, file: file)
    }
}
