import MIEstimators
import MISignificance

/// Where a run's p-values come from (`--null`).
public enum NullMode: String, Codable, CaseIterable, Sendable {
    /// The shared null where it is exact (rank normalization, scalar variables), per-pair
    /// permutations otherwise.
    case auto
    /// One null for the whole run; refused where it is not exact.
    case shared
    /// Every pair permuted on its own.
    case perPair = "per-pair"
}

/// Permutation p-values and their multiple-testing adjustment (`--permutations` and the
/// options beside it); part of the result configuration.
public struct SignificanceSettings: Codable, Equatable, Sendable {
    /// N: null estimates of the shared null, or the most permutations of one pair.
    public var permutations: Int
    /// h: a pair's permutations stop once this many reach its estimate (0: never early).
    public var stopAfter: Int = 10
    /// Where the null comes from.
    public var null: NullMode = .auto
    /// The adjustment of `/qvalue`.
    public var correction: MultipleTesting = .bh
    /// `--fdr Q`: write `/edges`, the pairs of q ≤ Q; `nil`: no edge list.
    public var fdr: Double? = nil

    /// Settings of `permutations` permutations and the documented defaults.
    public init(permutations: Int) {
        self.permutations = permutations
    }

    /// The first problem, naming the option, or `nil`.
    public var validationError: String? {
        if permutations < 1 { return "--permutations must be at least 1 (got \(permutations)); 1000 gives p-values down to 1/1001" }
        if stopAfter < 0 { return "--permutation-stop must be 0 (never stop early) or more (got \(stopAfter))" }
        if let fdr, !(fdr > 0 && fdr <= 1) { return "--fdr must be in (0, 1] (got \(fdr)); 0.05 is usual" }
        return nil
    }

    /// The per-pair test.
    public var test: PermutationTest { PermutationTest(maximum: permutations, stopAfter: stopAfter) }

    /// Why the shared null would not be exact for `configuration` over `catalog`, or `nil`
    /// when it is: every pair's null distribution must be the same, which holds for scalar
    /// variables under the rank normalization (their ranks are uniformly random
    /// permutations under independence), with nothing declared categorical.
    public static func sharedNullObstacle(_ configuration: RunConfiguration, catalog: InputCatalog) -> String? {
        let estimator = configuration.estimator.makeEstimator()
        guard let normalization = estimator.normalization else {
            return "the \(configuration.estimator.kind.rawValue) estimator does not normalize its variables (give --estimator ksg or mine with --normalization rank)"
        }
        if normalization != .rank { return "the normalization is \(normalization.rawValue), not rank (give --normalization rank)" }
        if let wide = catalog.variables.first(where: { $0.columns.count > 1 }) {
            return "variable '\(wide.name)' has \(wide.columns.count) dimensions (the ranks of a multi-dimensional variable keep its own dependence structure)"
        }
        if configuration.discrete != nil { return "--discrete declares categorical variables, which are not ranked" }
        return nil
    }

    /// Whether the run uses the shared null.
    ///
    /// - Throws: ``MIBatchError/invalidOption(_:)`` for `--null shared` where it is not exact.
    public func usesSharedNull(_ configuration: RunConfiguration, catalog: InputCatalog) throws(MIBatchError) -> Bool {
        let obstacle = Self.sharedNullObstacle(configuration, catalog: catalog)
        switch null {
        case .perPair: return false
        case .auto: return obstacle == nil
        case .shared:
            if let obstacle { throw .invalidOption("--null shared: the shared null is exact only for scalar variables under --normalization rank, but \(obstacle); use --null per-pair") }
            return true
        }
    }
}

extension SignificanceSettings {
    /// The plan's `p-values:` line: the null, its cost, and where q-values are made.
    ///
    /// - Throws: as ``usesSharedNull(_:catalog:)``.
    func planDescription(_ configuration: RunConfiguration, catalog: InputCatalog) throws(MIBatchError) -> String {
        let adjust = "; \(correction.description) by the whole run or by mibatch merge of all shards"
            + (fdr.map { ", /edges at q <= \($0)" } ?? "")
        if try usesSharedNull(configuration, catalog: catalog) {
            return "p-values: shared null of \(permutations) estimates at n = \(catalog.samples) (about \(permutations) pairs' cost, once per run or shard"
                + (configuration.nullCache.map { "; reused from \($0) when there" } ?? "; --null-cache DIR reuses it") + ")" + adjust
        }
        let why = Self.sharedNullObstacle(configuration, catalog: catalog).map { " (no shared null: \($0))" } ?? ""
        return "p-values: per-pair permutations, up to \(permutations) per pair"
            + (stopAfter > 0 ? ", stopping after \(stopAfter) reach the estimate (about \(stopAfter)/p permutations for a pair of p-value p)" : "")
            + "\(why): up to \(permutations + 1)x the plain cost" + adjust
    }
}

/// The run's p-value machinery, shared by the worker threads: read-only once the tiles
/// start (``samples`` and ``null`` are set before).
final class SignificanceState: @unchecked Sendable {
    let settings: SignificanceSettings
    let test: PermutationTest
    /// Samples of a pair without missing values (after `--nan drop-rows`).
    var samples = 0
    /// The shared null, when the run uses one; pairs of ``samples`` samples use it.
    var null: NullDistribution? = nil

    /// `--nan pairwise`: pairs with fewer samples fall back to per-pair permutations.
    let pairwise: Bool

    init(_ settings: SignificanceSettings, pairwise: Bool = false) {
        self.settings = settings
        self.test = settings.test
        self.pairwise = pairwise
    }

    /// The p-value of `observed` (nats) for the pair of prepared `x`, `y` of `count`
    /// samples: from the shared null when it applies, else by permuting `y`'s samples.
    func pValue(observed: Double, _ x: PreparedData, _ y: PreparedData, count: Int, variables: (Int, Int),
                estimator: PairEstimator) -> Double {
        if observed.isNaN { return .nan }
        if let null, count == null.samples { return null.pValue(observed) }
        let seed = estimator.seed
        return test.pValue(observed: observed) { m in
            let permutation = SamplePermutation.make(count: count, seed: seed, stream: SamplePermutation.pairStream(variables: variables, index: m))
            return (try? estimator.estimate(x, estimator.permute(y, by: permutation), variables: variables)) ?? .nan
        }.p
    }

    /// `/pvalue`'s `method` attribute.
    var description: String {
        if let null {
            return "shared null (--normalization rank): " + null.description
                + (pairwise ? "; pairs with fewer samples (--nan pairwise) by per-pair permutations of the second variable's samples: " + test.description : "")
        }
        return "per-pair permutations of the second variable's samples, seeded from (seed, pair, permutation): " + test.description
    }
}
