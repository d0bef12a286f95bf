import Foundation
@testable import MIBatch
import MIEstimators
import Testing

/// Scale invariance on tied data (mibatch-estimators(7), SCALE INVARIANCE): with the default
/// global normalization and `--ties auto`, Î(αX; βY) = Î(X; Y) — bit for bit for powers of
/// two (every step, normalization, atom separation, dequantization cells and noise, is then
/// exact), and to rounding otherwise. The tie profile never depends on the scale (αx = αy
/// exactly when x = y).
@Suite struct TieScaleInvarianceTests {
    static let n = 3000

    static func variables() -> [VariableData] {
        var g = SeededGenerator(seed: 19, stream: 1)
        var zero = [Double](), rounded = [Double](), labels = [Double](), counts = [Double](), continuous = [Double]()
        for _ in 0..<n {
            let a = g.nextUnit(), b = g.nextUnit()
            zero.append(b < 0.7 ? 0 : exp(a + b))
            rounded.append(((a + 0.3 * b) * 10).rounded() / 10)
            labels.append(Double(Int(a * 4)))
            counts.append(floor(-log(1 - b) * 3 * a))
            continuous.append(a * a + 0.2 * b)
        }
        return [zero, rounded, labels, counts, continuous].map { VariableData(column: $0) }
    }

    static func estimate(_ x: VariableData, _ y: VariableData, _ configuration: RunConfiguration) throws -> Double {
        let estimator = PairEstimator(configuration)
        guard case let .ready(a) = estimator.prepare(x, variable: 0, discrete: false).0,
              case let .ready(b) = estimator.prepare(y, variable: 1, discrete: false).0
        else { throw EstimationError.constantVariable }
        return try estimator.estimate(a, b, variables: (0, 1))
    }

    @Test(arguments: [TieHandling.auto, .mixed, .jitter])
    func powersOfTwoAreBitExact(ties: TieHandling) throws {
        var configuration = RunConfiguration(input: "", dataset: nil, output: "")
        configuration.estimator = .ksg(KSG.Settings(ties: ties))
        let vars = Self.variables()
        for i in vars.indices {
            for j in vars.indices where j > i {
                let base = try Self.estimate(vars[i], vars[j], configuration)
                for (alpha, beta) in [(0x1p-20, 1.0), (1.0, 0x1p7), (0x1p30, 0x1p-3)] {
                    let scaled = try Self.estimate(vars[i].scaled(alpha), vars[j].scaled(beta), configuration)
                    #expect(scaled == base, "\(ties) pair (\(i), \(j)) α=\(alpha) β=\(beta): \(scaled) vs \(base)")
                }
            }
        }
    }

    /// Measured: these scales give the same bits too (0 difference); 1e-12 allows rounding.
    @Test func otherScalesAgreeToRounding() throws {
        let configuration = RunConfiguration(input: "", dataset: nil, output: "")
        let vars = Self.variables()
        for i in vars.indices {
            for j in vars.indices where j > i {
                let base = try Self.estimate(vars[i], vars[j], configuration)
                for (alpha, beta) in [(7.5, 1.0), (1.0, 1e-3), (1e5, 0.37)] {
                    let scaled = try Self.estimate(vars[i].scaled(alpha), vars[j].scaled(beta), configuration)
                    #expect(abs(scaled - base) <= 1e-12, "pair (\(i), \(j)) α=\(alpha) β=\(beta): \(scaled) vs \(base)")
                }
            }
        }
    }
}

extension VariableData {
    fileprivate func scaled(_ a: Double) -> VariableData {
        VariableData(count: count, dimension: dimension, values: values.map { $0 * a })
    }
}
