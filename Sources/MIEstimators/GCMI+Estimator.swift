extension GCMI {
    /// The bias correction of the Gaussian entropies (`--bias-correction` for gcmi).
    public enum BiasCorrection: String, Codable, CaseIterable, Sendable {
        /// None: the plug-in Gaussian MI (biased up by about d_x·d_y/(2n) nats).
        case none
        /// The exact expectation of the Gaussian entropy estimator's bias (Ince et al. 2017,
        /// frites' `biascorrect=True`).
        case gaussian
    }

    /// Everything that determines a GCMI run's values (`--bias-correction`), encoded under
    /// the key `biasCorrection`.
    public struct Settings: EstimatorSettings {
        /// The bias correction (default: gaussian).
        public var biasCorrection: BiasCorrection

        /// The documented default: bias-corrected.
        public init(biasCorrection: BiasCorrection = .gaussian) {
            self.biasCorrection = biasCorrection
        }

        /// Always valid.
        public var validationError: String? { nil }
    }
}

extension GCMI: MutualInformationEstimator {
    /// `gcmi`.
    public static let name = "gcmi"
    /// n·d_x·d_y (one dot product per pair of dimensions; all-pairs scalar runs are matrix products).
    public static let costModel = "GCMI n·dx·dy (scalar all pairs: one matrix product)"

    /// - Precondition: `settings.validationError == nil`.
    public init(settings: Settings) {
        self.init(biasCorrection: settings.biasCorrection == .gaussian)
    }

    /// The settings it was made with.
    public var settings: Settings { Settings(biasCorrection: biasCorrection ? .gaussian : .none) }

    /// ``GCMI/minimumSamples``.
    public var minimumSamples: Int { Self.minimumSamples }
    /// `nil`: the copula normalization is part of the estimator (only ranks enter).
    public var normalization: Normalization? { nil }
    /// `nil`: ties are broken at random by the copula normalization's ranks.
    public var tieHandling: TieHandling? { nil }
    /// The copula normalization.
    public var normalizationDescription: String {
        "copula (normal scores Φ⁻¹((r+1)/(n+1)) of each dimension; --normalization is ignored by the gcmi estimator)"
    }
    /// What happens to ties.
    public var tieDescription: String {
        "broken at random (seeded per variable and column) by the copula normalization's ranks"
    }

    /// For example `GCMI (bias-corrected)`.
    public var label: String { biasCorrection ? "GCMI (bias-corrected)" : "GCMI (no bias correction)" }

    /// n·d_x·d_y + d³ (the dot products and the Cholesky factorization).
    public func cost(samples: Int, dimensions: Int) -> Double {
        let half = Double(dimensions) / 2
        return Double(max(samples, 2)) * max(1, half * half) + Double(dimensions * dimensions * dimensions)
    }

    /// n·8·d for the scores and the Gram matrix; the ranking's transient copies (n·24 bytes)
    /// exist for the few variables being prepared at once.
    public func preparedBytes(samples: Int, dimension: Int) -> Int { samples * 8 * dimension + 8 * dimension * dimension + 64 }

    /// The copula normalization (``GCMI/prepare(_:seed:variableIndex:)``). Declared-discrete
    /// variables are refused by the run configuration before they get here.
    ///
    /// - Complexity: O(n·d·log n + n·d²).
    public func prepareVariable(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (Prepared, TieFinding) {
        let (prepared, tied) = try Self.prepareReportingTies(data, seed: role.seed, variableIndex: UInt64(role.index))
        // The tie profile (a second sort) only for the dimensions that have ties.
        let profiles = (0..<data.dimension).map { tied[$0] ? data.tieProfile(dimension: $0) : .continuous }
        return (prepared, TieFinding(profiles))
    }

    /// ``estimate(_:_:)-(Prepared,Prepared)``.
    public func estimate(_ x: Prepared, _ y: Prepared, pair: PairIdentity) throws(EstimationError) -> Double {
        try estimate(x, y)
    }

    /// The scores reordered; the Gram matrix and the determinant do not change. O(n·d).
    public func permute(_ variable: Prepared, by permutation: [Int32]) -> Prepared {
        let n = variable.count
        var scores = [Double](repeating: 0, count: variable.scores.count)
        for j in 0..<variable.dimension {
            for i in 0..<n { scores[j * n + i] = variable.scores[j * n + Int(permutation[i])] }
        }
        return Prepared(count: n, dimension: variable.dimension, scores: scores, gram: variable.gram,
                        halfLogDeterminant: variable.halfLogDeterminant)
    }
}
