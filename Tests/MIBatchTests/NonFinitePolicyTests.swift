import Foundation
import HDF5
@testable import MIBatch
import MIEstimators
import Testing

/// `--nan drop-rows`, `pairwise` and `error` through the engine (`EngineHarness`: an HDF5
/// input, the catalog, the plan and `Engine.run`, as `mibatch run` computes).
@Suite struct NonFinitePolicyTests {
    /// Three correlated columns of 120 samples, with NaN/Inf at known rows.
    func variables() -> [(name: String, values: [Double])] {
        var columns: [[Double]] = [[], [], []]
        var state: UInt64 = 11
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53 - 0.5
        }
        for _ in 0..<120 {
            let a = next()
            columns[0].append(a)
            columns[1].append(a + 0.5 * next())
            columns[2].append(next())
        }
        columns[0][3] = .nan
        columns[1][50] = .infinity
        columns[1][51] = .nan
        return columns.enumerated().map { ("v\($0)", $1) }
    }

    func configuration(_ policy: NonFinitePolicy) -> RunConfiguration {
        var configuration = RunConfiguration(input: "in.h5", dataset: "/d", output: "out.h5")
        configuration.nan = policy
        configuration.threads = 2
        return configuration
    }

    @Test func dropRowsEqualsTheFilteredData() throws {
        let input = variables()
        let result = try EngineHarness.run(input, configuration: configuration(.dropRows))
        let kept = (0..<120).filter { ![3, 50, 51].contains($0) }
        let expected = try EngineHarness.run(EngineHarness.selecting(input, rows: kept), configuration: configuration(.error))
        #expect(result.matrix.values.map(\.bitPattern) == expected.matrix.values.map(\.bitPattern))
        #expect(result.failedCells == 0 && result.doneCells == 3)
        #expect(result.matrix.samples == nil)
    }

    @Test func pairwiseCountsRowsFiniteInBoth() throws {
        let input = variables()
        let result = try EngineHarness.run(input, configuration: configuration(.pairwise))
        let samples = try #require(result.matrix.samples)
        #expect(samples[0 * 3 + 1] == 117 && samples[1 * 3 + 0] == 117)   // rows 3, 50, 51
        #expect(samples[0 * 3 + 2] == 119)                                // row 3
        #expect(samples[1 * 3 + 2] == 118)                                // rows 50, 51
        #expect(samples[0] == 0, "the diagonal is not computed")
        #expect(result.failedCells == 0)
        // Pair (v0, v2) is exactly the estimate on its 119 common rows.
        let rows = (0..<120).filter { $0 != 3 }
        let pair = EngineHarness.selecting([input[0], input[2]], rows: rows)
        let expected = try EngineHarness.run(pair, configuration: configuration(.error))
        #expect(result.matrix[0, 2].bitPattern == expected.matrix[0, 1].bitPattern)
    }

    /// With `error` the engine refuses the input at its first non-finite value.
    @Test func errorRefusesTheFirstNonFiniteValue() throws {
        #expect {
            _ = try EngineHarness.run(variables(), configuration: configuration(.error))
        } throws: { error in
            guard case let .nonFiniteValue(_, _, column, variable, row, value, total)? = error as? MIBatchError else { return false }
            return column == 0 && variable == "v0" && row == 3 && value.isNaN && total == 3
        }
    }
}
