/// Which KSG variant to compute (design.md §3). Raw values are the CLI spellings.
public enum KSGAlgorithm: String, CaseIterable, Codable, Sendable {
    /// Kraskov 2004 eq. 8: strict marginal counts within the joint k-NN radius ε_i;
    /// Î = ψ(k) + ψ(n) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩.
    case ksg1 = "1"
    /// Kraskov 2004 eq. 9: non-strict marginal counts within ε_x(i), ε_y(i), the largest
    /// marginal distances among the k joint neighbours; Î = ψ(k) − 1/k + ψ(n) − ⟨ψ(n_x) + ψ(n_y)⟩.
    case ksg2 = "2"
    /// The seed paper's eq. 1–2, for reproduction only: non-strict marginal counts within
    /// the *joint* radius ε_i; Î = ψ(k) − 1/k + ψ(n) − ⟨ψ(n_x) + ψ(n_y)⟩. Strongly biased
    /// (≈ −1/k for independent data); never a default.
    case joint
}

/// The Kraskov–Stögbauer–Grassberger k-nearest-neighbour MI estimator, in nats.
///
/// Distances are max-norm within a variable; the joint distance is the max of the two
/// variables' distances. All comparisons compare computed distances exactly (no epsilon),
/// so Î(αX; αT) = Î(X; T) bit-for-bit for α a power of two (and whenever scaling is exact).
///
/// **Ties** (discrete, rounded or zero-inflated data; see ``TieHandling``, whose `treat`
/// runs before ``prepare(_:)``): with any handling but ``TieHandling/none``, a pair in which either variable repeats a value is
/// estimated with the mixed estimator of Gao, Kannan, Oh and Viswanath (2017), which is
/// consistent for mixtures of discrete and continuous parts: per sample, ρ_i is the k-th
/// joint distance; when ρ_i = 0, k̃_i is the number of samples equal to i in both variables
/// (i included) and n_x, n_y count the samples sharing i's value; otherwise k̃_i = k and
/// n_x, n_y are KSG-1's strict counts; Î = ψ(n) + ⟨ψ(k̃)⟩ − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩. On
/// pairs without ties it is exactly the chosen algorithm. KSG-2's rectangle argument does
/// not survive ties (a strip of equal x has ε_x = 0; the bias is −1/k), so tied pairs use
/// the mixed estimator whichever of KSG-1 and KSG-2 is chosen. ``TieHandling/none`` keeps the
/// old defined-but-biased rule: ε_i is the k-th smallest of the n − 1 distances; KSG-1 with
/// ε_i = 0 has n_x = n_y = 0; KSG-2 takes every j with joint distance ≤ ε_i as the neighbour
/// set. The joint variant (reproduction only) always uses its own formula.
///
/// **Summation**: per-sample terms are accumulated as an integer histogram of digamma
/// arguments, then Σ ψ(m)·h[m] in increasing m. The result is therefore bit-identical
/// under any permutation of the samples and under swapping X and Y.
///
/// - Complexity: see ``estimate(_:_:)``.
public struct KSG: Sendable {
    /// Number of neighbours k ≥ 1.
    public let k: Int
    /// The variant computed.
    public let algorithm: KSGAlgorithm
    /// What pairs with repeated values get: every handling but ``TieHandling/none`` estimates
    /// the pairs that still have ties (after ``TieHandling/treat(_:seed:variableIndex:)``)
    /// with the mixed estimator.
    public let ties: TieHandling
    /// The normalization ``prepareVariable(_:_:)`` applies (``prepare(_:)`` applies none).
    let normalizing: Normalization
    /// Bias correction of the plug-in estimate on pairs of two categorical variables
    /// (``estimate(_:_:pair:)``).
    public let discreteCorrection: Binned.BiasCorrection

    /// How the joint k-NN and the marginal counts of a pair with a multi-dimensional
    /// variable are searched. Never changes a value: both searches are exact and give the
    /// same bits (``NeighbourSearch``); only the time differs. Default ``NeighbourSearch/automatic``.
    public var neighbourSearch: NeighbourSearch = .automatic

    /// The correction added to every estimate of a pair without ties: ``KSGCorrection/lnc``
    /// adds ``lncCorrection(_:_:)``. Pairs estimated by the mixed estimator (ties) and
    /// pairs of two categorical variables get none.
    public let correction: KSGCorrection
    /// LNC's threshold α in (0, 1]; `nil`: ``lncAlpha(k:dimension:)`` of each pair's joint dimension.
    public let lncAlpha: Double?

    /// - Precondition: `k >= 1`.
    public init(k: Int, algorithm: KSGAlgorithm, ties: TieHandling = .auto, normalization: Normalization = .globalLinf,
                discreteCorrection: Binned.BiasCorrection = .millerMadow, correction: KSGCorrection = .none,
                lncAlpha: Double? = nil) {
        precondition(k >= 1, "KSG: k must be >= 1 (got \(k))")
        self.correction = correction
        self.lncAlpha = lncAlpha
        self.k = k
        self.algorithm = algorithm
        self.ties = ties
        self.normalizing = normalization
        self.discreteCorrection = discreteCorrection
    }

    /// True when the pair is estimated with the mixed (Gao et al.) estimator: any tie
    /// handling but `none`, not the joint variant, and a repeated
    /// value (scalar) or repeated sample (vector) in either variable.
    public func usesMixedEstimator(_ x: Prepared, _ y: Prepared) -> Bool {
        ties != .none && algorithm != .joint && (x.hasTies || y.hasTies)
    }

    /// Per-variable search structures, computed once and shared by every pair (and every
    /// KSG configuration: they do not depend on k or the algorithm). Immutable; safe to
    /// share across threads.
    public final class Prepared: Sendable {
        /// Number of samples n.
        public let count: Int
        /// Dimensions d of the variable.
        public let dimension: Int
        /// Number of NaN/∞ values (estimates involving this variable throw if > 0).
        public let nonFiniteCount: Int
        /// False when some dimension's max − min overflows (estimates then throw).
        public let rangeIsFinite: Bool
        /// True when some value repeats (d = 1) or some sample repeats exactly (d > 1).
        public let hasTies: Bool
        /// Values in sample order; empty for a finite scalar variable, whose values are
        /// `sorted[rank[i]]` (not stored twice: all-pairs runs hold every variable prepared).
        let storedValues: [Double]
        /// d == 1: values ascending (ties by sample index).
        let sorted: [Double]
        /// d == 1: each sample's position in `sorted`, in 2 bytes when n ≤ 65,536, 3 bytes when
        /// n ≤ 16,777,216, 4 above (10, 11 or 12 bytes per sample prepared with `sorted`).
        let ranks: _PackedRanks
        /// d > 1: k-d tree for marginal range counts.
        let tree: _KDTree?

        /// `rankWidth` overrides the rank width in bytes (tests run every width on small inputs).
        /// `buildsTree` false leaves a multi-dimensional variable without its k-d tree (only
        /// the brute-force search can use it then).
        init(_ v: VariableData, rankWidth: Int? = nil, buildsTree: Bool = true) {
            precondition(v.count < (1 << 30), "KSG: at most 2^30 samples")
            precondition(v.values.count == v.count * v.dimension, "KSG: inconsistent VariableData")
            count = v.count
            dimension = v.dimension
            let bad = v.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            nonFiniteCount = bad
            var spanOK = true
            if bad == 0 && v.count > 0 {
                for j in 0..<v.dimension {
                    var lo = Double.infinity, hi = -Double.infinity
                    for i in 0..<v.count { let a = v.values[i * v.dimension + j]; lo = min(lo, a); hi = max(hi, a) }
                    if !(hi - lo).isFinite { spanOK = false }
                }
            }
            rangeIsFinite = spanOK
            if v.dimension == 1 && bad == 0 {
                let vals = v.values
                var order = Array(0..<v.count)
                order.sort { vals[$0] < vals[$1] || (vals[$0] == vals[$1] && $0 < $1) }
                sorted = order.map { vals[$0] }
                var r = [Int32](repeating: 0, count: v.count)
                for (pos, i) in order.enumerated() { r[i] = Int32(pos) }
                ranks = _PackedRanks(r, width: rankWidth ?? _PackedRanks.width(forCount: v.count))
                tree = nil
                storedValues = []
                var tied = false
                for p in sorted.indices.dropFirst() where sorted[p] == sorted[p - 1] { tied = true; break }
                hasTies = tied
            } else {
                hasTies = bad == 0 && v.hasRepeatedSamples
                storedValues = v.values
                sorted = []
                ranks = _PackedRanks([], width: 4)
                tree = (buildsTree && v.dimension > 1 && bad == 0 && v.count > 0)
                    ? v.values.withUnsafeBufferPointer { _KDTree(values: $0, count: v.count, dim: v.dimension) }
                    : nil
            }
        }

        /// `source` with its samples reordered: sample i is sample `permutation[i]` of `source`.
        /// A finite scalar variable without ties keeps its sorted values and permutes its
        /// ranks (O(n)); any other is prepared again from its permuted values. Either way the
        /// result equals `Prepared` of the permuted values.
        init(permuting source: Prepared, by permutation: [Int32]) {
            precondition(permutation.count == source.count, "KSG: permutation of \(permutation.count) for \(source.count) samples")
            count = source.count
            dimension = source.dimension
            nonFiniteCount = source.nonFiniteCount
            rangeIsFinite = source.rangeIsFinite
            hasTies = source.hasTies
            if source.dimension == 1 && source.nonFiniteCount == 0 && !source.hasTies && source.storedValues.isEmpty {
                sorted = source.sorted
                ranks = _PackedRanks(permutation.map { Int32(source.ranks[Int($0)]) }, width: source.ranks.width)
                storedValues = []
                tree = nil
            } else {
                let values = source.values, d = source.dimension
                var moved = [Double](repeating: 0, count: values.count)
                for (i, from) in permutation.enumerated() {
                    for j in 0..<d { moved[i * d + j] = values[Int(from) * d + j] }
                }
                let fresh = Prepared(VariableData(count: source.count, dimension: d, values: moved),
                                     rankWidth: source.ranks.count == 0 ? nil : source.ranks.width,
                                     buildsTree: source.tree != nil || source.dimension == 1)
                sorted = fresh.sorted
                ranks = fresh.ranks
                storedValues = fresh.storedValues
                tree = fresh.tree
            }
        }

        /// Values in sample order (rebuilt from `sorted` and the ranks for a scalar variable).
        ///
        /// - Complexity: O(n) for a scalar variable (a new array), O(1) otherwise.
        var values: [Double] {
            guard storedValues.isEmpty, dimension == 1, count > 0 else { return storedValues }
            return (0..<count).map { sorted[ranks[$0]] }
        }

        /// The values in sample order, and the sorted values (scalar) or the k-d tree view.
        func withUnsafeParts<R>(
            _ body: (UnsafePointer<Double>, UnsafePointer<Double>?, _KDView?) -> R
        ) -> R {
            values.withUnsafeBufferPointer { vals in
                sorted.withUnsafeBufferPointer { s in
                    if let tree {
                        return tree.withView { body(vals.baseAddress!, nil, $0) }
                    }
                    return body(vals.baseAddress!, s.baseAddress, nil)
                }
            }
        }
    }

    /// Builds the per-variable structures. `v` should already be normalized.
    ///
    /// - Complexity: O(n log n) for d = 1 (sort); O(n·d·log n) for d > 1 (k-d tree; O(n·d)
    ///   from ``NeighbourSearch/alwaysBruteForceDimension`` dimensions under the automatic search).
    public func prepare(_ v: VariableData) -> Prepared { Prepared(v, buildsTree: buildsTree(dimension: v.dimension)) }

    /// Î(X; Y) in nats.
    ///
    /// - Throws: ``EstimationError/dimensionMismatch(_:)`` if the sample counts differ;
    ///   ``EstimationError/tooFewSamples(count:required:)`` if n ≤ k;
    ///   ``EstimationError/nonFiniteValues(count:)`` if either variable holds NaN/∞;
    ///   ``EstimationError/valueRangeOverflow`` if differences of values overflow.
    /// - Complexity: scalar pairs: O(n log n) expected (rank grid for the joint k-NN,
    ///   binary search for marginal counts); otherwise a per-pair k-d tree, O(n log n)
    ///   expected for fixed dimension, or, when ``NeighbourSearch/usesBruteForce(samples:jointDimension:)``
    ///   says so, exact blocked brute force, O(n²·(d_x + d_y)) with vector instructions and
    ///   the same result bits. Allocates O(n·(d_x + d_y)) scratch per call, nothing per sample.
    public func estimate(_ x: Prepared, _ y: Prepared) throws(EstimationError) -> Double {
        guard x.count == y.count else {
            throw .dimensionMismatch(
                "the two variables have different sample counts (\(x.count) vs \(y.count)); MI needs paired samples")
        }
        let n = x.count
        guard n >= minimumSamples else { throw .tooFewSamples(count: n, required: minimumSamples) }
        let bad = x.nonFiniteCount + y.nonFiniteCount
        guard bad == 0 else { throw .nonFiniteValues(count: bad) }
        guard x.rangeIsFinite && y.rangeIsFinite else { throw .valueRangeOverflow }

        let mixed = usesMixedEstimator(x, y)
        let lnc = correction == .lnc && !mixed && algorithm != .joint ? try lncCorrection(x, y) : 0
        var hist = [Int32](repeating: 0, count: n + 1)
        // Mixed estimator: how many samples have each k̃ (k, or m ≥ k + 1 exact duplicates).
        var khist = [Int32](repeating: 0, count: mixed ? n + 1 : 0)
        hist.withUnsafeMutableBufferPointer { h in
          khist.withUnsafeMutableBufferPointer { kh in
            if mixed && x.dimension == 1 && y.dimension == 1 {
                precondition(x.ranks.width == y.ranks.width, "KSG: equal n, equal rank widths")
                x.sorted.withUnsafeBufferPointer { xs in
                    y.sorted.withUnsafeBufferPointer { ys in
                        x.ranks.withUnsafeBytes { xb in
                            y.ranks.withUnsafeBytes { yb in
                                let xs = xs.baseAddress!, ys = ys.baseAddress!, h = h.baseAddress!, kh = kh.baseAddress!
                                switch x.ranks.width {
                                case 2:
                                    _ksgMixedHistogram(n: n, k: k, xs: xs, xr: _Ranks16(base: xb), ys: ys, yr: _Ranks16(base: yb),
                                                       hist: h, khist: kh)
                                case 3:
                                    _ksgMixedHistogram(n: n, k: k, xs: xs, xr: _Ranks24(base: xb), ys: ys, yr: _Ranks24(base: yb),
                                                       hist: h, khist: kh)
                                default:
                                    _ksgMixedHistogram(n: n, k: k, xs: xs, xr: _Ranks32(base: xb), ys: ys, yr: _Ranks32(base: yb),
                                                       hist: h, khist: kh)
                                }
                            }
                        }
                    }
                }
            } else if mixed {
                if usesBruteForce(x, y) {
                    _ksgBruteForceHistogram(x: x, y: y, k: k, algorithm: .ksg1, hist: h.baseAddress!, khist: kh.baseAddress!)
                } else {
                    _ksgTreeHistogram(x: x, y: y, k: k, algorithm: .ksg1, hist: h.baseAddress!, khist: kh.baseAddress!)
                }
            } else if x.dimension == 1 && y.dimension == 1 {
                precondition(x.ranks.width == y.ranks.width, "KSG: equal n, equal rank widths")
                x.sorted.withUnsafeBufferPointer { xs in
                    y.sorted.withUnsafeBufferPointer { ys in
                        x.ranks.withUnsafeBytes { xb in
                            y.ranks.withUnsafeBytes { yb in
                                let xs = xs.baseAddress!, ys = ys.baseAddress!, h = h.baseAddress!
                                switch x.ranks.width {
                                case 2:
                                    _ksgScalarHistogram(n: n, k: k, algorithm: algorithm, xs: xs, xr: _Ranks16(base: xb),
                                                        ys: ys, yr: _Ranks16(base: yb), hist: h)
                                case 3:
                                    _ksgScalarHistogram(n: n, k: k, algorithm: algorithm, xs: xs, xr: _Ranks24(base: xb),
                                                        ys: ys, yr: _Ranks24(base: yb), hist: h)
                                default:
                                    _ksgScalarHistogram(n: n, k: k, algorithm: algorithm, xs: xs, xr: _Ranks32(base: xb),
                                                        ys: ys, yr: _Ranks32(base: yb), hist: h)
                                }
                            }
                        }
                    }
                }
            } else if usesBruteForce(x, y) {
                _ksgBruteForceHistogram(x: x, y: y, k: k, algorithm: algorithm, hist: h.baseAddress!, khist: nil)
            } else {
                _ksgTreeHistogram(x: x, y: y, k: k, algorithm: algorithm, hist: h.baseAddress!, khist: nil)
            }
          }
        }
        let psi = Digamma.table(upTo: n)
        var sum = 0.0
        for m in 1...n where hist[m] != 0 { sum += psi[m] * Double(hist[m]) }
        let mean = sum / Double(n)
        if mixed {
            var ksum = 0.0
            for m in 1...n where khist[m] != 0 { ksum += psi[m] * Double(khist[m]) }
            return ksum / Double(n) + psi[n] - mean
        }
        switch algorithm {
        case .ksg1: return psi[k] + psi[n] - mean + lnc
        case .ksg2, .joint: return psi[k] - 1.0 / Double(k) + psi[n] - mean + lnc
        }
    }

    /// Convenience: `estimate(prepare(x), prepare(y))`.
    ///
    /// - Complexity: as ``prepare(_:)`` twice plus ``estimate(_:_:)``.
    public func estimate(_ x: VariableData, _ y: VariableData) throws(EstimationError) -> Double {
        try estimate(prepare(x), prepare(y))
    }
}
