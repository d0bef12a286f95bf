import Foundation
@testable import MIBatch
import MIEstimators
import Testing

/// `--nan drop-rows` and `pairwise` in the in-memory engine (`Runner.compute`).
@Suite struct NonFinitePolicyTests {
    /// Three correlated columns of 120 samples, with NaN/Inf at known rows.
    func variables() -> [InputVariable] {
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
        return columns.enumerated().map { InputVariable(name: "v\($0)", data: VariableData(column: $1)) }
    }

    func configuration(_ policy: NonFinitePolicy) -> RunConfiguration {
        var configuration = RunConfiguration(input: "in.h5", dataset: "/d", output: "out.h5")
        configuration.nan = policy
        configuration.threads = 2
        return configuration
    }

    @Test func dropRowsEqualsTheFilteredData() {
        let input = variables()
        let result = Runner.compute(input, plan: .allPairs(3), configuration: configuration(.dropRows))
        let kept = (0..<120).filter { ![3, 50, 51].contains($0) }
        let filtered = input.map { InputVariable(name: $0.name, data: $0.data.selecting(rows: kept)) }
        let expected = Runner.compute(filtered, plan: .allPairs(3), configuration: configuration(.error))
        #expect(result.matrix.values.map(\.bitPattern) == expected.matrix.values.map(\.bitPattern))
        #expect(result.failedPairs == 0)
        #expect(result.matrix.samples == nil)
    }

    @Test func pairwiseCountsRowsFiniteInBoth() {
        let input = variables()
        let result = Runner.compute(input, plan: .allPairs(3), configuration: configuration(.pairwise))
        let samples = try! #require(result.matrix.samples)
        #expect(samples[0 * 3 + 1] == 117 && samples[1 * 3 + 0] == 117)   // rows 3, 50, 51
        #expect(samples[0 * 3 + 2] == 119)                                // row 3
        #expect(samples[1 * 3 + 2] == 118)                                // rows 50, 51
        #expect(samples[0] == 0, "the diagonal is not computed")
        // Pair (v0, v2) is exactly the estimate on its 119 common rows.
        let rows = (0..<120).filter { $0 != 3 }
        let pair = [input[0], input[2]].map { InputVariable(name: $0.name, data: $0.data.selecting(rows: rows)) }
        let expected = Runner.compute(pair, plan: .allPairs(2), configuration: configuration(.error))
        #expect(result.matrix[0, 2].bitPattern == expected.matrix[0, 1].bitPattern)
        // With error (no filtering here), pairs touching non-finite data fail with a reason.
        let failing = Runner.compute(input, plan: .allPairs(3), configuration: configuration(.error))
        #expect(failing.failedPairs == 3)
        #expect(failing.matrix.failureReasons == ["non-finite values": 3])
    }
}
