/// Why an estimate (or a normalization) could not be computed for a variable or a pair.
///
/// Each case is confined to the variables or pair involved: callers record the pair as
/// failed and continue. `description` says what to change.
public enum EstimationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The variable's spread statistic is 0 or not finite, so it cannot be normalized
    /// (a constant variable; for `local`, a constant column; for `robust`, a variable in
    /// which at least half the samples sit at the median).
    case constantVariable
    /// Fewer samples than the estimator needs: `count` samples, at least `required` needed
    /// (KSG needs n ≥ k + 1; binned needs n ≥ 1).
    case tooFewSamples(count: Int, required: Int)
    /// The two variables (or a variable and its declared shape) do not match; the payload
    /// says how.
    case dimensionMismatch(String)
    /// The data contain `count` NaN or infinite values; estimators are defined for finite
    /// data only.
    case nonFiniteValues(count: Int)
    /// Differences between values overflow `Double` (a variable spans more than ~1.8e308,
    /// e.g. |values| near 1e308), so distances are not finite.
    case valueRangeOverflow
    /// A multi-dimensional variable whose `dimension` columns are linearly dependent after
    /// normalization: only `rank` of them carry information (the Gaussian-copula estimator
    /// and the `whiten` normalization need a regular covariance).
    case singularCovariance(dimension: Int, rank: Int)
    /// `--ksg-correction lnc` cannot run on a pair with a `dimension`-dimensional joint space
    /// and `k` neighbours: k < dimension (the k neighbour offsets span no d-dimensional
    /// box), or no α given and NPEET_LNC's table has none for (k, dimension).
    case lncUnavailable(k: Int, dimension: Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .constantVariable:
            return "variable has zero spread (constant, or for 'robust' at least half of its samples "
                + "equal the median) and cannot be normalized; drop it, or use another normalization"
        case .tooFewSamples(let count, let required):
            return "too few samples: \(count) available, at least \(required) required "
                + "(for KSG, use a smaller k or more samples)"
        case .dimensionMismatch(let what):
            return "shape mismatch: \(what)"
        case .nonFiniteValues(let count):
            return "\(count) value(s) are NaN or infinite; remove or impute them before estimating MI"
        case .valueRangeOverflow:
            return "values are so large (~1e308) that their differences overflow; rescale the data"
        case .singularCovariance(let dimension, let rank):
            return "the \(dimension) columns of the variable are linearly dependent (covariance rank \(rank) of \(dimension)); "
                + "drop the redundant columns (the Gaussian copula and --normalization whiten or whiten-robust need a regular covariance)"
        case .lncUnavailable(let k, let dimension):
            if k < dimension {
                return "--ksg-correction lnc needs k >= d_x + d_y = \(dimension) (got k = \(k)): the k neighbours must span the joint space; "
                    + "use --k \(dimension + 1) or more"
            }
            return "--ksg-correction lnc has no tabulated alpha for k = \(k) and d_x + d_y = \(dimension) "
                + "(NPEET_LNC's table: d = 2, 3, 5, 10 with d < k <= 20); give --lnc-alpha"
        }
    }
}
