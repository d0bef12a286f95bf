import MIEstimators

/// Uniformly random permutations of sample positions, each a pure function of
/// (seed, stream): a permutation test's surrogates never depend on threads, shards,
/// resumption or any shared generator.
public enum SamplePermutation {
    /// The permutation of 0 ..< `count` drawn from the stream (`seed`, `stream`): Fisher–Yates
    /// (Durstenfeld) with unbiased bounded integers (Lemire's multiply-and-reject), so every
    /// one of the n! permutations is equally likely and the draw is bit-identical on every
    /// platform and Swift version (the standard library's `shuffle` promises neither).
    ///
    /// - Precondition: 0 ≤ `count` < 2³¹.
    /// - Complexity: O(n) time, one n-element array.
    public static func make(count: Int, seed: UInt64, stream: UInt64) -> [Int32] {
        precondition(count >= 0 && count < Int(Int32.max), "SamplePermutation: count \(count) out of range")
        var generator = SeededGenerator(seed: seed, stream: stream)
        var permutation = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(i) }
            initialized = count
        }
        permutation.withUnsafeMutableBufferPointer { p in
            var i = count - 1
            while i > 0 {
                let j = Int(bounded(UInt64(i + 1), &generator))
                p.swapAt(i, j)
                i -= 1
            }
        }
        return permutation
    }

    /// A uniform integer in 0 ..< `bound` (Lemire 2019, "Fast random integer generation in
    /// an interval"): the high word of a 64×64-bit product, rejecting the biased low range.
    @inline(__always)
    static func bounded(_ bound: UInt64, _ generator: inout SeededGenerator) -> UInt64 {
        var product = generator.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = generator.next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// The stream of permutation `index` of the pair of input variables `variables`: the
    /// pair is taken in canonical order (lower position first), so cells (i, j) and (j, i)
    /// draw the same surrogates.
    public static func pairStream(variables: (Int, Int), index: Int) -> UInt64 {
        let (a, b) = variables.0 <= variables.1 ? variables : (variables.1, variables.0)
        let pair = SeededGenerator.mix64(UInt64(bitPattern: Int64(a)) &* 0xD1B5_4A32_D192_ED03 ^ UInt64(bitPattern: Int64(b)))
        return SeededGenerator.mix64(pair ^ 0x5045_524D_5554_4521) &+ UInt64(index)
    }

    /// The stream of draw `index` of a shared null distribution (distinct from every
    /// pair's streams but for a 2⁻⁶⁴ coincidence).
    public static func nullStream(index: Int) -> UInt64 {
        SeededGenerator.mix64(0x4E55_4C4C_4E55_4C4C) &+ UInt64(index)
    }
}
