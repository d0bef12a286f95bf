import MIEstimators
import Testing

/// Requirement 11: seeded jitter.
@Suite struct JitterTests {
    static let v = VariableData(count: 1000, dimension: 2, values: (0..<2000).map { Double($0 % 7) })

    @Test func deterministicPerSeedAndIndex() {
        let a = Self.v.jittered(scale: 1e-3, seed: 42, variableIndex: 3)
        #expect(a == Self.v.jittered(scale: 1e-3, seed: 42, variableIndex: 3))
        #expect(a != Self.v.jittered(scale: 1e-3, seed: 42, variableIndex: 4))
        #expect(a != Self.v.jittered(scale: 1e-3, seed: 43, variableIndex: 3))
        #expect(a != Self.v)
    }

    @Test func boundedBySpread() {
        let s = Normalization.globalLinf.statistic(of: Self.v)!
        for scale in [1e-6, 1e-2, 0.5] {
            let j = Self.v.jittered(scale: scale, seed: 1, variableIndex: 0)
            let maxDev = zip(j.values, Self.v.values).map { abs($0 - $1) }.max()!
            #expect(maxDev <= scale * s * (1 + 1e-12))
            #expect(maxDev > 0.5 * scale * s)  // uses most of the range
        }
        // Spread, not level: shifting the data does not change the noise amplitude.
        let shifted = Self.v.map { $0 + 1e3 }
        let d1 = zip(Self.v.jittered(scale: 1e-3, seed: 1, variableIndex: 0).values, Self.v.values).map { $0 - $1 }
        let d2 = zip(shifted.jittered(scale: 1e-3, seed: 1, variableIndex: 0).values, shifted.values).map { $0 - $1 }
        #expect(zip(d1, d2).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test func breaksTies() throws {
        #expect(Set(Self.v.values).count == 7)
        let j = Self.v.jittered(scale: 1e-6, seed: 9, variableIndex: 1)
        #expect(Set(j.values).count == j.values.count)
        // With ties broken, KSG-1 on integer data is no longer the degenerate ε = 0 value.
        let x = VariableData(column: Self.v.column(0)), y = VariableData(column: Self.v.column(1))
        let raw = try ksg(.ksg1, x, y)
        let jit = try ksg(.ksg1, x.jittered(scale: 1e-6, seed: 9, variableIndex: 0),
                          y.jittered(scale: 1e-6, seed: 9, variableIndex: 1))
        #expect(jit.isFinite && jit < raw)
    }

    @Test func constantAndZeroScaleUnchanged() {
        let c = VariableData(column: [Double](repeating: 2, count: 10))
        #expect(c.jittered(scale: 0.1, seed: 1, variableIndex: 0) == c)
        #expect(Self.v.jittered(scale: 0, seed: 1, variableIndex: 0) == Self.v)
    }

    @Test func generatorStreamsAreIndependentOfOrder() {
        var a = SeededGenerator(seed: 7, stream: 1), b = SeededGenerator(seed: 7, stream: 2)
        let a1 = (0..<5).map { _ in a.next() }
        _ = (0..<5).map { _ in b.next() }
        var a2 = SeededGenerator(seed: 7, stream: 1)
        #expect((0..<5).map { _ in a2.next() } == a1)
        var c = SeededGenerator(seed: 7, stream: 1)
        let u = (0..<10_000).map { _ in c.nextUnit() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / 10_000 - 0.5) < 0.01)
    }
}
