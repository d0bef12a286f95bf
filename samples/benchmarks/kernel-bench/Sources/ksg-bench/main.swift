// All pairs of p Gaussian variables (a shared factor plus noise of growing size), n samples,
// KSG with k = 3: prints the CPU time per pair (CLOCK_PROCESS_CPUTIME_ID) and a checksum.
// Usage: ksg-bench [n] [p] [algorithms, e.g. 2,1]
import MIEstimators
import Glibc
func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
func gaussian(_ g: inout SeededGenerator) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}
let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1])! : 5000
let p = args.count > 2 ? Int(args[2])! : 40
let algs = args.count > 3 ? args[3].split(separator: ",").map { KSGAlgorithm(rawValue: String($0))! } : [.ksg2, .ksg1]
var g = SeededGenerator(seed: 1, stream: 1)
let base = (0..<n).map { _ in gaussian(&g) }
let vars = (0..<p).map { v in VariableData(count: n, dimension: 1, values: base.map { 0.5 * $0 + gaussian(&g) * Double(v + 1) / Double(p) }) }
for alg in algs {
    let est = KSG(k: 3, algorithm: alg)
    let prepared = vars.map { est.prepare($0) }
    let t1 = now()
    var pairs = 0, sum = 0.0
    for a in 0..<p { for b in (a + 1)..<p { sum += try! est.estimate(prepared[a], prepared[b]); pairs += 1 } }
    let t2 = now()
    print("KSG-\(alg.rawValue) n=\(n): \((t2 - t1) / Double(pairs) * 1e3) ms/pair over \(pairs) pairs (checksum \(sum))")
}
