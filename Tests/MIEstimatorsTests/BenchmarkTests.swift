import MIEstimators
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Not a timed test: prints per-pair timings when MIBATCH_BENCH=1 (use a release build:
/// `MIBATCH_BENCH=1 swift test -c release --filter Benchmark`). Skipped otherwise.
@Suite struct BenchmarkTests {
    static var enabled: Bool { getenv("MIBATCH_BENCH").map { String(cString: $0) == "1" } ?? false }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    @Test(.enabled(if: enabled))
    func allPairsTiming() throws {
        let n = 5000
        for (d, p) in [(1, 40), (5, 4)] {
            var g = SeededGenerator(seed: 1, stream: 1)
            let base = (0..<(n * d)).map { _ in gaussian(&g) }
            let vars = (0..<p).map { v in
                VariableData(count: n, dimension: d,
                             values: base.map { 0.5 * $0 + gaussian(&g) * Double(v + 1) / Double(p) })
            }
            for alg in KSGAlgorithm.allCases {
                let est = KSG(k: 3, algorithm: alg)
                let t0 = Self.now()
                let prepared = vars.map { est.prepare($0) }
                let t1 = Self.now()
                var pairs = 0, sum = 0.0
                for a in 0..<p { for b in (a + 1)..<p { sum += try est.estimate(prepared[a], prepared[b]); pairs += 1 } }
                let t2 = Self.now()
                print("KSG-\(alg.rawValue) n=\(n) d=\(d): prepare \((t1 - t0) / Double(p) * 1e3) ms/variable, "
                    + "\((t2 - t1) / Double(pairs) * 1e3) ms/pair over \(pairs) pairs (checksum \(sum))")
            }
            let b = Binned(bins: 16, biasCorrection: .millerMadow)
            let pb = vars.map { b.prepare($0) }
            let t3 = Self.now()
            var pairs = 0
            for a in 0..<p { for c in (a + 1)..<p { _ = try b.estimate(pb[a], pb[c]); pairs += 1 } }
            print("binned n=\(n) d=\(d): \((Self.now() - t3) / Double(pairs) * 1e3) ms/pair")
        }
    }
}
