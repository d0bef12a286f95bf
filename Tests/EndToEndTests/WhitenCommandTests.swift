import Foundation
import HDF5
import MIEstimators
import Testing

/// `mibatch run --normalization whiten` end to end: the built binary on groups of columns,
/// the affine invariance a user relies on (the same matrix after mixing every group by its
/// own invertible matrix), agreement with the library, provenance, and the refusal of a
/// singular group in `/status` and on stderr.
@Suite struct WhitenCommandTests {
    static let n = 800
    /// Per-coordinate correlations of U (columns 0..<3) with V (columns 3..<6), and the truth
    /// −½·Σ log(1 − ρ²) in nats (MI is unchanged by invertible maps of each group).
    static let rhos = [0.9, 0.7, 0.5]
    static var truth: Double { rhos.reduce(0) { $0 - 0.5 * log(1 - $1 * $1) } }

    /// Rows of (U, V) followed by a copy mixed group by group with ill-conditioned A and B,
    /// followed by a group Z = (x₀, 3·x₀ − 1) of rank 1 in 2 columns (X 0..<3, T 3..<6, Z 6..<8).
    static func writeInput(_ path: String) throws -> (plain: [Double], mixed: [Double]) {
        var random = TestRandom(seed: 20)
        let a: [[Double]] = [[1, 0.99, 0.98], [1, 1, 1], [0.2, 0, 0.01]]
        let b: [[Double]] = [[3, -1, 0], [1, 1, 1], [0, 0.5, -20]]
        var plain: [Double] = [], mixed: [Double] = []
        for _ in 0..<n {
            let u = (0..<3).map { _ in random.normal() }
            let v = (0..<3).map { m in rhos[m] * u[m] + (1 - rhos[m] * rhos[m]).squareRoot() * random.normal() }
            let x = a.map { row in zip(row, u).reduce(0) { $0 + $1.0 * $1.1 } + 5 }
            let t = b.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } - 2 }
            plain += u + v
            mixed += x + t + [x[0], 3 * x[0] - 1]
        }
        let file = try File.create(path, overwrite: true)
        try file.createDataset("/plain", type: .float64, shape: [n, 6]).write(plain)
        try file.createDataset("/mixed", type: .float64, shape: [n, 8]).write(mixed)
        return (plain, mixed)
    }

    @Test func whitenedMatrixIsInvariantToMixingAndMatchesTheLibrary() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        let (plain, _) = try Self.writeInput(input)
        func run(_ dataset: String, _ variables: String, _ extra: [String], _ name: String) throws -> File {
            let output = dir.appendingPathComponent(name).path
            let result = try runMibatch(["run", input, "--dataset", dataset, "--variables", variables, "-o", output] + extra)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            return try File.open(output)
        }
        let whitened = ["--normalization", "whiten"]
        let p = try run("/plain", "X=0:3,T=3:6", whitened, "plain.h5")
        let m = try run("/mixed", "X=0:3,T=3:6", whitened, "mixed.h5")
        let d = try run("/mixed", "X=0:3,T=3:6", [], "default.h5")
        let pm = try p.dataset("/mi").readAll()[1], mm = try m.dataset("/mi").readAll()[1]
        let dm = try d.dataset("/mi").readAll()[1]
        // Î(AX + a; BT + b) = Î(X; T) up to round-off, with cond(A) ≈ 450 and cond(B) ≈ 16.
        #expect(abs(mm - pm) <= 1e-9 * abs(pm), "plain \(pm), mixed \(mm)")
        // Whitening recovers what the mixing hid from the default normalization.
        #expect(abs(mm - Self.truth) < 0.6 * abs(dm - Self.truth), "truth \(Self.truth), whiten \(mm), default \(dm)")
        #expect(try m.attribute("normalization") == .string("whiten"))
        // The binary's value is the library's, bit for bit (same default k and algorithm).
        func group(_ columns: Range<Int>) -> VariableData {
            VariableData(columns: columns.map { j in (0..<Self.n).map { plain[$0 * 6 + j] } })
        }
        let ksg = KSG(k: 3, algorithm: .ksg2)
        let x = try Normalization.whiten.apply(to: group(0..<3)), t = try Normalization.whiten.apply(to: group(3..<6))
        #expect(pm == (try ksg.estimate(ksg.prepare(x), ksg.prepare(t))))
    }

    @Test func singularGroupFailsItsPairsAndNamesTheRank() throws {
        let dir = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.h5").path
        _ = try Self.writeInput(input)
        let output = dir.appendingPathComponent("out.h5").path
        let result = try runMibatch(["run", input, "--dataset", "/mixed", "--variables", "X=0:3,T=3:6,Z=6:8",
                                     "--normalization", "whiten", "-o", output])
        // Exit 3: the output is written, some pairs failed.
        #expect(result.status == 3, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("variable 'Z'") && result.stderr.contains("rank 1 of 2"), "stderr: \(result.stderr)")
        let file = try File.open(output)
        let status = try file.dataset("/status").readBytes(), mi = try file.dataset("/mi").readAll()
        // Pair (X, T) is computed; both pairs with the singular Z are marked failed and NaN.
        #expect(status[0 * 3 + 1] == 1 && mi[0 * 3 + 1].isFinite)
        for (i, j) in [(0, 2), (1, 2)] {
            #expect(status[i * 3 + j] == 2 && status[j * 3 + i] == 2 && mi[i * 3 + j].isNaN, "pair \(i), \(j): status \(status[i * 3 + j])")
        }
    }
}
