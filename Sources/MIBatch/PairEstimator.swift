import MIEstimators

/// A variable after its one-time preparation, or why it could not be prepared.
enum PreparedVariable: @unchecked Sendable {
    case ready(PreparedData)
    case failed(String, FailureReason)
    /// `--nan pairwise`: prepared per pair on the samples finite in both variables.
    case pairwise(PairwiseVariable)
}

/// The run's estimator's per-variable state (its `Variable`), type-erased; unwrapped once
/// per pair, never per sample.
struct PreparedData: @unchecked Sendable {
    let state: any Sendable
}

/// What preparation found about one variable's repeated values (see ``TieFinding``).
typealias VariableTies = TieFinding

/// The configured estimator behind one concrete type: the engine prepares variables and
/// estimates pairs through it, dispatching once per variable and once per pair.
struct PairEstimator: Sendable {
    private let base: any ErasedEstimator
    /// The run's seed (tie-handling noise, MINE's streams).
    let seed: UInt64
    /// The Gaussian-copula estimator when it is the run's (its scalar pairs go through panel
    /// products, ``TileRunner``).
    let gcmi: GCMI?

    init(_ configuration: RunConfiguration) {
        base = Self.erase(configuration.estimator.makeEstimator())
        seed = configuration.seed
        if case let .gcmi(settings) = configuration.estimator { gcmi = GCMI(settings: settings) } else { gcmi = nil }
    }

    private static func erase<E: MutualInformationEstimator>(_ estimator: E) -> any ErasedEstimator {
        Erased(estimator: estimator)
    }

    /// The fewest samples a pair may have.
    var minimumSamples: Int { base.minimumSamples }
    /// The estimator's label, e.g. `KSG-2 (k=3, global-linf)`.
    var label: String { base.label }
    /// The `normalization` and `ties` provenance attributes.
    var normalizationDescription: String { base.normalizationDescription }
    var tieDescription: String { base.tieDescription }
    /// The tie handling, `nil` when the estimator does not treat ties.
    var tieHandling: TieHandling? { base.tieHandling }
    /// How the cost grows, in words.
    var costModel: String { base.costModel }

    /// Relative cost of one pair (see ``MutualInformationEstimator/cost(samples:dimensions:)``).
    func cost(samples: Int, dimensions: Int) -> Double { base.cost(samples: samples, dimensions: dimensions) }
    /// Bytes of one prepared variable.
    func preparedBytes(samples: Int, dimension: Int) -> Int { base.preparedBytes(samples: samples, dimension: dimension) }

    /// Normalizes (where the estimator uses it), treats ties and builds the per-variable
    /// structures. `variable` (input position) seeds the tie handling's noise; `discrete`:
    /// declared categorical (`--discrete`).
    func prepare(_ data: VariableData, variable: Int, discrete: Bool) -> (PreparedVariable, VariableTies) {
        let role = VariableRole(index: variable, isDeclaredDiscrete: discrete, seed: seed)
        do throws(EstimationError) {
            let (state, ties) = try base.prepare(data, role)
            return (.ready(PreparedData(state: state)), ties)
        } catch {
            return (.failed("\(error)", FailureReason(error)), discrete ? .declared : .continuous)
        }
    }

    /// `x` with its samples reordered (sample i is sample `permutation[i]`), for a permutation test.
    func permute(_ x: PreparedData, by permutation: [Int32]) -> PreparedData {
        PreparedData(state: base.permute(x.state, permutation))
    }

    /// Estimates one pair in nats. `variables` (input positions of x and y) identify the
    /// pair's random streams.
    func estimate(_ x: PreparedData, _ y: PreparedData, variables: (Int, Int)) throws(EstimationError) -> Double {
        try base.estimate(x.state, y.state, PairIdentity(seed: seed, variables: variables))
    }
}

/// ``MutualInformationEstimator`` with its `Variable` type erased to `any Sendable`.
private protocol ErasedEstimator: Sendable {
    var minimumSamples: Int { get }
    var label: String { get }
    var normalizationDescription: String { get }
    var tieDescription: String { get }
    var tieHandling: TieHandling? { get }
    var costModel: String { get }
    func cost(samples: Int, dimensions: Int) -> Double
    func preparedBytes(samples: Int, dimension: Int) -> Int
    func prepare(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (any Sendable, TieFinding)
    func estimate(_ x: any Sendable, _ y: any Sendable, _ pair: PairIdentity) throws(EstimationError) -> Double
    func permute(_ x: any Sendable, _ permutation: [Int32]) -> any Sendable
}

private struct Erased<E: MutualInformationEstimator>: ErasedEstimator {
    let estimator: E

    var minimumSamples: Int { estimator.minimumSamples }
    var label: String { estimator.label }
    var normalizationDescription: String { estimator.normalizationDescription }
    var tieDescription: String { estimator.tieDescription }
    var tieHandling: TieHandling? { estimator.tieHandling }
    var costModel: String { E.costModel }
    func cost(samples: Int, dimensions: Int) -> Double { estimator.cost(samples: samples, dimensions: dimensions) }
    func preparedBytes(samples: Int, dimension: Int) -> Int { estimator.preparedBytes(samples: samples, dimension: dimension) }

    func prepare(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (any Sendable, TieFinding) {
        let (variable, ties) = try estimator.prepareVariable(data, role)
        return (variable, ties)
    }

    func estimate(_ x: any Sendable, _ y: any Sendable, _ pair: PairIdentity) throws(EstimationError) -> Double {
        guard let x = x as? E.Variable, let y = y as? E.Variable else {
            preconditionFailure("prepared data does not match the estimator")
        }
        return try estimator.estimate(x, y, pair: pair)
    }

    func permute(_ x: any Sendable, _ permutation: [Int32]) -> any Sendable {
        guard let x = x as? E.Variable else { preconditionFailure("prepared data does not match the estimator") }
        return estimator.permute(x, by: permutation)
    }
}
