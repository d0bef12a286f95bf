/// What an estimator does with repeated values (ties): discrete, rounded and zero-inflated
/// data, the normal case for counts, labels and sensor readings. Raw values are the CLI
/// spellings (`--ties`). Measured on families with exact MI (`mibatch-estimators(7)`, TIES).
public enum TieHandling: String, CaseIterable, Codable, Sendable {
    /// The default. Per variable (``VariableData/tieProfile(dimension:)``):
    /// - a *mixture* (a few values repeated many times — atoms, like the zeros of expression
    ///   data — beside a continuous part) has its atoms moved beyond the continuous part's
    ///   range (``VariableData/separatingAtoms()``: a bijection, so the MI is unchanged, and
    ///   no continuous sample counts an atom as its neighbour any more);
    /// - a *categorical* scalar (every value an atom: labels, small alphabets) is treated as
    ///   categories, as `--discrete` does (the engine's part): with another categorical
    ///   variable the plug-in estimate, with a continuous one the mixed estimator on
    ///   category codes that no distance bridges (Ross 2014);
    /// - a *discrete* variable (ties but light values too: counts with a tail, readings
    ///   rounded to a resolution) is dequantized (``VariableData/dequantized(seed:variableIndex:)``:
    ///   seeded uniform noise over each value's cell; the original is recoverable from it,
    ///   so the MI is unchanged);
    /// then pairs that still have ties use the mixed estimator (Gao et al. 2017).
    case auto
    /// The mixed estimator of Gao, Kannan, Oh and Viswanath (NeurIPS 2017) on the values as
    /// they are, for every pair in which a value repeats (see ``KSG``). Deterministic.
    case mixed
    /// Every variable with ties dequantized (mixtures included), then the estimator as for
    /// continuous data.
    case jitter
    /// The old rule: defined (same bits every time) but not an estimate of MI on tied data
    /// (KSG-2 reads large negative values on zero-inflated data). For reproducing old runs.
    case none
}

/// How the values of one scalar variable (or one dimension) repeat.
public enum TieProfile: Equatable, Sendable {
    /// No value repeats.
    case continuous
    /// `atoms` values repeat at least ``VariableData/atomMultiplicity(count:)`` times and the
    /// other samples are mostly distinct (a continuous part).
    case mixture(atoms: Int)
    /// Every value is an atom (labels, genotypes, small alphabets): `levels` distinct values.
    case categorical(levels: Int)
    /// Values repeat, not all of them atoms, and no continuous part (counts with a long
    /// tail, readings rounded to a resolution): `levels` distinct values.
    case discrete(levels: Int)
}

extension VariableData {
    /// True when two samples are equal in every dimension.
    ///
    /// - Complexity: O(n·d·log n) (sorts sample indices lexicographically).
    public var hasRepeatedSamples: Bool {
        guard count > 1 else { return false }
        let d = dimension
        return values.withUnsafeBufferPointer { v in
            var order = Array(0..<count)
            order.sort { a, b in
                for j in 0..<d where v[a * d + j] != v[b * d + j] { return v[a * d + j] < v[b * d + j] }
                return a < b
            }
            for t in 1..<order.count {
                let a = order[t - 1], b = order[t]
                var equal = true
                for j in 0..<d where v[a * d + j] != v[b * d + j] { equal = false; break }
                if equal { return true }
            }
            return false
        }
    }

    /// Per dimension: the smallest positive gap between two distinct values, and whether any
    /// value repeats. `nil` gap for a dimension with fewer than two distinct values.
    ///
    /// - Guarantees: resolution(αV) = α·resolution(V) for α > 0 (bit-exact for powers of two).
    /// - Complexity: O(n·d·log n).
    public func resolution() -> [(gap: Double?, tied: Bool)] {
        (0..<dimension).map { j in
            let column = self.column(j).sorted()
            var gap: Double? = nil
            var tied = false
            for t in column.indices.dropFirst() {
                let g = column[t] - column[t - 1]
                if g == 0 { tied = true } else if g < (gap ?? .infinity) { gap = g }
            }
            return (gap, tied)
        }
    }

    /// Samples a value must have to count as an atom: max(8, ⌈√(2n)⌉), the band width of
    /// the KSG grid (an atom is what would fill a band on its own).
    public static func atomMultiplicity(count n: Int) -> Int {
        max(8, Int((2 * Double(n)).squareRoot().rounded(.up)))
    }

    /// How dimension `j`'s values repeat: continuous (no ties), a mixture (atoms of at least
    /// ``atomMultiplicity(count:)`` samples beside a part whose values are at least half
    /// distinct and hold at least 5% of the samples), categorical (every value an atom) or
    /// discrete (anything else with ties).
    ///
    /// - Complexity: O(n log n).
    public func tieProfile(dimension j: Int = 0) -> TieProfile {
        let sorted = column(j).sorted()
        let n = sorted.count
        let heavy = Self.atomMultiplicity(count: n)
        var atoms = 0, levels = 0, rest = 0, restDistinct = 0, tied = false
        var a = 0
        while a < n {
            var b = a + 1
            while b < n && sorted[b] == sorted[a] { b += 1 }
            levels += 1
            if b - a > 1 { tied = true }
            if b - a >= heavy { atoms += 1 } else { rest += b - a; restDistinct += 1 }
            a = b
        }
        if !tied { return .continuous }
        if atoms > 0 && rest * 20 >= n && restDistinct * 2 >= rest { return .mixture(atoms: atoms) }
        return rest == 0 ? .categorical(levels: levels) : .discrete(levels: levels)
    }

    /// A copy in which each value of every dimension that has ties is spread uniformly over
    /// its *cell*, the interval between the midpoints to its neighbouring distinct values
    /// (at the two ends, the inner half-gap on both sides); dimensions without ties are
    /// unchanged, bit for bit.
    ///
    /// Cells do not overlap, so each original value is recovered from the jittered one: the
    /// jittered variable carries exactly the original's information about any other
    /// (true MI unchanged), and for a discretized continuum (rounded readings) its density
    /// is the histogram of the original's. Entry (i, j)'s noise is the (i·d + j + 1)-th draw
    /// of `SeededGenerator(seed: seed, stream: variableIndex)`: a pure function of
    /// (seed, variable, position), whatever the thread count or sharding. Cells scale with
    /// the data, so dequantized(αV) = α·dequantized(V) (bit-exact for powers of two): the
    /// estimates stay invariant to rescaling either variable.
    ///
    /// - Complexity: O(n·d·log n).
    public func dequantized(seed: UInt64, variableIndex: UInt64) -> VariableData {
        guard count > 1, isFinite else { return self }
        let d = dimension
        // Per dimension: the sorted distinct values and their cells' half-widths below/above.
        var tables: [(values: [Double], below: [Double], above: [Double])?] = []
        for j in 0..<d {
            let sorted = column(j).sorted()
            var distinct: [Double] = []
            var tied = false
            for v in sorted { if v == distinct.last { tied = true } else { distinct.append(v) } }
            guard tied, distinct.count > 1 else { tables.append(nil); continue }
            let m = distinct.count
            var below = [Double](repeating: 0, count: m), above = below
            for t in 0..<m {
                let left = t > 0 ? (distinct[t] - distinct[t - 1]) * 0.5 : nil
                let right = t < m - 1 ? (distinct[t + 1] - distinct[t]) * 0.5 : nil
                below[t] = left ?? right!
                above[t] = right ?? left!
            }
            tables.append((distinct, below, above))
        }
        guard tables.contains(where: { $0 != nil }) else { return self }
        var rng = SeededGenerator(seed: seed, stream: variableIndex)
        var out = values
        for i in 0..<count {
            for j in 0..<d {
                let u = rng.nextUnit()
                guard let table = tables[j] else { continue }
                let v = out[i * d + j]
                // Binary search for v's position among the distinct values.
                var lo = 0, hi = table.values.count - 1
                while lo < hi { let mid = (lo + hi) / 2; if table.values[mid] < v { lo = mid + 1 } else { hi = mid } }
                let width = table.below[lo] + table.above[lo]
                // u in [0, 1): the cell [v − below, v + above), never reaching the next cell.
                out[i * d + j] = (v - table.below[lo]) + u * width
            }
        }
        return VariableData(count: count, dimension: dimension, values: out)
    }

    /// A scalar copy in which every atom (a value with at least ``atomMultiplicity(count:)``
    /// samples) is moved beyond the range R of all values: the a-th atom (ascending) to
    /// max + 2·R·a, a = 1, 2, …; the other values are unchanged. A bijection of the values,
    /// so every MI is unchanged; afterwards an atom is farther from every other value than
    /// any two original values are from each other, so no continuous sample counts an atom
    /// as a neighbour. Equivariant: separatingAtoms(αV) = α·separatingAtoms(V) (bit-exact for
    /// powers of two).
    ///
    /// - Precondition: `dimension == 1`.
    /// - Complexity: O(n log n).
    public func separatingAtoms() -> VariableData {
        precondition(dimension == 1, "separatingAtoms: scalar variables only")
        guard count > 1, isFinite else { return self }
        let sorted = values.sorted()
        let heavy = Self.atomMultiplicity(count: count)
        let range = sorted[count - 1] - sorted[0]
        guard range > 0 else { return self }
        var atoms: [Double] = []
        var a = 0
        while a < count {
            var b = a + 1
            while b < count && sorted[b] == sorted[a] { b += 1 }
            if b - a >= heavy { atoms.append(sorted[a]) }
            a = b
        }
        guard !atoms.isEmpty else { return self }
        let top = sorted[count - 1]
        let out = values.map { v -> Double in
            var lo = 0, hi = atoms.count
            while lo < hi { let mid = (lo + hi) / 2; if atoms[mid] < v { lo = mid + 1 } else { hi = mid } }
            guard lo < atoms.count, atoms[lo] == v else { return v }
            return top + 2 * range * Double(lo + 1)
        }
        return VariableData(count: count, dimension: 1, values: out)
    }
}

extension TieHandling {
    /// Applies this tie handling to one (normalized) variable before the estimator's
    /// preparation, and says what it found: the profile of each dimension.
    ///
    /// `auto`: a scalar mixture has its atoms separated (``VariableData/separatingAtoms()``),
    /// a categorical scalar is kept, anything else with ties (a discrete scalar, a vector
    /// with a tied dimension) is dequantized; `jitter`: every variable with ties is
    /// dequantized; `mixed`, `none`: unchanged. Deterministic per (seed, variableIndex).
    ///
    /// - Complexity: O(n·d·log n).
    public func treat(_ v: VariableData, seed: UInt64, variableIndex: UInt64) -> (VariableData, [TieProfile]) {
        let profiles = (0..<v.dimension).map { v.tieProfile(dimension: $0) }
        guard profiles.contains(where: { $0 != .continuous }) else { return (v, profiles) }
        switch self {
        case .none, .mixed:
            return (v, profiles)
        case .jitter:
            return (v.dequantized(seed: seed, variableIndex: variableIndex), profiles)
        case .auto:
            if v.dimension == 1, case .mixture = profiles[0] { return (v.separatingAtoms(), profiles) }
            if v.dimension == 1, case .categorical = profiles[0] { return (v, profiles) }
            return (v.dequantized(seed: seed, variableIndex: variableIndex), profiles)
        }
    }
}

extension VariableData {
    /// Spacing of the codes of a declared-discrete variable: 2^600, farther apart than any two
    /// normalized values of another variable can be, so a k-NN search never crosses from one
    /// category to another through a continuous partner's distances.
    public static let categorySpacing = 0x1p600

    /// A declared-discrete (categorical) variable as KSG sees it: one scalar whose value is
    /// the sample's category (its distinct value, or distinct row for d > 1) numbered
    /// 0, 1, … in ascending order, times ``categorySpacing``. Only equality matters then: the
    /// mixed estimator on (category, continuous Y) is Ross's (2014) discrete–continuous
    /// estimator — the k nearest within the sample's category, counts n_y over all samples.
    ///
    /// - Complexity: O(n·d·log n).
    public func categoryCodes() -> VariableData {
        let cells = Binned.prepareCategories(self).cells
        return VariableData(column: cells.map { Double($0) * Self.categorySpacing })
    }
}
