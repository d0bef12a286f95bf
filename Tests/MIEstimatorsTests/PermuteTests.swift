import MIEstimators
import Testing

/// `permute(_:by:)` of every estimator: a prepared variable with its samples reordered
/// estimates, bit for bit, as the preparation of the reordered prepared values.
///
/// KSG and MINE normalize and treat ties before preparing, and `permute` reorders the
/// *prepared* (normalized, tie-treated) values, tie noise staying with its sample. So the
/// reference is the estimator's `prepare` of the treated values reordered — not
/// `prepareVariable` of the reordered raw data, whose normalization sums in another order
/// and whose tie noise is drawn by position.
@Suite struct PermuteTests {
    static let n = 800
    static let roles = (x: VariableRole(index: 0, seed: 17), y: VariableRole(index: 1, seed: 17))
    static let pair = PairIdentity(seed: 17, variables: (0, 1))
    static let pi = permutation(n, seed: 4).map { Int32($0) }
    static let identity = (0..<n).map { Int32($0) }

    static func bits(_ a: Double) -> UInt64 { a.bitPattern }

    /// The normalized, tie-treated values `prepareVariable` builds its variable from.
    static func treated(_ v: VariableData, _ role: VariableRole, _ normalization: Normalization, _ ties: TieHandling) throws -> VariableData {
        let normalized = try normalization.apply(to: v, seed: role.seed, variableIndex: UInt64(role.index))
        return ties.treat(normalized, seed: role.seed, variableIndex: UInt64(role.index)).0
    }

    /// KSG's two kinds of variable, prepared from already treated values.
    static func ksgVariable(_ ksg: KSG, _ treated: VariableData, categorical: Bool) -> KSG.Variable {
        categorical
            ? .categories(Binned.prepareCategories(treated), codes: ksg.prepare(treated.categoryCodes()))
            : .values(ksg.prepare(treated))
    }

    /// X fixed, Y permuted by `pi`: permute == prepare(treated Y reordered), bit for bit; the
    /// identity permutation changes nothing; reordering both X and Y alike changes nothing;
    /// and the permutation does change the estimate (it breaks the dependence).
    static func checkKSG(_ ksg: KSG, x: VariableData, y: VariableData, finding expected: TieFinding, _ label: String) throws {
        let norm = ksg.normalization!, ties = ksg.tieHandling!
        let (px, _) = try ksg.prepareVariable(x, roles.x)
        let (py, finding) = try ksg.prepareVariable(y, roles.y)
        #expect(finding == expected, "\(label): \(finding)")
        let categorical = finding == .categorical
        let ty = try treated(y, roles.y, norm, ties)
        // The reference preparation reproduces prepareVariable on the unpermuted values.
        let unpermuted = try ksg.estimate(px, py, pair: pair)
        #expect(bits(try ksg.estimate(px, ksgVariable(ksg, ty, categorical: categorical), pair: pair)) == bits(unpermuted), "\(label)")

        let permuted = try ksg.estimate(px, ksg.permute(py, by: pi), pair: pair)
        let reference = try ksg.estimate(px, ksgVariable(ksg, ty.permutedSamples(pi.map(Int.init)), categorical: categorical), pair: pair)
        #expect(bits(permuted) == bits(reference), "\(label): \(permuted) vs \(reference)")
        #expect(bits(try ksg.estimate(px, ksg.permute(py, by: identity), pair: pair)) == bits(unpermuted), "\(label)")
        let both = try ksg.estimate(ksg.permute(px, by: pi), ksg.permute(py, by: pi), pair: pair)
        #expect(bits(both) == bits(unpermuted), "\(label): joint reordering \(both) vs \(unpermuted)")
        #expect(unpermuted > 0.15 && permuted < unpermuted - 0.1, "\(label): \(unpermuted) → \(permuted)")
    }

    static let data = correlatedGaussians(n: n, d: 1, rho: 0.7, seed: 23)

    @Test func ksgScalarWithoutTies() throws {
        let (x, y) = Self.data
        for algorithm in [KSGAlgorithm.ksg1, .ksg2] {
            let ksg = KSG(k: 3, algorithm: algorithm)
            try Self.checkKSG(ksg, x: x, y: y, finding: .continuous, "\(algorithm) continuous")
            // Without ties the treatment is the identity: KSG.prepare of the normalized values.
            let (px, _) = try ksg.prepareVariable(x, Self.roles.x)
            let (py, _) = try ksg.prepareVariable(y, Self.roles.y)
            let normalized = try Normalization.globalLinf.apply(to: y).permutedSamples(Self.pi.map(Int.init))
            #expect(Self.bits(try ksg.estimate(px, ksg.permute(py, by: Self.pi), pair: Self.pair))
                == Self.bits(try ksg.estimate(px, .values(ksg.prepare(normalized)), pair: Self.pair)))
        }
        // Under the rank normalization too (the shared null's setting).
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg2, normalization: .rank), x: x, y: y, finding: .continuous, "rank")
    }

    @Test func ksgScalarWithTies() throws {
        let (x, y) = Self.data
        let zeroInflated = y.map { $0 < 0.2 ? 0 : $0 }  // ~58% zeros: a mixture, atoms kept tied
        let rounded = y.map { ($0 * 2).rounded() / 2 }  // discrete: dequantized under auto
        for algorithm in [KSGAlgorithm.ksg1, .ksg2] {
            try Self.checkKSG(KSG(k: 3, algorithm: algorithm), x: x, y: zeroInflated, finding: .mixture, "\(algorithm) mixture")
            try Self.checkKSG(KSG(k: 3, algorithm: algorithm), x: x, y: rounded, finding: .discrete, "\(algorithm) discrete")
            try Self.checkKSG(KSG(k: 3, algorithm: algorithm, ties: .mixed), x: x, y: zeroInflated, finding: .mixture,
                              "\(algorithm) mixed ties")
        }
        // Both variables tied: the mixed estimator with ties on both sides.
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg2, ties: .mixed), x: x.map { $0 < 0 ? 0 : $0 }, y: zeroInflated,
                          finding: .mixture, "both tied")
    }

    @Test func ksgTwoDimensional() throws {
        let (x, y) = correlatedGaussians(n: Self.n, d: 2, rho: 0.6, seed: 29)
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg2), x: x, y: y, finding: .continuous, "2-D")
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg1, normalization: .globalStd), x: x, y: y, finding: .continuous, "2-D ksg1")
        // Repeated rows (both coordinates coarse), left tied by `mixed`: the k-d tree path.
        let coarse = y.map { $0.rounded() }
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg2, ties: .mixed), x: x, y: coarse, finding: .discrete, "2-D repeated rows")
    }

    /// A few integer levels: categories under `auto` (Ross's estimator with a continuous X,
    /// the plug-in with a categorical X); both parts of the variable are permuted.
    @Test func ksgCategorical() throws {
        let (x, y) = Self.data
        let levels = y.map { min(3, max(0, ($0 + 1.5).rounded(.down))) }  // 0, 1, 2, 3
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg2), x: x, y: levels, finding: .categorical, "categorical vs continuous")
        let xLevels = x.map { $0 < 0 ? 0 : 1 }
        try Self.checkKSG(KSG(k: 3, algorithm: .ksg2), x: xLevels, y: levels, finding: .categorical, "categorical vs categorical")
    }

    @Test func binned() throws {
        let (x, y) = Self.data
        let (x2, y2) = correlatedGaussians(n: Self.n, d: 2, rho: 0.6, seed: 31)
        let cases: [(String, VariableData, VariableData, Bool)] = [
            ("scalar", x, y, false), ("2-D", x2, y2, false), ("declared discrete", x, y.map { ($0 * 2).rounded() }, true),
        ]
        for (label, x, y, declared) in cases {
            for estimator in [Binned(bins: 10, biasCorrection: .none), Binned(bins: 7, biasCorrection: .millerMadow)] {
                let role = VariableRole(index: 1, isDeclaredDiscrete: declared, seed: 17)
                let (px, _) = try estimator.prepareVariable(x, Self.roles.x)
                let (py, _) = try estimator.prepareVariable(y, role)
                let moved = y.permutedSamples(Self.pi.map(Int.init))
                let reference = declared ? Binned.prepareCategories(moved) : estimator.prepare(moved)
                let permuted = try estimator.estimate(px, estimator.permute(py, by: Self.pi), pair: Self.pair)
                #expect(Self.bits(permuted) == Self.bits(try estimator.estimate(px, reference, pair: Self.pair)), "\(label)")
                // No normalization: the raw data reordered prepares to the same cells.
                #expect(estimator.permute(py, by: Self.pi).cells == reference.cells, "\(label)")
                let unpermuted = try estimator.estimate(px, py, pair: Self.pair)
                #expect(Self.bits(try estimator.estimate(px, estimator.permute(py, by: Self.identity), pair: Self.pair)) == Self.bits(unpermuted))
                let both = try estimator.estimate(estimator.permute(px, by: Self.pi), estimator.permute(py, by: Self.pi), pair: Self.pair)
                #expect(Self.bits(both) == Self.bits(unpermuted), "\(label)")
                #expect(permuted < unpermuted - 0.05, "\(label): \(unpermuted) → \(permuted)")
            }
        }
    }

    @Test func mine() throws {
        let parameters = MINE.Parameters(hidden: [8], batchSize: 64, steps: 50, averageLast: 2, evaluationInterval: 10)
        let n = 300
        let pi = permutation(n, seed: 5).map { Int32($0) }
        let (x, y) = correlatedGaussians(n: n, d: 1, rho: 0.8, seed: 37)
        let (x2, y2) = correlatedGaussians(n: n, d: 2, rho: 0.8, seed: 41)
        let cases: [(String, VariableData, VariableData)] = [
            ("scalar", x, y), ("tied", x, y.map { $0.rounded() }), ("2-D", x2, y2),
        ]
        for (label, x, y) in cases {
            for normalization in [Normalization.globalLinf, .rank] {
                let estimator = MINE(parameters: parameters, normalization: normalization)
                let (px, _) = try estimator.prepareVariable(x, Self.roles.x)
                let (py, _) = try estimator.prepareVariable(y, Self.roles.y)
                let ty = try Self.treated(y, Self.roles.y, normalization, .auto)
                let unpermuted = try estimator.estimate(px, py, pair: Self.pair)
                #expect(Self.bits(try estimator.estimate(px, estimator.prepare(ty), pair: Self.pair)) == Self.bits(unpermuted))
                let permuted = try estimator.estimate(px, estimator.permute(py, by: pi), pair: Self.pair)
                let reference = try estimator.estimate(px, estimator.prepare(ty.permutedSamples(pi.map(Int.init))), pair: Self.pair)
                #expect(Self.bits(permuted) == Self.bits(reference), "\(label) \(normalization): \(permuted) vs \(reference)")
                #expect(Self.bits(try estimator.estimate(px, estimator.permute(py, by: (0..<n).map { Int32($0) }), pair: Self.pair))
                    == Self.bits(unpermuted), "\(label) \(normalization)")
                #expect(permuted != unpermuted, "\(label) \(normalization)")
            }
        }
    }
}
