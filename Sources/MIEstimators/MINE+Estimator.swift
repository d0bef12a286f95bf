extension MINE {
    /// Everything that determines a MINE run's values: the training parameters (encoded
    /// under `mine`), `--normalization` and `--ties`.
    public struct Settings: EstimatorSettings {
        /// The training parameters.
        public var parameters: Parameters
        /// Normalization of each variable before training.
        public var normalization: Normalization
        /// What preparation does with repeated values (dequantization; MINE has no mixed
        /// estimator).
        public var ties: TieHandling

        /// The documented defaults: ``MINE/Parameters/init(hidden:learningRate:beta1:beta2:epsilon:batchSize:steps:optimizer:emaRate:holdoutFraction:averageLast:evaluationInterval:)``,
        /// global-linf ("MINE-Global-Corrected"), ties auto.
        public init(parameters: Parameters = Parameters(), normalization: Normalization = .globalLinf,
                    ties: TieHandling = .auto) {
            self.parameters = parameters
            self.normalization = normalization
            self.ties = ties
        }

        enum CodingKeys: String, CodingKey {
            case parameters = "mine", normalization, ties
        }

        /// ``MINE/Parameters/validationError``.
        public var validationError: String? { parameters.validationError }
    }
}

extension MINE: MutualInformationEstimator {
    /// `mine`.
    public static let name = "mine"
    /// 6·steps·batch·network weights plus 2·evaluations·evaluated samples·weights.
    public static let costModel = "MINE 6·steps·batch·network weights + 2·evaluations·evaluated samples·weights"

    /// - Precondition: `settings.validationError == nil`.
    public init(settings: Settings) {
        self.init(parameters: settings.parameters, normalization: settings.normalization, ties: settings.ties)
    }

    /// The settings it was made with.
    public var settings: Settings { Settings(parameters: parameters, normalization: normalizing, ties: ties) }

    /// 2; 3 with a hold-out (one sample to train on, two to evaluate); 5 with a
    /// cross-validated hold-out (one to train on, two in each half).
    public var minimumSamples: Int {
        parameters.holdoutFraction > 0 ? (parameters.checkpoint == .crossValidated ? 5 : 3) : 2
    }
    /// The configured normalization (never `nil`).
    public var normalization: Normalization? { normalizing }
    /// The configured tie handling.
    public var tieHandling: TieHandling? { ties }

    /// For example `MINE-Global-Corrected (hidden 64,64, adam lr 0.001, batch 256, 2000 steps, EMA rate 0.01, global-linf)`.
    public var label: String {
        let p = parameters
        let corrected = p.emaRate > 0 && p.emaRate < 1 ? "Corrected" : "Biased"
        let normalization = normalizing
        let scale = normalization.rawValue.hasPrefix("global") || normalization == .robust ? "Global" : (normalization == .local ? "Local" : (normalization == .rank ? "Rank" : (normalization == .whiten || normalization == .whitenRobust ? "Whitened" : "Raw")))
        return "MINE-\(scale)-\(corrected) (hidden \(p.hidden.map(String.init).joined(separator: ",")), \(p.optimizer.rawValue) lr \(p.learningRate), "
            + "batch \(p.batchSize), \(p.steps) steps, EMA rate \(p.emaRate), \(normalization.rawValue))"
    }

    /// 6·steps·batch·W + 2·E·m·W, W the weights of the network for d_x + d_y inputs
    /// (forward and backward over joint and product samples), E the evaluations of the
    /// bound and m the samples each covers (forward passes over joint and product rows).
    public func cost(samples: Int, dimensions: Int) -> Double {
        let p = parameters
        let widths = [dimensions] + p.hidden + [1]
        let perSample = zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
        let held = p.holdoutFraction > 0 ? Int((p.holdoutFraction * Double(samples)).rounded(.down)) : samples
        let evaluations = p.checkpoint == .crossValidated ? (p.steps - 1) / p.evaluationInterval + 1 : p.averageLast
        return Double(p.steps * 2 * p.batchSize * perSample) * 3 + Double(evaluations * 2 * held * perSample)
    }

    /// n·(20·d + 8): normalized values plus the transient copies of preparation.
    public func preparedBytes(samples: Int, dimension: Int) -> Int { samples * (20 * dimension + 8) }

    /// Declared-discrete variables: category indices 0, 1, …, normalized (no tie
    /// treatment). Others: normalized, then ties treated (dequantized; see ``TieHandling``).
    ///
    /// - Complexity: O(n·d·log n).
    public func prepareVariable(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (Prepared, TieFinding) {
        if role.isDeclaredDiscrete {
            let codes = VariableData(column: data.categoryCodes().values.map { $0 / VariableData.categorySpacing })
            return (prepare(try normalizing.apply(to: codes)), .declared)
        }
        let normalized = try normalizing.apply(to: data, seed: role.seed, variableIndex: UInt64(role.index))
        let (treated, profiles) = ties.treat(normalized, seed: role.seed, variableIndex: UInt64(role.index))
        return (prepare(treated), TieFinding(profiles))
    }

    /// ``estimate(_:_:seed:pair:)`` with the pair in canonical order (lower input position
    /// first), so the cells (i, j) and (j, i) of a matrix get the same random streams.
    public func estimate(_ x: Prepared, _ y: Prepared, pair: PairIdentity) throws(EstimationError) -> Double {
        let (i, j) = pair.variables
        return i <= j ? try estimate(x, y, seed: pair.seed, pair: (i, j)) : try estimate(y, x, seed: pair.seed, pair: (j, i))
    }
}

extension MINE {
    /// The values' rows permuted; O(n·d).
    public func permute(_ variable: Prepared, by permutation: [Int32]) -> Prepared {
        Prepared(permuting: variable, by: permutation)
    }
}
