import MIEstimators

/// A variable after its one-time preparation, or why it could not be prepared.
enum PreparedVariable: @unchecked Sendable {
    case ready(PreparedData)
    case failed(String)
}

/// Per-variable state of the configured estimator.
enum PreparedData: @unchecked Sendable {
    case ksg(KSG.Prepared)
    case binned(Binned.Prepared)
}

/// The configured estimator, dispatched once per pair (never per sample).
struct PairEstimator: Sendable {
    enum Kind: Sendable {
        case ksg(KSG)
        case binned(Binned)
    }

    let kind: Kind
    let normalization: Normalization

    init(_ configuration: RunConfiguration) {
        switch configuration.estimator {
        case .ksg:
            kind = .ksg(KSG(k: configuration.k, algorithm: configuration.ksgAlgorithm))
            normalization = configuration.normalization
        case .binned:
            kind = .binned(Binned(bins: configuration.bins, biasCorrection: configuration.biasCorrection))
            normalization = .none
        }
    }

    /// Normalizes (where the estimator uses it) and builds the per-variable structures.
    func prepare(_ data: VariableData) -> PreparedVariable {
        switch kind {
        case let .ksg(ksg):
            do {
                let normalized = try normalization.apply(to: data)
                return .ready(.ksg(ksg.prepare(normalized)))
            } catch {
                return .failed("\(error)")
            }
        case let .binned(binned):
            return .ready(.binned(binned.prepare(data)))
        }
    }

    /// Estimates one pair in nats.
    func estimate(_ x: PreparedData, _ y: PreparedData) throws -> Double {
        switch (kind, x, y) {
        case let (.ksg(ksg), .ksg(a), .ksg(b)): return try ksg.estimate(a, b)
        case let (.binned(binned), .binned(a), .binned(b)): return try binned.estimate(a, b)
        default: preconditionFailure("prepared data does not match the estimator")
        }
    }
}
