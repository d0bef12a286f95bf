/// Where one variable's values live in the input, without its values.
public struct VariableDescriptor: Sendable, Equatable {
    /// Name used for `/var_i`, `/var_j`.
    public var name: String
    /// Index into ``InputCatalog/datasets``.
    public var dataset: Int
    /// Positions along the dataset's variables axis (columns, or rows with `--transpose`).
    public var columns: Range<Int>
    /// Other names the variable is known by, which `--genes` also matches (for example a
    /// 10x feature's id beside its name); empty when it has none.
    public var alternateNames: [String]

    /// Creates a descriptor.
    public init(name: String, dataset: Int, columns: Range<Int>, alternateNames: [String] = []) {
        self.name = name
        self.dataset = dataset
        self.columns = columns
        self.alternateNames = alternateNames
    }

    /// Number of dimensions d.
    public var dimension: Int { columns.count }
}

/// A stored array of the input (a dataset; for a sparse format, the matrix it encodes), as
/// described by its metadata. What errors, provenance and the plan name.
public struct DatasetDescription: Sendable, Equatable {
    /// Path inside the input file.
    public var path: String
    /// Shape as stored.
    public var shape: [Int]
    /// Element type as stored (for example `float32`).
    public var dtype: String
    /// Chunk shape, or `nil` for contiguous storage.
    public var chunks: [Int]? = nil
    /// Stored variables × samples (`--transpose`); 1-D datasets never are.
    public var transposed: Bool = false

    /// Creates a description.
    public init(path: String, shape: [Int], dtype: String, chunks: [Int]? = nil, transposed: Bool = false) {
        self.path = path
        self.shape = shape
        self.dtype = dtype
        self.chunks = chunks
        self.transposed = transposed
    }

    /// Number of samples.
    public var samples: Int { shape.count == 1 ? shape[0] : (transposed ? shape[1] : shape[0]) }
    /// Length of the variables axis.
    public var variableAxis: Int { shape.count == 1 ? 1 : (transposed ? shape[0] : shape[1]) }
}

/// The input's variables and datasets, from metadata only (no values read): what an
/// ``InputSource`` knows once opened, and all that planning needs.
public struct InputCatalog: Sendable {
    /// Input file path as given.
    public var file: String
    /// Datasets the variables come from.
    public var datasets: [DatasetDescription]
    /// The variables, in input order.
    public var variables: [VariableDescriptor]
    /// Number of samples n (equal for every dataset).
    public var samples: Int

    /// Creates a catalog.
    public init(file: String, datasets: [DatasetDescription], variables: [VariableDescriptor], samples: Int) {
        self.file = file
        self.datasets = datasets
        self.variables = variables
        self.samples = samples
    }

    /// Bytes of the values of all variables as float64.
    public var totalBytes: Int { variables.reduce(0) { $0 + $1.dimension } * samples * 8 }
}
