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
    let seed: UInt64

    init(_ configuration: RunConfiguration) {
        seed = configuration.seed
        switch configuration.estimator {
        case .ksg:
            kind = .ksg(KSG(k: configuration.k, algorithm: configuration.ksgAlgorithm))
            normalization = configuration.normalization
        case .binned:
            kind = .binned(Binned(bins: configuration.bins, biasCorrection: configuration.biasCorrection))
            normalization = .none
        case .mine:
            kind = .mine(MINE(parameters: configuration.mine.parameters))
            normalization = configuration.normalization
        }
    }

    /// Normalizes (where the estimator uses it) and builds the per-variable structures.
    func prepare(_ data: VariableData) -> PreparedVariable {
        switch kind {
        case let .binned(binned):
            return .ready(.binned(binned.prepare(data)))
        case .ksg, .mine:
            let normalized: VariableData
            do { normalized = try normalization.apply(to: data) } catch { return .failed("\(error)", FailureReason(error)) }
            switch kind {
            case let .ksg(ksg): return .ready(.ksg(ksg.prepare(normalized)))
            case let .mine(mine): return .ready(.mine(mine.prepare(normalized)))
            case .binned: preconditionFailure("unreachable")
            }
        }
    }

    /// Estimates one pair in nats. `variables` (input positions of x and y) identify the
    /// pair's random stream (MINE), in canonical order so (i, j) and (j, i) agree.
    func estimate(_ x: PreparedData, _ y: PreparedData, variables: (Int, Int)) throws -> Double {
        switch (kind, x, y) {
        case let (.ksg(ksg), .ksg(a), .ksg(b)): return try ksg.estimate(a, b)
        case let (.binned(binned), .binned(a), .binned(b)): return try binned.estimate(a, b)
        case let (.mine(mine), .mine(a), .mine(b)):
            return variables.0 <= variables.1
                ? try mine.estimate(a, b, seed: seed, pair: variables)
                : try mine.estimate(b, a, seed: seed, pair: (variables.1, variables.0))
        default: preconditionFailure("prepared data does not match the estimator")
        }
    }
}
