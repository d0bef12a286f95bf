import Foundation
import MIEstimators
import Testing

/// Same (seed, pair) ⇒ same bits, whatever thread runs the pair; other seeds or pairs ⇒
/// other random streams. Small, fast configurations.
@Suite("MINE determinism")
struct MINEDeterminismTests {
    static let parameters = MINE.Parameters(batchSize: 64, steps: 150, averageLast: 3, evaluationInterval: 10)
    static let data = MINETestData.gaussians(n: 400, d: 2, totalMI: 0.5, seed: 9)

    static func run(_ p: MINE.Parameters = parameters, seed: UInt64, pair: (Int, Int)) throws -> Double {
        let m = MINE(parameters: p)
        return try m.estimate(m.prepare(data.0), m.prepare(data.1), seed: seed, pair: pair)
    }

    @Test("same seed and pair: identical bits (Adam, SGD, holdout)")
    func repeatable() throws {
        var sgd = Self.parameters
        sgd.optimizer = .sgd
        sgd.learningRate = 0.05
        var hold = Self.parameters
        hold.holdoutFraction = 0.25
        for p in [Self.parameters, sgd, hold] {
            let a = try Self.run(p, seed: 7, pair: (2, 5)), b = try Self.run(p, seed: 7, pair: (2, 5))
            #expect(a.isFinite)
            #expect(a.bitPattern == b.bitPattern, "\(a) vs \(b)")
        }
    }

    @Test("another pair, seed or orientation: another stream")
    func distinctStreams() throws {
        let base = try Self.run(seed: 7, pair: (2, 5))
        #expect(try Self.run(seed: 7, pair: (2, 6)) != base)
        #expect(try Self.run(seed: 7, pair: (5, 2)) != base)
        #expect(try Self.run(seed: 8, pair: (2, 5)) != base)
    }

    @Test("pairs run concurrently on two threads give the sequential bits")
    func threadIndependent() async throws {
        let pairs = [(0, 1), (0, 2), (1, 2), (3, 4)]
        let sequential = try pairs.map { try Self.run(seed: 11, pair: $0).bitPattern }
        let concurrent = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
            for (k, pair) in pairs.enumerated() {
                group.addTask { (k, try Self.run(seed: 11, pair: pair).bitPattern) }
            }
            var out = [UInt64](repeating: 0, count: pairs.count)
            for try await (k, bits) in group { out[k] = bits }
            return out
        }
        #expect(concurrent == sequential)
    }
}

@Suite("MINE parameters and errors")
struct MINEValidationTests {
    @Test("defaults are valid and documented values")
    func defaults() {
        let p = MINE.Parameters()
        #expect(p.validationError == nil)
        #expect(p.hidden == [64, 64] && p.batchSize == 256 && p.steps == 2000 && p.optimizer == .adam)
        #expect(p.learningRate == 1e-3 && p.emaRate == 0.01 && p.holdoutFraction == 0.4)
        #expect(p.averageLast == 10 && p.evaluationInterval == 20 && p.checkpoint == .crossValidated)
    }

    @Test("a parameter set recorded before the checkpoint rule existed decodes as the old rule (last)")
    func decodesOldRecords() throws {
        var old = MINE.Parameters(holdoutFraction: 0, checkpoint: .last)
        let json = String(decoding: try JSONEncoder().encode(old), as: UTF8.self)
        #expect(json.contains("\"checkpoint\":\"last\""), "\(json)")
        let withoutKey = json.replacingOccurrences(of: ",\"checkpoint\":\"last\"", with: "")
            .replacingOccurrences(of: "\"checkpoint\":\"last\",", with: "")
        #expect(!withoutKey.contains("checkpoint"), "\(withoutKey)")
        let decoded = try JSONDecoder().decode(MINE.Parameters.self, from: Data(withoutKey.utf8))
        #expect(decoded == old)
        old.checkpoint = .crossValidated
        old.holdoutFraction = 0.4
        let roundTrip = try JSONDecoder().decode(MINE.Parameters.self, from: JSONEncoder().encode(old))
        #expect(roundTrip == old)
    }

    @Test("invalid parameters are named")
    func invalid() {
        var bad: [MINE.Parameters] = []
        var p = MINE.Parameters(); p.hidden = []; bad.append(p)
        p = MINE.Parameters(); p.hidden = [8, 0]; bad.append(p)
        p = MINE.Parameters(); p.learningRate = 0; bad.append(p)
        p = MINE.Parameters(); p.emaRate = 1.5; bad.append(p)
        p = MINE.Parameters(); p.holdoutFraction = 1; bad.append(p)
        p = MINE.Parameters(); p.batchSize = 0; bad.append(p)
        p = MINE.Parameters(); p.steps = 150; bad.append(p)  // 10 evaluations 20 apart need > 180 steps
        p = MINE.Parameters(); p.beta2 = 1; bad.append(p)
        p = MINE.Parameters(); p.holdoutFraction = 0; bad.append(p)  // cross-validated needs held-out samples
        for q in bad { #expect(q.validationError != nil, "\(q)") }
    }

    @Test("mismatched counts, too few samples and NaN throw")
    func errors() {
        let m = MINE(parameters: MINE.Parameters(steps: 30, holdoutFraction: 0, averageLast: 1, checkpoint: .last))
        let a = VariableData(column: [1, 2, 3]), b = VariableData(column: [1, 2])
        #expect(throws: EstimationError.self) { try m.estimate(a, b, seed: 1) }
        let one = VariableData(column: [1])
        #expect(throws: EstimationError.tooFewSamples(count: 1, required: 2)) { try m.estimate(one, one, seed: 1) }
        // the default (cross-validated hold-out): one sample to train on, two in each half
        let cv = MINE(parameters: MINE.Parameters(steps: 30, averageLast: 1))
        let four = VariableData(column: [1, 2, 3, 4]), five = VariableData(column: [1, 2, 3, 4, 5])
        #expect(throws: EstimationError.tooFewSamples(count: 4, required: 5)) { try cv.estimate(four, four, seed: 1) }
        #expect((try? cv.estimate(five, VariableData(column: [3, 1, 2, 5, 4]), seed: 1))?.isFinite == true)
        let nan = VariableData(column: [1, .nan, 3])
        #expect(throws: EstimationError.nonFiniteValues(count: 1)) { try m.estimate(a, nan, seed: 1) }
        // tiny but valid data: a finite estimate
        let e = try? m.estimate(a, VariableData(column: [3, 1, 2]), seed: 1)
        #expect(e?.isFinite == true)
    }
}
