import Foundation
import MIEstimators
import Testing

/// What every ``MutualInformationEstimator`` promises the engine, checked generically over
/// each registered one (a new estimator gets the same checks by adding it to `all`).
@Suite struct EstimatorInterfaceTests {
    static func correlated(_ n: Int, seed: UInt64) -> (VariableData, VariableData) {
        var g = SeededGenerator(seed: seed, stream: 0)
        var x: [Double] = [], y: [Double] = []
        for _ in 0..<n {
            let a = gaussian(&g), b = gaussian(&g)
            x.append(a); y.append(0.8 * a + 0.6 * b)
        }
        return (VariableData(column: x), VariableData(column: y))
    }

    /// Each estimator with non-default settings, so a round trip cannot pass by defaults.
    static let all: [any MutualInformationEstimator] = [
        KSG(settings: KSG.Settings(k: 4, algorithm: .ksg1, normalization: .globalStd, ties: .mixed, discreteCorrection: .none)),
        Binned(settings: Binned.Settings(bins: 7, biasCorrection: .millerMadow)),
        MINE(settings: MINE.Settings(parameters: MINE.Parameters(hidden: [16], steps: 400, averageLast: 2, evaluationInterval: 10),
                                     normalization: .none, ties: .jitter)),
    ]

    @Test(arguments: 0..<all.count) func settingsRoundTripThroughJSON(index: Int) throws {
        try Self.roundTrip(Self.all[index])
    }

    static func roundTrip<E: MutualInformationEstimator>(_ estimator: E) throws {
        let data = try JSONEncoder().encode(estimator.settings)
        let decoded = try JSONDecoder().decode(E.Settings.self, from: data)
        #expect(decoded == estimator.settings)
        #expect(E(settings: decoded).settings == estimator.settings)
        #expect(decoded.validationError == nil)
        let defaults = try JSONDecoder().decode(E.Settings.self, from: JSONEncoder().encode(E(settings: decoded).settings))
        #expect(defaults == decoded)
    }

    @Test(arguments: 0..<all.count) func minimumSamplesIsWhatEstimateEnforces(index: Int) throws {
        try Self.minimum(Self.all[index])
    }

    static func minimum<E: MutualInformationEstimator>(_ estimator: E) throws {
        let m = estimator.minimumSamples
        #expect(m >= 2)
        let role = VariableRole(index: 0, seed: 1)
        func estimate(_ n: Int) throws(EstimationError) -> Double {
            let (x, y) = correlated(n, seed: 3)
            let (a, _) = try estimator.prepareVariable(x, role)
            let (b, _) = try estimator.prepareVariable(y, VariableRole(index: 1, seed: 1))
            return try estimator.estimate(a, b, pair: PairIdentity(seed: 1, variables: (0, 1)))
        }
        #expect(throws: EstimationError.tooFewSamples(count: m - 1, required: m)) { try estimate(m - 1) }
        #expect(throws: Never.self) { _ = try estimate(m) }
        #expect(try estimate(400) > 0.1, "ρ = 0.8 has 0.51 nats")
    }

    @Test(arguments: 0..<all.count) func costAndMemoryGrowWithTheData(index: Int) {
        let e = Self.all[index]
        #expect(e.cost(samples: 1000, dimensions: 2) > 0)
        #expect(e.cost(samples: 1000, dimensions: 4) > e.cost(samples: 1000, dimensions: 2))
        #expect(e.preparedBytes(samples: 2000, dimension: 1) > e.preparedBytes(samples: 1000, dimension: 1))
        // Never less for more dimensions (binned keeps one joint cell id a sample whatever d).
        #expect(e.preparedBytes(samples: 1000, dimension: 3) >= e.preparedBytes(samples: 1000, dimension: 1))
    }

    @Test func onlyBinnedNeedsNoNormalizationOrTieTreatment() {
        #expect(Self.all.map { $0.normalization == nil } == [false, true, false])
        #expect(Self.all.map { $0.tieHandling } == [.mixed, nil, .jitter])
        #expect(Self.all[1].normalizationDescription.contains("ignored"))
        #expect(Self.all[0].normalizationDescription == "global-std")
        #expect(Self.all[2].normalizationDescription == "none")
    }

    /// The protocol's preparation is the documented pipeline: normalization, then the
    /// estimator's own structures (KSG on normalized values equals KSG on the raw values
    /// normalized by hand, bit for bit).
    @Test func kSGPreparationNormalizesThenTreatsTies() throws {
        let (x, y) = Self.correlated(500, seed: 9)
        let ksg = KSG(settings: KSG.Settings(normalization: .globalStd))
        let (a, findingA) = try ksg.prepareVariable(x, VariableRole(index: 0))
        let (b, _) = try ksg.prepareVariable(y, VariableRole(index: 1))
        #expect(findingA == .continuous)
        let viaProtocol = try ksg.estimate(a, b, pair: PairIdentity(seed: 0, variables: (0, 1)))
        let byHand = try ksg.estimate(Normalization.globalStd.apply(to: x), Normalization.globalStd.apply(to: y))
        #expect(viaProtocol.bitPattern == byHand.bitPattern)
        // A declared-discrete variable is categories: two of them get the plug-in estimate.
        let labels = VariableData(column: (0..<500).map { Double($0 % 3) })
        let (c, finding) = try ksg.prepareVariable(labels, VariableRole(index: 2, isDeclaredDiscrete: true))
        #expect(finding == .declared)
        guard case .categories = c else { Issue.record("declared discrete is not categories"); return }
        let plugIn = try ksg.estimate(c, c, pair: PairIdentity(seed: 0, variables: (2, 2)))
        let expected = try Binned(bins: 2, biasCorrection: .millerMadow).estimate(Binned.prepareCategories(labels), Binned.prepareCategories(labels))
        #expect(plugIn == expected && abs(plugIn - log(3)) < 0.01)
    }
}
