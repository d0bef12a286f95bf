/// The settings of one estimator: everything that determines its values, and nothing else.
///
/// Encoded as the estimator's keys of a run's `configuration` (flat, beside the run's own
/// keys), so two runs agree on their result exactly when their settings are equal; options of
/// other estimators never enter.
public protocol EstimatorSettings: Codable, Equatable, Sendable {
    /// The first problem with these settings as a message naming the parameter, or `nil`
    /// when they are valid. An estimator's `init(settings:)` requires `nil`.
    var validationError: String? { get }
}

/// Who a variable is within a run: what its preparation may depend on besides its values.
public struct VariableRole: Sendable, Equatable {
    /// Position of the variable in the input (identifies its random streams).
    public var index: Int
    /// Declared categorical by the user (`--discrete`).
    public var isDeclaredDiscrete: Bool
    /// The run's seed.
    public var seed: UInt64

    /// Creates a role.
    public init(index: Int, isDeclaredDiscrete: Bool = false, seed: UInt64 = 0) {
        self.index = index
        self.isDeclaredDiscrete = isDeclaredDiscrete
        self.seed = seed
    }
}

/// Which pair an estimate is for: what a randomized estimator seeds its streams from.
public struct PairIdentity: Sendable {
    /// The run's seed.
    public var seed: UInt64
    /// Input positions of the row and the column variable.
    public var variables: (Int, Int)

    /// Creates a pair identity.
    public init(seed: UInt64, variables: (Int, Int)) {
        self.seed = seed
        self.variables = variables
    }
}

/// What preparation found about one variable's repeated values (for the run summary and the
/// `tie_summary` provenance attribute). Raw values are stored, so they never change.
public enum TieFinding: UInt8, Sendable, CaseIterable {
    /// No value repeats (or the estimator does not look at ties).
    case continuous = 0
    /// Atoms beside a continuous part.
    case mixture
    /// Every value an atom.
    case categorical
    /// Repeated values without a continuous part (or dimensions of different kinds).
    case discrete
    /// Declared categorical (`--discrete`).
    case declared

    /// The finding for a variable whose dimensions have `profiles`.
    public init(_ profiles: [TieProfile]) {
        var kind = TieFinding.continuous
        for profile in profiles {
            switch profile {
            case .continuous: break
            case .mixture: kind = kind == .continuous ? .mixture : .discrete
            case .categorical: kind = kind == .continuous ? .categorical : .discrete
            case .discrete: kind = .discrete
            }
        }
        self = kind
    }
}

/// A mutual-information estimator as the engine runs it: settings, a one-time preparation
/// per variable, then one estimate per pair.
///
/// The engine dispatches through this protocol once per variable and once per pair, never
/// per sample: the hot loops live in the conforming type's ``estimate(_:_:pair:)``.
///
/// To add an estimator: one file with a conforming type (and its `Settings`), plus one case
/// in the run configuration's estimator registry (`EstimatorChoice` in MIBatch) and one
/// option group in the CLI.
public protocol MutualInformationEstimator: Sendable {
    /// Everything that determines the estimator's values.
    associatedtype Settings: EstimatorSettings
    /// A variable after its one-time preparation, shared by every pair that involves it.
    associatedtype Variable: Sendable

    /// The estimator's name as the CLI spells it (`--estimator NAME`).
    static var name: String { get }
    /// How ``cost(samples:dimensions:)`` grows, in words (for `mibatch plan`).
    static var costModel: String { get }

    /// An estimator with `settings`.
    ///
    /// - Precondition: `settings.validationError == nil`.
    init(settings: Settings)

    /// The settings it was made with.
    var settings: Settings { get }
    /// The fewest samples a pair may have; fewer is `tooFewSamples`.
    var minimumSamples: Int { get }
    /// The normalization applied to each variable before preparation, or `nil` when the
    /// estimator uses none (it is then invariant to per-variable scale by construction).
    var normalization: Normalization? { get }
    /// What preparation does with repeated values, or `nil` when ties are not treated.
    var tieHandling: TieHandling? { get }
    /// A human-readable label of the estimator and its parameters, e.g. `KSG-2 (k=3, global-linf)`.
    var label: String { get }
    /// The `normalization` provenance attribute: the normalization, or why there is none
    /// (default: its name, or "ignored by the NAME estimator").
    var normalizationDescription: String { get }
    /// The `ties` provenance attribute: the tie handling, or why there is none.
    var tieDescription: String { get }

    /// Relative cost of one pair of `samples` samples and `dimensions` = d_x + d_y, in
    /// arbitrary units comparable between pairs of one run (used to balance tiles and shards).
    func cost(samples: Int, dimensions: Int) -> Double
    /// Bytes of one prepared variable of `samples` samples and `dimension` dimensions,
    /// including the transient copies preparation makes (for the memory plan).
    func preparedBytes(samples: Int, dimension: Int) -> Int

    /// Prepares one variable: normalization, tie treatment and the estimator's structures.
    ///
    /// - Returns: the prepared variable and what was found about its ties.
    /// - Throws: `EstimationError` when the variable cannot be used (constant, non-finite).
    func prepareVariable(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (Variable, TieFinding)

    /// `variable` with its samples reordered: sample i of the result is sample
    /// `permutation[i]` of `variable` (a permutation test's surrogate, without preparing again).
    ///
    /// - Precondition: `permutation` is a permutation of 0 ..< n, n the variable's samples.
    /// - Guarantees: estimates with the result equal, bit for bit, those with the
    ///   preparation of the permuted prepared values (tie noise stays with its sample).
    /// - Complexity: O(n) for a scalar KSG variable without ties and for binned; O(n log n)
    ///   (or a new k-d tree) otherwise.
    func permute(_ variable: Variable, by permutation: [Int32]) -> Variable

    /// Î(X; Y) in nats for two prepared variables of one run.
    ///
    /// - Throws: `EstimationError` (too few samples, non-finite values, ...).
    func estimate(_ x: Variable, _ y: Variable, pair: PairIdentity) throws(EstimationError) -> Double
}

extension MutualInformationEstimator {
    /// The normalization's name, or "ignored by the NAME estimator".
    public var normalizationDescription: String {
        normalization?.rawValue ?? "ignored by the \(Self.name) estimator"
    }

    /// The tie handling's name, or "not applicable".
    public var tieDescription: String {
        tieHandling?.rawValue ?? "not applicable (the \(Self.name) estimator does not treat ties)"
    }
}
