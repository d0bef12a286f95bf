import MIEstimators
import Testing

/// Requirement 9: each normalization's defining property.
@Suite struct NormalizationTests {
    static let v: VariableData = {
        var g = SeededGenerator(seed: 3, stream: 3)
        let n = 500, d = 3
        var vals = [Double]()
        for _ in 0..<n { for j in 0..<d { vals.append(Double(j + 1) * 3 * gaussian(&g) + Double(10 * j)) } }
        return VariableData(count: n, dimension: d, values: vals)
    }()

    static func colMean(_ v: VariableData, _ j: Int) -> Double { v.column(j).reduce(0, +) / Double(v.count) }
    static func rows(_ v: VariableData) -> [[Double]] {
        (0..<v.count).map { i in Array(v.values[(i * v.dimension)..<((i + 1) * v.dimension)]) }
    }

    @Test func none() throws {
        let bad = VariableData(column: [1, .nan, 3])
        #expect(try Normalization.none.apply(to: bad).values.count == 3)
        #expect(try Normalization.none.apply(to: Self.v) == Self.v)
        #expect(Normalization.none.statistic(of: Self.v) == nil)
    }

    @Test func local() throws {
        let out = try Normalization.local.apply(to: Self.v)
        for j in 0..<3 {
            let c = out.column(j)
            let m = c.reduce(0, +) / Double(c.count)
            let sd = (c.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c.count)).squareRoot()
            #expect(abs(m) < 1e-12 && abs(sd - 1) < 1e-12)
        }
        #expect(Normalization.local.statistic(of: Self.v) == nil)
    }

    @Test func globalStd() throws {
        let out = try Normalization.globalStd.apply(to: Self.v)
        for j in 0..<3 { #expect(abs(Self.colMean(out, j)) < 1e-12) }
        let ms = out.values.map { $0 * $0 }.reduce(0, +) / Double(out.values.count)
        #expect(abs(ms - 1) < 1e-12)
        // Geometry kept: ratios between dimensions unchanged.
        let ratio = (out.values[5] - out.values[2]) / (Self.v.values[5] - Self.v.values[2])
        #expect(abs(ratio - (out.values[4] - out.values[1]) / (Self.v.values[4] - Self.v.values[1])) < 1e-12)
    }

    @Test func globalL2() throws {
        let out = try Normalization.globalL2.apply(to: Self.v)
        for j in 0..<3 { #expect(abs(Self.colMean(out, j)) < 1e-12) }
        let m = Self.rows(out).map { $0.map { $0 * $0 }.reduce(0, +).squareRoot() }.reduce(0, +) / 500
        #expect(abs(m - 1) < 1e-12)
    }

    @Test func globalLinf() throws {
        let out = try Normalization.globalLinf.apply(to: Self.v)
        for j in 0..<3 { #expect(abs(Self.colMean(out, j)) < 1e-12) }
        let m = Self.rows(out).map { $0.map(abs).max()! }.reduce(0, +) / 500
        #expect(abs(m - 1) < 1e-12)
    }

    @Test func robustUsesMedians() throws {
        // Outliers move the mean-based statistics but not the medians.
        var vals = Self.v.values
        for i in 0..<20 { vals[i * 3] = 1e6 }
        let withOutliers = VariableData(count: 500, dimension: 3, values: vals)
        let out = try Normalization.robust.apply(to: withOutliers)
        for j in 0..<3 {
            let sorted = out.column(j).sorted()
            #expect(abs(sorted[249] + (sorted[250] - sorted[249]) / 2) < 1e-12, "column median 0")
        }
        let rowMax = Self.rows(out).map { $0.map(abs).max()! }.sorted()
        #expect(abs(rowMax[249] + (rowMax[250] - rowMax[249]) / 2 - 1) < 1e-12, "median row L∞ = 1")
        let sClean = Normalization.robust.statistic(of: Self.v)!
        let sOut = Normalization.robust.statistic(of: withOutliers)!
        #expect(abs(sOut / sClean - 1) < 0.1)
        #expect(Normalization.globalLinf.statistic(of: withOutliers)! > 10 * Normalization.globalLinf.statistic(of: Self.v)!)
    }

    @Test(arguments: Normalization.allCases.filter { $0 != .none })
    func constantThrows(norm: Normalization) {
        let c = VariableData(count: 50, dimension: 2, values: [Double](repeating: 4.25, count: 100))
        #expect(throws: EstimationError.constantVariable) { try norm.apply(to: c) }
        let nan = VariableData(column: [1, 2, .infinity])
        #expect(throws: EstimationError.nonFiniteValues(count: 1)) { try norm.apply(to: nan) }
    }

    @Test func localThrowsOnOneConstantColumn() {
        var vals = Self.v.values
        for i in 0..<500 { vals[i * 3 + 1] = 7 }
        #expect(throws: EstimationError.constantVariable) {
            try Normalization.local.apply(to: VariableData(count: 500, dimension: 3, values: vals))
        }
        // A global statistic is still positive: only `local` needs every column to vary.
        #expect(throws: Never.self) {
            try Normalization.globalLinf.apply(to: VariableData(count: 500, dimension: 3, values: vals))
        }
    }

    @Test(arguments: [Normalization.globalStd, .globalL2, .globalLinf, .robust])
    func statisticScales(norm: Normalization) throws {
        let s = norm.statistic(of: Self.v)!
        #expect(s > 0)
        for a in [0x1p-30, 0.25, 0x1p10, 0x1p30] {
            #expect(norm.statistic(of: Self.v.scaled(a)) == a * s, "\(norm) α=\(a) bit-exact")
        }
        for a in [1e-8, 1e-3, 7.5, 1e5, 1e8] {
            #expect(abs(norm.statistic(of: Self.v.scaled(a))! / (a * s) - 1) < 1e-12, "\(norm) α=\(a)")
        }
        // and the normalized output is bit-identical for power-of-two α
        #expect(try norm.apply(to: Self.v.scaled(0x1p20)) == norm.apply(to: Self.v))
    }

    @Test func rawValuesAreTheCLISpellings() {
        #expect(Normalization.allCases.map(\.rawValue) == ["none", "local", "global-std", "global-l2", "global-linf", "robust", "rank", "whiten", "whiten-robust"])
        #expect(KSGAlgorithm.allCases.map(\.rawValue) == ["1", "2", "joint"])
        #expect(KSGCorrection.allCases.map(\.rawValue) == ["none", "lnc"])
        #expect(Binned.BiasCorrection.allCases.map(\.rawValue) == ["none", "miller-madow"])
    }
}
