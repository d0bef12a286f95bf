import CMIKernels
import MIEstimators
import Testing

/// The C vector kernels behind MINE: every path (AVX where the CPU has it, the baseline
/// path, and a naive Swift loop with the same operation order) gives the same bits.
@Suite struct VectorKernelTests {
    /// Random floats with exact zeros (about a third), as ReLU activations have.
    static func values(_ count: Int, _ g: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in
            Double.random(in: 0..<1, using: &g) < 0.33 ? 0 : Float(Double.random(in: -2..<2, using: &g))
        }
    }

    @Test(arguments: [64, 37, 8, 3, 1])
    func combineRowsPathsAgreeBitForBit(count: Int) {
        var g = SeededGenerator(seed: UInt64(count), stream: 11)
        let rowsCount = 50, stride = count + 3
        let rows = Self.values(rowsCount * stride, &g)
        let coefficients = Self.values(rowsCount, &g)
        let start = Self.values(count, &g)
        let index = (0..<rowsCount).filter { coefficients[$0] != 0 }.map { Int32($0) }
        for useStart in [false, true] {
            var naive = [Float](repeating: 0, count: count)
            for j in 0..<count {
                var a: Float = useStart ? start[j] : 0
                for r in index { a += coefficients[Int(r)] * rows[Int(r) * stride + j] }
                naive[j] = a
            }
            var dispatched = [Float](repeating: .nan, count: count)
            var baseline = [Float](repeating: .nan, count: count)
            start.withUnsafeBufferPointer { s in
                let sp = useStart ? s.baseAddress : nil
                mib_combine_rows_f32(&dispatched, count, sp, rows, stride, coefficients, index, index.count)
                mib_combine_rows_f32_baseline(&baseline, count, sp, rows, stride, coefficients, index, index.count)
            }
            #expect(dispatched.map(\.bitPattern) == naive.map(\.bitPattern), "count \(count) start \(useStart) (avx \(mib_kernels_use_avx()))")
            #expect(baseline.map(\.bitPattern) == naive.map(\.bitPattern), "count \(count) start \(useStart)")
        }
    }

    @Test func compactFindsExactlyTheNonzeroPositions() {
        var g = SeededGenerator(seed: 5, stream: 12)
        for count in [0, 1, 3, 4, 5, 64, 67] {
            var v = Self.values(count, &g)
            // Negative zero is zero; NaN and infinities are nonzero.
            if count > 3 { v[0] = -0.0; v[1] = .nan; v[2] = -.infinity }
            var index = [Int32](repeating: -1, count: max(count, 1))
            let c = mib_compact_nonzero_f32(v, count, &index)
            let expected = (0..<count).filter { v[$0] != 0 || v[$0].isNaN }.map { Int32($0) }
            #expect(Array(index.prefix(c)) == expected, "count \(count)")
        }
    }
}
