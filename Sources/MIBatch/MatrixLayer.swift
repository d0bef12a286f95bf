import HDF5

/// Status codes stored in `/status` (design.md §5).
public enum PairStatus: UInt8, Sendable {
    /// Not computed (not part of this run or shard; the diagonal of an all-pairs matrix).
    case notComputed = 0
    /// Computed; the value in `/mi` is the estimate.
    case computed = 1
    /// Could not be computed (constant variable, too few samples, ...): `/mi` holds NaN.
    case failed = 2
    /// Screened out (`--screen`): not refined; `/mi` holds NaN, `/mi_screen` the screen's estimate.
    case screenedOut = 3
}

/// One per-cell matrix of the output (design.md §5): `/mi`, `/status`, `/samples`, ...
///
/// This is the registry: every matrix layer is one case here and one ``spec`` entry below,
/// and everything that handles per-cell results (the kernel's stores, ``CellRecord`` and
/// the checkpoint, ``MIMatrix``, ``OutputWriter``, ``Merge``, ``ResultFile``) loops over
/// ``all`` instead of naming layers. Adding a layer (say `/pvalue`, float64) is:
///
/// 1. a case here, in the position its dataset should take among the others;
/// 2. its ``LayerSpec`` in `makeSpec` (name, element, fill, attributes, ``LayerPresence``
///    when only some runs write it, merge rule, mirroring);
/// 3. in ``CellKernel/run(_:_:_:)``, setting its value in the cell's ``CellValues``
///    (`cell[.pvalue, as: Double.self] = p`);
/// 4. a line in mibatch-format(5) and mibatch(1) (OUTPUT).
///
/// Stores, records, the writer, its verification, merge, `ResultFile` and the tests that
/// iterate ``all`` then handle it; checkpoints switch to version 3, which names its layers
/// (older journals are refused, as their cells lack the new layer).
///
/// The order of ``all`` (the case order) is the order datasets are written in and the order
/// of a checkpoint entry's fields; it never depends on a dictionary or a set.
public enum MatrixLayer: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// `/mi` float64: the MI estimate in the configured units; NaN where not computed or failed.
    case mi
    /// `/status` uint8: ``PairStatus`` of each cell.
    case status
    /// `/samples` int32: the samples a pair used (`--nan pairwise` only).
    case samples
    /// `/pvalue` float64: the permutation p-value of each estimate (`--permutations` only).
    case pvalue
    /// `/qvalue` float64: the p-values adjusted over every computed pair (`--permutations`;
    /// derived once all pairs are done: whole runs and complete merges, never shards).
    case qvalue
    /// `/mi_screen` float64: the screening estimator's estimate of every pair (`--screen` only).
    case miScreen

    /// Every layer, in registry order (output and checkpoint order).
    public static let all: [MatrixLayer] = allCases
    /// The layers a cell's computation sets, which checkpoints journal: all but the derived ones.
    public static let journaled: [MatrixLayer] = allCases.filter { !$0.spec.isDerived }

    /// The dataset path, for example `/mi`.
    public var description: String { path }

    /// The full description of this layer.
    public var spec: LayerSpec { Self.specs[rawValue] }

    /// The dataset name without the leading slash (`mi`).
    public var name: String { spec.name }
    /// The dataset path (`/mi`).
    public var path: String { "/" + spec.name }
    /// The element type in memory and in the file.
    public var element: LayerElement { spec.element }

    /// Whether a run with `configuration` writes this layer.
    public func isPresent(in configuration: RunConfiguration) -> Bool { spec.presence.test(configuration) }

    private static let specs: [LayerSpec] = allCases.map(\.makeSpec)

    /// The one place each layer is described.
    private var makeSpec: LayerSpec {
        switch self {
        case .mi:
            return LayerSpec(name: "mi", element: .float64, fill: Double.nan, fileFillValue: .nan, attributes: [
                LayerAttribute("long_name", .text("mutual information")),
                LayerAttribute("units", .units),
                LayerAttribute("estimator", .estimator),
                LayerAttribute("_FillValue", .number(.nan)),
            ])
        case .status:
            return LayerSpec(name: "status", element: .uint8, fill: PairStatus.notComputed.rawValue, attributes: [
                LayerAttribute("long_name", .text("pair status")),
                LayerAttribute("flag_values", .numbers([0, 1, 2, 3])),
                LayerAttribute("flag_meanings", .text("not_computed computed failed screened_out")),
                LayerAttribute("failure_reasons", .failureReasons),
            ])
        case .samples:
            return LayerSpec(name: "samples", element: .int32, fill: Int32(0), attributes: [
                LayerAttribute("long_name", .text("samples used (rows finite in both variables, --nan pairwise)")),
            ], presence: LayerPresence(condition: "with --nan pairwise") { $0.nan == .pairwise })
        case .pvalue:
            return LayerSpec(name: "pvalue", element: .float64, fill: Double.nan, fileFillValue: .nan, attributes: [
                LayerAttribute("long_name", .text("permutation p-value of the MI estimate")),
                LayerAttribute("method", .significance),
                LayerAttribute("_FillValue", .number(.nan)),
            ], presence: LayerPresence(condition: "with --permutations") { $0.significance != nil })
        case .qvalue:
            return LayerSpec(name: "qvalue", element: .float64, fill: Double.nan, fileFillValue: .nan, attributes: [
                LayerAttribute("long_name", .text("p-value adjusted for multiple testing over every computed pair")),
                LayerAttribute("method", .correction),
                LayerAttribute("_FillValue", .number(.nan)),
            ], presence: LayerPresence(condition: "with --permutations, once every pair is computed (whole runs and complete merges)") { _ in false },
               isDerived: true)
        case .miScreen:
            return LayerSpec(name: "mi_screen", element: .float64, fill: Double.nan, fileFillValue: .nan, attributes: [
                LayerAttribute("long_name", .text("mutual information by the screening estimator (every pair; /mi holds the refined pairs)")),
                LayerAttribute("units", .units),
                LayerAttribute("estimator", .screenEstimator),
                LayerAttribute("_FillValue", .number(.nan)),
            ], presence: LayerPresence(condition: "with --screen") { $0.screen != nil })
        }
    }
}

/// Everything known about one matrix layer. Built only in ``MatrixLayer``.
public struct LayerSpec: Sendable {
    /// Dataset name (the path without its leading slash).
    public let name: String
    /// Element type in memory, in the file and (at ``LayerElement/bytes``) in checkpoints.
    public let element: LayerElement
    /// The value of a cell not computed, as the bits of ``element`` (see ``LayerValue``):
    /// what a fresh store, a merge and an absent checkpoint field start from.
    public let fillBits: UInt64
    /// The HDF5 fill value of the dataset (cells never written read back as it), or `nil`
    /// for libhdf5's default (zero). Only float64 layers can declare one.
    public let fileFillValue: Double?
    /// The dataset's attributes, in the order they are written (``OutputWriter`` adds
    /// `DIMENSION_LIST` when it attaches the scales).
    public let attributes: [LayerAttribute]
    /// When the layer is written.
    public let presence: LayerPresence
    /// How `mibatch merge` combines the shards' values.
    public let mergeRule: LayerMergeRule
    /// Whether a symmetric (all-pairs) plan stores the value at (j, i) too.
    public let mirrored: Bool
    /// Computed from other layers once every cell is done (by `run` for a whole run, by
    /// `merge` for shards), never by a cell: not in kernels' stores nor in checkpoints, and
    /// ``isPresent(in:)`` is false for it (it is added to a finished matrix).
    public let isDerived: Bool

    init<T: LayerValue>(name: String, element: LayerElement, fill: T, fileFillValue: Double? = nil,
                        attributes: [LayerAttribute], presence: LayerPresence = .always,
                        mergeRule: LayerMergeRule = .fromComputingShard, mirrored: Bool = true, isDerived: Bool = false) {
        precondition(T.element == element, "the fill value of /\(name) is not a \(element)")
        precondition(fileFillValue == nil || element == .float64, "only float64 layers declare an HDF5 fill value")
        self.name = name
        self.element = element
        self.fillBits = fill.layerBits
        self.fileFillValue = fileFillValue
        self.attributes = attributes
        self.presence = presence
        self.mergeRule = mergeRule
        self.mirrored = mirrored
        self.isDerived = isDerived
    }

    /// The fill value as `T` (which must be the element type).
    public func fill<T: LayerValue>(as type: T.Type = T.self) -> T {
        assert(T.element == element, "/\(name) holds \(element), not \(T.element)")
        return T(layerBits: fillBits)
    }
}

/// The element types layers use: the part of `HDF5.StorageType` a layer can hold.
public enum LayerElement: Sendable, Equatable, CustomStringConvertible {
    /// IEEE binary64 (`Double`).
    case float64
    /// Unsigned 8-bit integer (`UInt8`).
    case uint8
    /// Signed 32-bit integer (`Int32`).
    case int32

    /// The HDF5 file type (little-endian).
    public var storageType: StorageType {
        switch self {
        case .float64: return .float64
        case .uint8: return .uint8
        case .int32: return .int32
        }
    }

    /// Bytes per element, in memory, in the file and in a checkpoint entry.
    public var bytes: Int {
        switch self {
        case .float64: return 8
        case .uint8: return 1
        case .int32: return 4
        }
    }

    /// The HDF5 description a reader sees (`ElementType`), to check a file against.
    public var elementType: ElementType {
        switch self {
        case .float64: return .float(bytes: 8)
        case .uint8: return .integer(bytes: 1, signed: false)
        case .int32: return .integer(bytes: 4, signed: true)
        }
    }

    /// `float64`, `uint8`, `int32`.
    public var description: String { elementType.description }
}

/// One attribute of a layer's dataset.
public struct LayerAttribute: Sendable {
    /// Attribute name.
    public let name: String
    /// Its value, or where the value comes from.
    public let value: LayerAttributeValue

    init(_ name: String, _ value: LayerAttributeValue) {
        self.name = name
        self.value = value
    }

    /// The value written for `context`, or `nil` when the attribute is left out (no
    /// failure reasons to record).
    public func resolved(_ context: LayerContext) -> AttributeValue? {
        switch value {
        case let .text(text): return .string(text)
        case let .number(number): return .double(number)
        case let .numbers(numbers): return .doubles(numbers)
        case .units: return .string(context.units)
        case .estimator: return .string(context.estimator)
        case .failureReasons: return FailureReason.summary(context.failureReasons).map(AttributeValue.string)
        case .significance: return context.significance.map(AttributeValue.string)
        case .correction: return context.correction.map(AttributeValue.string)
        case .screenEstimator: return context.screenEstimator.map(AttributeValue.string)
        }
    }
}

/// A layer attribute's value: fixed, or taken from the run.
public enum LayerAttributeValue: Sendable {
    /// A scalar fixed-length UTF-8 string.
    case text(String)
    /// A scalar float64.
    case number(Double)
    /// A 1-D float64 array.
    case numbers([Double])
    /// The run's units (`nats` or `bits`), a string.
    case units
    /// The estimator label, a string.
    case estimator
    /// The failed cells counted by reason (``FailureReason/summary(_:)``); absent when none failed.
    case failureReasons
    /// How the p-values were computed (the run's null), a string.
    case significance
    /// The multiple-testing adjustment and its family, a string.
    case correction
    /// The screening estimator's label (`--screen`), a string.
    case screenEstimator
}

/// What a layer's attributes take from the run that wrote it.
public struct LayerContext: Sendable {
    /// `nats` or `bits`.
    public var units: String
    /// The estimator label (`RunConfiguration.estimatorLabel`).
    public var estimator: String
    /// Failed cells by reason label.
    public var failureReasons: [String: Int]
    /// How the p-values were computed (`/pvalue`'s `method`), when known.
    public var significance: String? = nil
    /// The adjustment of `/qvalue` (its `method`), when known.
    public var correction: String? = nil
    /// The screening estimator's label (`/mi_screen`'s `estimator`), with `--screen`.
    public var screenEstimator: String? = nil
}

/// When a layer is written.
public struct LayerPresence: Sendable {
    /// In words, for messages: `always`, `with --nan pairwise`.
    public let condition: String
    /// Whether every output has the layer (readers may require it).
    public let isAlways: Bool
    let test: @Sendable (RunConfiguration) -> Bool

    /// Present only when `test` holds for the run's configuration; `condition` says when.
    public init(condition: String, _ test: @escaping @Sendable (RunConfiguration) -> Bool) {
        self.condition = condition
        self.isAlways = false
        self.test = test
    }

    private init() {
        condition = "always"
        isAlways = true
        test = { _ in true }
    }

    /// In every output.
    public static let always = LayerPresence()
}

/// How `mibatch merge` combines one layer of its shards.
public enum LayerMergeRule: Sendable, Equatable {
    /// Each cell takes the value of the one shard whose `/status` there is not 0 (not
    /// computed); cells no shard holds keep the fill value. Two shards holding one cell
    /// are refused.
    case fromComputingShard
}
