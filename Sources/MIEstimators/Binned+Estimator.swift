extension Binned {
    /// Everything that determines a binned run's values (`--bins`, `--bias-correction`).
    public struct Settings: EstimatorSettings {
        /// Equal-width bins per dimension (≥ 2).
        public var bins: Int
        /// Bias correction of the plug-in estimate.
        public var biasCorrection: BiasCorrection

        /// The documented defaults: 10 bins, no correction.
        public init(bins: Int = 10, biasCorrection: BiasCorrection = .none) {
            self.bins = bins
            self.biasCorrection = biasCorrection
        }

        /// At least two bins.
        public var validationError: String? {
            bins >= 2 ? nil : "--bins must be at least 2 (got \(bins)); one bin carries no information"
        }
    }
}

extension Binned: MutualInformationEstimator {
    /// `binned`.
    public static let name = "binned"
    /// n·(d_x + d_y).
    public static let costModel = "binned n·(dx+dy)"

    /// - Precondition: `settings.validationError == nil`.
    public init(settings: Settings) {
        precondition(settings.validationError == nil, "Binned: \(settings.validationError ?? "")")
        self.init(bins: settings.bins, biasCorrection: settings.biasCorrection)
    }

    /// The settings it was made with.
    public var settings: Settings { Settings(bins: bins, biasCorrection: biasCorrection) }

    /// 2: one sample has no dependence to estimate.
    public var minimumSamples: Int { 2 }
    /// `nil`: bins span each dimension's minimum to maximum, so the estimate is invariant to
    /// affine maps of each variable without any normalization (Proposition 1).
    public var normalization: Normalization? { nil }
    /// `nil`: repeated values are counted as given.
    public var tieHandling: TieHandling? { nil }
    /// Why there is no normalization.
    public var normalizationDescription: String { "ignored by the binned estimator (bins span each dimension's min to max)" }
    /// Why ties are not treated.
    public var tieDescription: String { "not applicable (binned counts the values as given)" }

    /// For example `binned (10 bins, miller-madow)`.
    public var label: String {
        "binned (\(bins) bins\(biasCorrection == .none ? "" : ", \(biasCorrection.rawValue)"))"
    }

    /// n·(d_x + d_y), n at least 2.
    public func cost(samples: Int, dimensions: Int) -> Double { Double(max(samples, 2)) * Double(dimensions) }

    /// n·4 + 256: what stays resident, one Int32 cell id per sample (the joint cell over the
    /// variable's dimensions). The raw values and bin indices live only while the variable
    /// is prepared (the plan counts them for the blocks in flight).
    public func preparedBytes(samples: Int, dimension: Int) -> Int { samples * 4 + 256 }

    /// Declared-discrete variables get one cell per distinct value; others equal-width bins.
    ///
    /// - Complexity: O(n·d) (bins) or O(n·d·log n) (categories).
    public func prepareVariable(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (Prepared, TieFinding) {
        role.isDeclaredDiscrete ? (Self.prepareCategories(data), .declared) : (prepare(data), .continuous)
    }

    /// ``estimate(_:_:)-(Prepared,Prepared)``.
    public func estimate(_ x: Prepared, _ y: Prepared, pair: PairIdentity) throws(EstimationError) -> Double {
        try estimate(x, y)
    }
}

extension Binned {
    /// The cell ids permuted; O(n).
    public func permute(_ variable: Prepared, by permutation: [Int32]) -> Prepared {
        Prepared(permuting: variable, by: permutation)
    }
}
