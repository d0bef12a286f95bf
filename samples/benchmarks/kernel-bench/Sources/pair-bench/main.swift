// Per-pair cost of every estimator kernel on p Gaussian variables of dimension d (a shared
// factor plus noise of growing size), n samples: each KSG algorithm (k = 3; preparation per
// variable and estimate per pair) and binned (16 bins, Miller–Madow), in wall-clock ms.
// This was MIEstimatorsTests.BenchmarkTests, a benchmark without expectations; the test
// suite no longer times anything. Defaults: n = 5000, then (d, p) = (1, 40) and (5, 4).
// Usage: pair-bench [n] [d p]
import MIEstimators
import Glibc
func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}
let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1])! : 5000
let shapes = args.count > 3 ? [(Int(args[2])!, Int(args[3])!)] : [(1, 40), (5, 4)]
for (d, p) in shapes {
    var g = SeededGenerator(seed: 1, stream: 1)
    let base = (0..<(n * d)).map { _ in gaussian(&g) }
    let vars = (0..<p).map { v in
        VariableData(count: n, dimension: d, values: base.map { 0.5 * $0 + gaussian(&g) * Double(v + 1) / Double(p) })
    }
    for alg in KSGAlgorithm.allCases {
        let est = KSG(k: 3, algorithm: alg)
        let t0 = now()
        let prepared = vars.map { est.prepare($0) }
        let t1 = now()
        var pairs = 0, sum = 0.0
        for a in 0..<p { for b in (a + 1)..<p { sum += try! est.estimate(prepared[a], prepared[b]); pairs += 1 } }
        let t2 = now()
        print("KSG-\(alg.rawValue) n=\(n) d=\(d): prepare \((t1 - t0) / Double(p) * 1e3) ms/variable, "
            + "\((t2 - t1) / Double(pairs) * 1e3) ms/pair over \(pairs) pairs (checksum \(sum))")
    }
    let binned = Binned(bins: 16, biasCorrection: .millerMadow)
    let prepared = vars.map { binned.prepare($0) }
    let t3 = now()
    var pairs = 0
    for a in 0..<p { for c in (a + 1)..<p { _ = try! binned.estimate(prepared[a], prepared[c]); pairs += 1 } }
    print("binned n=\(n) d=\(d): \((now() - t3) / Double(pairs) * 1e3) ms/pair")
}
