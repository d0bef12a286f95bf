#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension KSG {
    /// Everything that determines a KSG run's values (`--k`, `--ksg-algorithm`,
    /// `--normalization`, `--ties`, `--discrete-correction`, `--ksg-correction`, `--lnc-alpha`),
    /// encoded under those keys (`ksgCorrection` only when not `none`; `lncAlpha` only when given). Decoding
    /// configurations written before `ksgCorrection` existed gives `none`.
    public struct Settings: EstimatorSettings {
        /// Number of neighbours k ≥ 1 (`k`).
        public var k: Int
        /// The variant (`ksgAlgorithm`).
        public var algorithm: KSGAlgorithm
        /// Normalization of each variable before preparation.
        public var normalization: Normalization
        /// What preparation and estimation do with repeated values.
        public var ties: TieHandling
        /// Bias correction of the plug-in estimate on pairs of two categorical variables.
        public var discreteCorrection: Binned.BiasCorrection
        /// The correction added to the estimate (`ksgCorrection`): none, or LNC.
        public var correction: KSGCorrection
        /// LNC's threshold α in (0, 1] (`lncAlpha`); `nil`: NPEET_LNC's table for each pair's k and d.
        public var lncAlpha: Double?

        /// The documented defaults: KSG-2, k = 3, global-linf, ties auto, Miller–Madow, no correction.
        public init(k: Int = 3, algorithm: KSGAlgorithm = .ksg2, normalization: Normalization = .globalLinf,
                    ties: TieHandling = .auto, discreteCorrection: Binned.BiasCorrection = .millerMadow,
                    correction: KSGCorrection = .none, lncAlpha: Double? = nil) {
            self.k = k
            self.algorithm = algorithm
            self.normalization = normalization
            self.ties = ties
            self.discreteCorrection = discreteCorrection
            self.correction = correction
            self.lncAlpha = lncAlpha
        }

        enum CodingKeys: String, CodingKey {
            case k, algorithm = "ksgAlgorithm", normalization, ties, discreteCorrection, correction = "ksgCorrection", lncAlpha
        }

        /// Decodes; `ksgCorrection` absent (older configurations) means `none`.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            k = try c.decode(Int.self, forKey: .k)
            algorithm = try c.decode(KSGAlgorithm.self, forKey: .algorithm)
            normalization = try c.decode(Normalization.self, forKey: .normalization)
            ties = try c.decode(TieHandling.self, forKey: .ties)
            discreteCorrection = try c.decode(Binned.BiasCorrection.self, forKey: .discreteCorrection)
            correction = try c.decodeIfPresent(KSGCorrection.self, forKey: .correction) ?? .none
            lncAlpha = try c.decodeIfPresent(Double.self, forKey: .lncAlpha)
        }

        /// Encodes; `ksgCorrection` only when it is not `none` (and `lncAlpha` only when given), so
        /// the configuration of a run without a correction, and the resume and merge checks that
        /// compare it, are what they were before the option existed.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(k, forKey: .k)
            try c.encode(algorithm, forKey: .algorithm)
            try c.encode(normalization, forKey: .normalization)
            try c.encode(ties, forKey: .ties)
            try c.encode(discreteCorrection, forKey: .discreteCorrection)
            if correction != .none { try c.encode(correction, forKey: .correction) }
            try c.encodeIfPresent(lncAlpha, forKey: .lncAlpha)
        }

        /// `k` must be at least 1; α in (0, 1], and only with the LNC correction.
        public var validationError: String? {
            if k < 1 { return "--k must be at least 1 (got \(k)); KSG counts k nearest neighbours, 3 is usual" }
            if let a = lncAlpha {
                if correction != .lnc { return "--lnc-alpha is LNC's threshold: it needs --ksg-correction lnc" }
                if !(a > 0 && a <= 1) { return "--lnc-alpha must be in (0, 1] (got \(a)); NPEET_LNC's table gives 0.004 to 0.82" }
            }
            return nil
        }
    }

    /// A variable prepared for a KSG run.
    public enum Variable: Sendable {
        /// Values (normalized, ties treated) with their search structures.
        case values(Prepared)
        /// A categorical variable: its categories (for pairs with another categorical
        /// variable: the plug-in estimate) and its category codes spaced
        /// ``VariableData/categorySpacing`` apart (for pairs with a continuous variable: the
        /// mixed estimator within each category, i.e. Ross's estimator).
        case categories(Binned.Prepared, codes: Prepared)
    }
}

extension KSG: MutualInformationEstimator {
    /// `ksg`.
    public static let name = "ksg"
    /// n·log2 n·(d_x + d_y).
    public static let costModel = "KSG n·log2 n·(dx+dy)"

    /// - Precondition: `settings.validationError == nil`.
    public init(settings: Settings) {
        self.init(k: settings.k, algorithm: settings.algorithm, ties: settings.ties,
                  normalization: settings.normalization, discreteCorrection: settings.discreteCorrection,
                  correction: settings.correction, lncAlpha: settings.lncAlpha)
    }

    /// The settings it was made with.
    public var settings: Settings {
        Settings(k: k, algorithm: algorithm, normalization: normalizing, ties: ties, discreteCorrection: discreteCorrection,
                 correction: correction, lncAlpha: lncAlpha)
    }

    /// k + 1: a sample needs k neighbours.
    public var minimumSamples: Int { k + 1 }
    /// The configured normalization (never `nil`).
    public var normalization: Normalization? { normalizing }
    /// The configured tie handling.
    public var tieHandling: TieHandling? { ties }

    /// For example `KSG-2 (k=3, global-linf)`, `KSG-2 (k=11, whiten, LNC alpha=table)`.
    public var label: String {
        let name = algorithm == .joint ? "KSG-joint (seed paper)" : "KSG-\(algorithm.rawValue)"
        let lnc = correction == .lnc ? ", LNC alpha=\(lncAlpha.map { "\($0)" } ?? "table")" : ""
        return "\(name) (k=\(k), \(normalizing.rawValue)\(lnc))"
    }

    /// n·log2 n·(d_x + d_y), n at least 2; plus n²·(d_x + d_y) with the LNC correction
    /// (its brute-force neighbour search).
    public func cost(samples: Int, dimensions: Int) -> Double {
        let n = Double(max(samples, 2))
        return n * log2(n) * Double(dimensions) + (correction == .lnc ? n * n * Double(dimensions) : 0)
    }

    /// n·(24·d + 16): normalized copy, sorted values and packed ranks (d = 1) or the k-d tree.
    public func preparedBytes(samples: Int, dimension: Int) -> Int { samples * (24 * dimension + 16) }

    /// Declared-discrete variables become categories as they are (no normalization). Others
    /// are normalized, then ties are treated (``TieHandling/treat(_:seed:variableIndex:)``);
    /// with `auto`, a variable whose every value is an atom becomes categories too.
    ///
    /// - Complexity: O(n log n) for d = 1, O(n·d·log n) otherwise.
    public func prepareVariable(_ data: VariableData, _ role: VariableRole) throws(EstimationError) -> (Variable, TieFinding) {
        if role.isDeclaredDiscrete {
            guard data.isFinite else { throw .nonFiniteValues(count: data.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }) }
            return (.categories(Binned.prepareCategories(data), codes: prepare(data.categoryCodes())), .declared)
        }
        let normalized = try normalizing.apply(to: data, seed: role.seed, variableIndex: UInt64(role.index))
        let (treated, profiles) = ties.treat(normalized, seed: role.seed, variableIndex: UInt64(role.index))
        if ties == .auto, profiles.count == 1, case .categorical = profiles[0] {
            // Every value an atom: categories, as if declared with --discrete.
            return (.categories(Binned.prepareCategories(treated), codes: prepare(treated.categoryCodes())), .categorical)
        }
        return (.values(prepare(treated)), TieFinding(profiles))
    }

    /// Two categorical variables: the plug-in estimate (with `discreteCorrection`); otherwise
    /// ``estimate(_:_:)`` on the values or category codes.
    ///
    /// - Complexity: as ``estimate(_:_:)``, or O(n) for two categorical variables.
    public func estimate(_ x: Variable, _ y: Variable, pair: PairIdentity) throws(EstimationError) -> Double {
        switch (x, y) {
        case let (.categories(a, _), .categories(b, _)):
            return try Binned(bins: 2, biasCorrection: discreteCorrection).estimate(a, b)
        case let (.values(a), .values(b)), let (.categories(_, a), .values(b)), let (.values(a), .categories(_, b)):
            return try estimate(a, b)
        }
    }
}

extension KSG {
    /// Both parts of a categorical variable are permuted alike.
    public func permute(_ variable: Variable, by permutation: [Int32]) -> Variable {
        switch variable {
        case let .values(prepared): return .values(Prepared(permuting: prepared, by: permutation))
        case let .categories(categories, codes):
            return .categories(Binned.Prepared(permuting: categories, by: permutation),
                               codes: Prepared(permuting: codes, by: permutation))
        }
    }
}
