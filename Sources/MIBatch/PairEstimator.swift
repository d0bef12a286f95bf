import MIEstimators

/// A variable after its one-time preparation, or why it could not be prepared.
enum PreparedVariable: @unchecked Sendable {
    case ready(PreparedData)
    case failed(String, FailureReason)
    /// `--nan pairwise`: prepared per pair on the samples finite in both variables.
    case pairwise(PairwiseVariable)
}

/// Per-variable state of the configured estimator.
enum PreparedData: @unchecked Sendable {
    case ksg(KSG.Prepared)
    case binned(Binned.Prepared)
    case mine(MINE.Prepared)
    /// A declared-discrete variable (`--discrete`) under KSG: its categories (for pairs with
    /// another discrete variable: the plug-in estimate) and its spaced category codes (for
    /// pairs with a continuous variable: the mixed estimator, i.e. Ross's).
    case categorical(Binned.Prepared, KSG.Prepared)
}

/// What preparation found about one variable's repeated values (for the run summary and
/// the `ties` provenance attribute).
enum VariableTies: UInt8, Sendable {
    case continuous = 0, mixture, categorical, discrete, declared

    init(_ profiles: [TieProfile]) {
        var kind = VariableTies.continuous
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

/// The configured estimator, dispatched once per pair (never per sample).
struct PairEstimator: Sendable {
    enum Kind: Sendable {
        case ksg(KSG)
        case binned(Binned)
        case mine(MINE)
    }

    let kind: Kind
    let normalization: Normalization
    let ties: TieHandling
    let seed: UInt64
    /// The plug-in estimate on pairs of two declared-discrete variables.
    let categories: Binned

    init(_ configuration: RunConfiguration) {
        seed = configuration.seed
        categories = Binned(bins: 2, biasCorrection: configuration.discreteCorrection)
        switch configuration.estimator {
        case .ksg:
            kind = .ksg(KSG(k: configuration.k, algorithm: configuration.ksgAlgorithm, ties: configuration.ties))
            normalization = configuration.normalization
            ties = configuration.ties
        case .binned:
            kind = .binned(Binned(bins: configuration.bins, biasCorrection: configuration.biasCorrection))
            normalization = .none
            ties = .none
        case .mine:
            kind = .mine(MINE(parameters: configuration.mine.parameters))
            normalization = configuration.normalization
            ties = configuration.ties
        }
    }

    /// Normalizes (where the estimator uses it), handles ties (KSG) and builds the
    /// per-variable structures. `variable` (input position) seeds the tie handling's noise;
    /// `discrete`: declared categorical (`--discrete`).
    func prepare(_ data: VariableData, variable: Int, discrete: Bool) -> (PreparedVariable, VariableTies) {
        switch kind {
        case let .binned(binned):
            return (.ready(.binned(discrete ? Binned.prepareCategories(data) : binned.prepare(data))),
                    discrete ? .declared : .continuous)
        case let .ksg(ksg) where discrete:
            guard data.isFinite else {
                let bad = data.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                return (.failed("\(EstimationError.nonFiniteValues(count: bad))", .other), .declared)
            }
            return (.ready(.categorical(Binned.prepareCategories(data), ksg.prepare(data.categoryCodes()))), .declared)
        case .ksg, .mine:
            var values = data
            if discrete, case .mine = kind { values = VariableData(column: data.categoryCodes().values.map { $0 / VariableData.categorySpacing }) }
            let normalized: VariableData
            do { normalized = try normalization.apply(to: values) } catch { return (.failed("\(error)", FailureReason(error)), .continuous) }
            switch kind {
            case let .ksg(ksg):
                let (treated, profiles) = ties.treat(normalized, seed: seed, variableIndex: UInt64(variable))
                if ties == .auto, profiles.count == 1, case .categorical = profiles[0] {
                    // Every value an atom: categories, as if declared with --discrete.
                    return (.ready(.categorical(Binned.prepareCategories(treated), ksg.prepare(treated.categoryCodes()))),
                            .categorical)
                }
                return (.ready(.ksg(ksg.prepare(treated))), VariableTies(profiles))
            case let .mine(mine):
                if discrete { return (.ready(.mine(mine.prepare(normalized))), .declared) }
                let (treated, profiles) = ties.treat(normalized, seed: seed, variableIndex: UInt64(variable))
                return (.ready(.mine(mine.prepare(treated))), VariableTies(profiles))
            case .binned: preconditionFailure("unreachable")
            }
        }
    }

    /// Estimates one pair in nats. `variables` (input positions of x and y) identify the
    /// pair's random stream (MINE), in canonical order so (i, j) and (j, i) agree.
    func estimate(_ x: PreparedData, _ y: PreparedData, variables: (Int, Int)) throws -> Double {
        switch (kind, x, y) {
        case let (.ksg(ksg), .ksg(a), .ksg(b)): return try ksg.estimate(a, b)
        case let (.ksg, .categorical(a, _), .categorical(b, _)): return try categories.estimate(a, b)
        case let (.ksg(ksg), .categorical(_, a), .ksg(b)), let (.ksg(ksg), .ksg(a), .categorical(_, b)):
            return try ksg.estimate(a, b)
        case let (.binned(binned), .binned(a), .binned(b)): return try binned.estimate(a, b)
        case let (.mine(mine), .mine(a), .mine(b)):
            return variables.0 <= variables.1
                ? try mine.estimate(a, b, seed: seed, pair: variables)
                : try mine.estimate(b, a, seed: seed, pair: (variables.1, variables.0))
        default: preconditionFailure("prepared data does not match the estimator")
        }
    }
}
