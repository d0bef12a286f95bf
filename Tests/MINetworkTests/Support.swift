import Foundation
import MINetwork

/// SplitMix64: a small seeded generator for the tests' random matrices.
struct TestGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A standard normal deviate (Box–Muller).
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}




/// A random symmetric p × p matrix (diagonal 0) whose off-diagonal values are drawn from
/// `levels` equally spaced values in [0, 1]: few levels means many tied MI values.
func randomSymmetric(_ p: Int, levels: Int, seed: UInt64) -> [Double] {
    var generator = TestGenerator(seed: seed)
    var m = [Double](repeating: 0, count: p * p)
    for i in 0..<p { for j in (i + 1)..<max(i + 1, p) {
        let value = Double(Int.random(in: 1...levels, using: &generator)) / Double(levels)
        m[i * p + j] = value; m[j * p + i] = value
    } }
    return m
}

/// Every pair i < j whose value passes `keep`, as candidates.
func candidates(_ m: [Double], _ p: Int, keep: (Int, Int, Double) -> Bool = { _, _, _ in true }) -> [NetworkEdge] {
    var list: [NetworkEdge] = []
    for i in 0..<p { for j in (i + 1)..<max(i + 1, p) where keep(i, j, m[i * p + j]) {
        list.append(NetworkEdge(u: Int32(i), v: Int32(j), weight: m[i * p + j], mi: m[i * p + j]))
    } }
    return list
}

/// Edges as a dictionary key → weight (for comparison with dense references).
func weights(_ edges: [NetworkEdge], _ p: Int) -> [Int: Double] {
    var map: [Int: Double] = [:]
    for edge in edges { map[Int(edge.u) * p + Int(edge.v)] = edge.weight }
    return map
}

/// The upper triangle's positive entries of a dense weighted adjacency.
func weights(dense: [Double], _ p: Int) -> [Int: Double] {
    var map: [Int: Double] = [:]
    for i in 0..<p { for j in (i + 1)..<max(i + 1, p) where dense[i * p + j] > 0 { map[i * p + j] = dense[i * p + j] } }
    return map
}
