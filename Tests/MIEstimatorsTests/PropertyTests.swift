import MIEstimators
import PropertyBased
import Testing

/// Requirement 7: symmetry and invariances, bit-exact (per-sample terms are accumulated as
/// an integer histogram and summed in a canonical order).
@Suite struct PropertyTests {
    static let algorithms = Gen<KSGAlgorithm>.case

    static func data(seed: UInt64, n: Int, dx: Int, dy: Int, rounded: Bool) -> (VariableData, VariableData) {
        var x = uniformData(n: n, d: dx, seed: seed, stream: 1)
        var y = uniformData(n: n, d: dy, seed: seed, stream: 2)
        for i in 0..<n { y.values[i * dy] += 0.7 * x.values[i * dx] }
        if rounded { x = x.map { ($0 * 5).rounded() }; y = y.map { ($0 * 5).rounded() } }
        return (x, y)
    }

    @Test func symmetry() async {
        await propertyCheck(
            count: 40, input: Gen.uint64(), Gen.int(in: 5...200), Gen.int(in: 1...3), Self.algorithms
        ) { seed, n, dx, alg in
            for k in [1, 3] where n > k {
                for (dxx, dyy) in [(1, 1), (dx, 2)] {
                    let (x, y) = Self.data(seed: seed, n: n, dx: dxx, dy: dyy, rounded: seed % 3 == 0)
                    let forward = try ksg(alg, x, y, k: k), backward = try ksg(alg, y, x, k: k)
                    #expect(forward == backward)
                }
            }
            let (x, y) = Self.data(seed: seed, n: n, dx: dx, dy: 1, rounded: false)
            let b = Binned(bins: 6, biasCorrection: .millerMadow)
            let bf = try b.estimate(x, y), bb = try b.estimate(y, x)
            #expect(bf == bb)
        }
    }

    @Test func samplePermutation() async {
        await propertyCheck(
            count: 40, input: Gen.uint64(), Gen.int(in: 5...200), Gen.int(in: 1...3), Self.algorithms
        ) { seed, n, d, alg in
            let (x, y) = Self.data(seed: seed, n: n, dx: d, dy: 1, rounded: seed % 3 == 0)
            let perm = permutation(n, seed: seed)
            let k = min(3, n - 1)
            let a = try ksg(alg, x, y, k: k)
            let c = try ksg(alg, x.permutedSamples(perm), y.permutedSamples(perm), k: k)
            #expect(a == c)
            let b = Binned(bins: 4, biasCorrection: .none)
            let ba = try b.estimate(x, y), bc = try b.estimate(x.permutedSamples(perm), y.permutedSamples(perm))
            #expect(ba == bc)
        }
    }

    @Test func dimensionPermutation() async {
        await propertyCheck(
            count: 40, input: Gen.uint64(), Gen.int(in: 5...150), Gen.int(in: 2...4), Self.algorithms
        ) { seed, n, d, alg in
            let (x, y) = Self.data(seed: seed, n: n, dx: d, dy: 2, rounded: seed % 3 == 0)
            let dims = permutation(d, seed: seed &+ 1)
            let k = min(2, n - 1)
            let a = try ksg(alg, x, y, k: k)
            let c = try ksg(alg, x.permutedDimensions(dims), y.permutedDimensions([1, 0]), k: k)
            #expect(a == c)
            let b = Binned(bins: 3, biasCorrection: .millerMadow)
            let ba = try b.estimate(x, y), bc = try b.estimate(x.permutedDimensions(dims), y)
            #expect(ba == bc)
        }
    }
}
