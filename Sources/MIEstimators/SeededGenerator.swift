/// A deterministic, counter-based random number generator (SplitMix64 output function).
///
/// Output number c (c = 1, 2, …) of the stream is `mix64(key &+ c &* 0x9E3779B97F4A7C15)`,
/// where `key` is derived from `(seed, stream)` alone. So every draw is a pure function
/// of (seed, stream, position): results never depend on threads, task order or any
/// shared generator. Use one generator per independent purpose, with the stream id
/// naming the purpose (e.g. the variable index for jitter, a pair index for permutations).
///
/// - Note: Not cryptographic. Passes the usual statistical batteries as SplitMix64 does.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The stream key derived from `(seed, stream)`.
    public let key: UInt64
    /// How many 64-bit outputs have been drawn so far.
    public private(set) var position: UInt64 = 0

    /// Creates the stream identified by `(seed, stream)`, positioned at its start.
    ///
    /// - Complexity: O(1).
    public init(seed: UInt64, stream: UInt64) {
        let a = SeededGenerator.mix64(seed &+ 0x243F_6A88_85A3_08D3)
        let b = SeededGenerator.mix64(stream ^ 0x1319_8A2E_0370_7344)
        key = SeededGenerator.mix64(a ^ (b &* 0xD6E8_FEB8_6659_FD93))
    }

    /// Plain SplitMix64 (Steele, Lea, Flood 2014) started at `state`: output c is
    /// `mix64(state &+ c &* 0x9E3779B97F4A7C15)`, the sequence of the textbook
    /// `state += 0x9E3779B97F4A7C15; return mix64(state)`. For uses that need a seeded
    /// sequence but no (seed, stream) naming: the scheduler's victim choice, test data.
    ///
    /// - Complexity: O(1).
    public init(splitMix64State state: UInt64) {
        key = state
    }

    /// The next 64 uniformly distributed bits.
    ///
    /// - Complexity: O(1).
    public mutating func next() -> UInt64 {
        position &+= 1
        return SeededGenerator.mix64(key &+ position &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A uniform double in [0, 1) with 53 random bits (multiples of 2⁻⁵³).
    ///
    /// - Complexity: O(1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform double in [−1, 1) (multiples of 2⁻⁵²).
    ///
    /// - Complexity: O(1).
    public mutating func nextSignedUnit() -> Double {
        Double(next() >> 11) * 0x1p-52 - 1.0
    }

    /// SplitMix64's finalizer: a bijection on UInt64 with strong avalanche.
    ///
    /// - Complexity: O(1).
    @inlinable
    public static func mix64(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
